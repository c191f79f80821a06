# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# bench-attach: figures, not a test (run by tests/vm/bench.sh, never by the VM stage's
# expect.txt). For VM_BACKEND with the FULL skb probe set (no --filter-func subset):
#   - attach: seconds from start to ready, functions attached and skipped (pwru's notices);
#   - detach: seconds from SIGTERM to exit;
#   - per-hit cost from kernel.bpf_stats_enabled: run_time_ns / run_cnt of pwru's BPF
#     programs (their fdinfo), in two phases of ping -A: to a matching address (the pcap
#     filter passes, an event per hit) and to a filtered-out one (the filter rejects).
# The figures come back as the VMRESULT detail, as key=value words.
# Under TCG (software CPU emulation) every figure is far above bare metal: compare
# backends with each other, not with numbers from a real machine.
. /vm/lib.sh
VM_FULL_SET=1
PINGS=${VM_BENCH_PINGS:-300}

echo 1 >/proc/sys/kernel/bpf_stats_enabled || vm_fail "cannot enable kernel.bpf_stats_enabled"
vm_topology 198.51.100.1 198.51.100.10
ip -n "$VM_NSS" addr add 198.51.100.20/24 dev "$VM_DEVS" || vm_fail "addr 198.51.100.20"

# prog_stats: "<run_time_ns> <run_cnt>" summed over pwru's BPF programs (one per prog id;
# link fds name a prog_id but carry no counters).
prog_stats() {
	awk 'FNR == 1 {id = FILENAME} /^prog_id:/ {id = $2}
	     /^run_time_ns:/ {t[id] = $2} /^run_cnt:/ {c[id] = $2}
	     END {for (k in c) {T += t[k]; C += c[k]} printf "%.0f %.0f\n", T, C}' \
		"/proc/$VM_PWRU_PID"/fdinfo/* 2>/dev/null
}

# phase ADDR: ping -A PINGS times; prints "<hits> <ns_per_hit>".
phase() {
	vm_route_check "$VM_NSC" "$1" "$VM_DEVC"
	set -- "$1" $(prog_stats)
	ip netns exec "$VM_NSC" ping -A -q -c "$PINGS" -W 1 "$1" >>"$VM_TMP/ping.out" 2>&1 ||
		vm_fail "ping $1 failed: $(tail -n 1 "$VM_TMP/ping.out")"
	set -- "$@" $(prog_stats)
	vm_log "bpf_stats around ping $1: $2 ns/$3 runs -> $4 ns/$5 runs"
	awk -v t0="$2" -v c0="$3" -v t1="$4" -v c1="$5" \
		'BEGIN {n = c1 - c0; printf "%d %.0f\n", n, (n > 0 ? (t1 - t0) / n : 0)}'
}

vm_pwru_start 'host 198.51.100.10'
attached=$(sed -n 's/.*listening for events (\([0-9]*\) .*/\1/p' "$VM_TMP/pwru.err" | head -n 1)
skipped=$(sed -n 's/.*skipped \([0-9]*\).*/\1/p' "$VM_TMP/pwru.err" | head -n 1)
[ -n "$attached" ] || vm_fail "pwru printed no 'listening for events (N ...' line"
set -- $(phase 198.51.100.10)
match_hits=$1 match_ns=$2
set -- $(phase 198.51.100.20)
miss_hits=$1 miss_ns=$2
vm_pwru_stop 300
[ "$match_hits" -gt 0 ] || vm_fail "bpf_stats counted no hit while pinging the traced address"
events=$(vm_events)
[ "$events" -ge "$PINGS" ] || vm_fail "only $events events for $PINGS traced pings"
vm_pass "attached=$attached skipped=${skipped:-0} ready_s=$VM_READY_SECS detach_s=$VM_STOP_SECS" \
	"pings=$PINGS events=$events match_hits=$match_hits match_ns_per_hit=$match_ns" \
	"miss_hits=$miss_hits miss_ns_per_hit=$miss_ns"
