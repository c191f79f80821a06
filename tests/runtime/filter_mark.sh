#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# filter_mark: --filter-mark mark[/mask] keeps only packets whose skb->mark matches, in the
# kernel. The client's mangle table marks TCP to port 8080 with 0x1a5 and TCP to port 8081
# with 0x2a5; three runs check an exact mark, a mask that selects one flow, and a mask that
# selects both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init filter_mark

rt_topology
rt_iptables "$RT_NSC" -t mangle -A OUTPUT -p tcp --dport 8080 -j MARK --set-mark 0x1a5
rt_iptables "$RT_NSC" -t mangle -A OUTPUT -p tcp --dport 8081 -j MARK --set-mark 0x2a5
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

# run_with FILTER: trace both flows with --filter-mark FILTER (no other filter).
run_with() {
	rt_pwru_start --filter-mark "$1"
	rt_curl "$RT_NSC" "$RT_SERVER4" 8080
	rt_curl "$RT_NSC" "$RT_SERVER4" 8081
	sleep 1
	rt_pwru_stop INT
	rt_assert_header
	# Both flows were sent and marked: the mangle counters prove it.
	local counts
	counts=$(ip netns exec "$RT_NSC" iptables -w 10 -t mangle -nvxL OUTPUT | awk '$3 == "MARK" {print $1}' | paste -sd' ')
	rt_log "mangle MARK rule packet counts: $counts"
}

# Every event line must carry a mark that passes FILTER: (mark & mask) == value.
assert_marks() {
	local want_mask=$1 want=$2 mark bad=0
	# mawk has no hex arithmetic: let bash do it (column 5 is MARK/x, in hex without 0x).
	while read -r mark; do
		if (((0x$mark & want_mask) != want)); then
			rt_log "bad mark $mark"
			bad=1
		fi
	done < <(awk 'NR > 1 && NF > 5 {print $5}' "$RT_PWRU_OUT")
	[ "$bad" = 0 ] || rt_fail "a line has a mark outside the filter"
	rt_log "ok: every line's MARK/x passes (mark & $want_mask) == $want"
}

rt_log "exact mark 0x1a5"
run_with 0x1a5
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'
rt_assert_no_match ':8081\(tcp\)'
assert_marks 0xffffffff 0x1a5

rt_log "mask: 0x100/0xf00 (only 0x1a5 has 0x1 in that nibble)"
run_with 0x100/0xf00
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'
rt_assert_no_match ':8081\(tcp\)'
assert_marks 0xf00 0x100

rt_log "mask: 0xa5/0xff (both flows), decimal form 165/255"
run_with 165/255
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8081\(tcp\)'
assert_marks 0xff 0xa5
# The server's RST replies carry no mark: they must not show up.
rt_assert_no_match '198\.51\.100\.10:808[01]->'
rt_log PASS
