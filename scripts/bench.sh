#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prints pwru's performance figures (never fails on a number):
#   1. in-kernel cost per hit (kernel BPF stats) beside floor programs,
#   2. CPU used by an idle pwru over 10 s (no polling loop: expect ~0),
#   3. userspace text formatting throughput (Google Benchmark),
#   4. userspace decode + format per event, text and JSON (Google Benchmark).
# Traffic stays on loopback. Needs root and a build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[ -x "$BUILD/pwru" ] || { echo "bench.sh: build first (scripts/build.sh)" >&2; exit 1; }

echo "== 1. in-kernel cost per hit"
"$BUILD/tests/bench/bench_kernel_cost" "${PACKETS:-100000}"

echo
echo "== 2. idle CPU over 10 s (filter matches nothing on this host)"
ready=$(mktemp -u /tmp/pwru-bench-ready.XXXXXX)
"$BUILD/pwru" --ready-file "$ready" --output-file /dev/null 'host 203.0.113.254 and udp port 9' 2>/dev/null &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; rm -f "$ready"' EXIT
for _ in $(seq 300); do [ -f "$ready" ] && break; sleep 0.1; done
[ -f "$ready" ] || { echo "pwru did not become ready" >&2; exit 1; }
tck=$(getconf CLK_TCK)
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
sleep 10
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
ms=$(( ( (u1 - u0) + (s1 - s0) ) * 1000 / tck ))
echo "pwru used ${ms} ms of CPU in 10 s idle ($(awk "BEGIN{printf \"%.3f\", $ms/100}")% of one core)"
kill -INT $pid; wait $pid || true
trap - EXIT; rm -f "$ready"

echo
echo "== 3. text sink throughput (decode excluded; one core)"
if [ -x "$BUILD/plugins/sink-text/bench/bench_sink_text" ]; then
  "$BUILD/plugins/sink-text/bench/bench_sink_text" --benchmark_min_time=0.5 2>/dev/null | grep -E "^(BM_|Benchmark|-)" || true
else
  echo "(bench_sink_text not built)"
fi

echo
echo "== 4. decode + format throughput (ring buffer record -> text / JSON line; one core)"
if [ -x "$BUILD/tests/bench/bench_decode_format" ]; then
  "$BUILD/tests/bench/bench_decode_format" --benchmark_min_time=0.5 2>/dev/null | grep -E "^(BM_|Benchmark|-)" || true
else
  echo "(bench_decode_format not built)"
fi
