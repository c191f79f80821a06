#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# filter_combined: pcap + mark + netns filters are ANDed in the kernel. Traffic that passes
# any two of them but not the third must not appear:
#   client 1, tcp 8080, mark 0x1a5  -> passes all three (expected)
#   client 1, tcp 8081, mark 0x1a5  -> fails pcap
#   client 1, icmp with mark 0x2, and the unmarked RST replies -> fail mark
#   client 2, tcp 8080, mark 0x1a5  -> fails netns
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init filter_combined

rt_topology
rt_topology2
for ns in "$RT_NSC" "$RT_NSC2"; do
	rt_iptables "$ns" -t mangle -A OUTPUT -p tcp -j MARK --set-mark 0x1a5
done
rt_iptables "$RT_NSC" -t mangle -I OUTPUT -p icmp -j MARK --set-mark 0x2
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
rt_route_check "$RT_NSC2" "$RT_SERVER4B" "$RT_DEVC2"

rt_pwru_start --filter-mark 0x1a5 --filter-netns "/run/netns/$RT_NSC" 'tcp port 8080'
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
rt_curl "$RT_NSC" "$RT_SERVER4" 8081
rt_curl "$RT_NSC2" "$RT_SERVER4B" 8080 "$RT_DEVC2"
rt_ping "$RT_NSC" "$RT_SERVER4" 1
sleep 1
rt_pwru_stop INT

rt_assert_header
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'
rt_assert_no_match ':8081\(tcp\)'
rt_assert_no_match '203\.0\.113\.'
rt_assert_no_match '\(icmp\)'
rt_assert_no_match '198\.51\.100\.10:8080->'  # the RST comes back unmarked
rt_assert_column 5 1a5
rt_assert_column 4 "$(rt_netns_inode "$RT_NSC")"
# Every flow really ran (so each "no match" above could have failed).
for ns in "$RT_NSC" "$RT_NSC2"; do
	n=$(ip netns exec "$ns" iptables -w 10 -t mangle -nvxL OUTPUT | awk '$3 == "MARK" {s += $1} END {print s + 0}')
	[ "$n" -ge 2 ] || [ "$ns" = "$RT_NSC2" ] || rt_fail "marking rules in $ns saw $n packets"
	[ "$n" -ge 1 ] || rt_fail "marking rules in $ns saw no packet"
done
rt_log PASS
