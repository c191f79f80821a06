#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pcapng_live: pwru --output-pcapng - | tshark -l -r - shows packets while pwru still runs
# (the sink flushes each batch), then SIGINT ends pwru and tshark sees the end of the
# stream. No text goes to stdout (it would corrupt the pcapng stream).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init pcapng_live
rt_require_tools tshark mkfifo

rt_topology
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
fifo="$RT_TMP/pcapng.fifo"
live="$RT_TMP/tshark.live"
mkfifo "$fifo"

# tee keeps a copy of the stream for libpcap (it writes what it reads at once).
tee "$RT_TMP/live.pcapng" <"$fifo" | tshark -l -r - >"$live" 2>"$RT_TMP/tshark.err" &
tshark_pid=$!
# Also end tshark if the test fails (it may still be waiting to open the fifo).
trap 'st=$?; [ -n "$tshark_pid" ] && kill "$tshark_pid" 2>/dev/null; (exit $st); rt_cleanup' EXIT
RT_PWRU_STDOUT="$fifo"
RT_PWRU_ERR="$RT_TMP/pwru.stderr"
RT_PWRU_READY="$RT_TMP/pwru.ready"
rt_log "starting: $PWRU --output-pcapng - 'host $RT_SERVER4 and icmp' > fifo | tshark -l -r -"
env --default-signal=INT,QUIT "$PWRU" --ready-file "$RT_PWRU_READY" --output-pcapng - \
	"host $RT_SERVER4 and icmp" >"$fifo" 2>"$RT_PWRU_ERR" </dev/null &
RT_PWRU_PID=$!
RT_PWRU_STARTED=$SECONDS
rt_pwru_wait_ready

rt_ping "$RT_NSC" "$RT_SERVER4" 2
# Packets reach tshark while pwru is still running.
deadline=$((SECONDS + 5))
while ! grep -q 'ICMP' "$live"; do
	[ "$SECONDS" -lt "$deadline" ] || { cat "$RT_TMP/tshark.err" >&2; rt_fail "tshark showed no packet within 5 s"; }
	sleep 0.1
done
rt_pwru_alive || rt_fail "pwru is not running any more"
t_seen=$((SECONDS - RT_PWRU_STARTED))
rt_log "ok: tshark showed packets while pwru runs: $(head -n 1 "$live")"

rt_pwru_stop INT
rc=0
timeout 10 tail --pid="$tshark_pid" -f /dev/null || rt_fail "tshark did not end after pwru exited"
wait "$tshark_pid" || rc=$?
tshark_pid=""
[ "$rc" = 0 ] || { cat "$RT_TMP/tshark.err" >&2; rt_fail "tshark exited with $rc"; }
if grep -v -e '^Running as user "root"' "$RT_TMP/tshark.err" | grep -q .; then
	cat "$RT_TMP/tshark.err" >&2
	rt_fail "tshark printed warnings on the live stream"
fi
n=$(grep -c 'ICMP' "$live" || true)
[ "$n" -ge 4 ] || rt_fail "only $n ICMP packets in the live stream (2 echo requests and replies, each at several points)"
grep -q 'Echo (ping) request' "$live" || rt_fail "no echo request dissected"
grep -q 'Echo (ping) reply' "$live" || rt_fail "no echo reply dissected"
rt_log "ok: $n packets in the live stream (first after ~${t_seen}s), tshark ended cleanly"
# The same stream, saved, read by libpcap: all of it, or (libpcap allows one link type per
# file) every packet before the first one of a second link type.
if [ -x "${PWRU_PCAP_COUNT:-}" ]; then
	saved="$RT_TMP/live.pcapng"
	first_other=$(tshark -r "$saved" -T fields -e frame.encap_type 2>/dev/null |
		awk 'NR == 1 {e = $1} $1 != e {print NR - 1; exit}')
	rc=0
	out=$("$PWRU_PCAP_COUNT" "$saved" 2>&1) || rc=$?
	if [ -z "$first_other" ]; then
		[ "$rc" = 0 ] && [[ $out == *" packets=$n" ]] || rt_fail "libpcap: '$out' (expected $n packets)"
	else
		[[ $out == *"after $first_other packets: an interface has a type "*" different from the type of the first interface" ]] ||
			rt_fail "libpcap: '$out' (expected it to read the $first_other packets before the second link type)"
	fi
	rt_log "ok: libpcap reads the saved stream (${first_other:-all} packets of the first link type): $out"
fi
rt_log PASS
