#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# filter_ifname: the client namespace has two interfaces (rtc0 on 198.51.100.0/24, rtc1 on
# 203.0.113.0/24), both carrying pings. --filter-ifname rtc1 --filter-netns <client> keeps
# only packets on rtc1; the IFACE column names it. Then the same name without
# --filter-netns must fail: rtc1 does not exist in pwru's own namespace.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init filter_ifname

rt_topology
ip -n "$RT_NSC" link add rtc1 type veth peer name rts1 netns "$RT_NSS" || rt_fail "cannot create rtc1/rts1"
ip -n "$RT_NSC" addr add 203.0.113.1/24 dev rtc1 || rt_fail "addr 203.0.113.1"
ip -n "$RT_NSS" addr add 203.0.113.10/24 dev rts1 || rt_fail "addr 203.0.113.10"
ip -n "$RT_NSC" link set rtc1 up || rt_fail "link up rtc1"
ip -n "$RT_NSS" link set rts1 up || rt_fail "link up rts1"
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
rt_route_check "$RT_NSC" 203.0.113.10 rtc1
idx=$(ip -n "$RT_NSC" -o link show rtc1 | cut -d: -f1)

rt_pwru_start --filter-ifname rtc1 --filter-netns "/run/netns/$RT_NSC"
rt_ping "$RT_NSC" "$RT_SERVER4" 2
rt_ping "$RT_NSC" 203.0.113.10 2 rtc1
sleep 1
rt_pwru_stop INT
grep -c ' 0% packet loss' "$RT_TMP/ping.out" | grep -qx 2 || rt_fail "not every ping got through: $(cat "$RT_TMP/ping.out")"

rt_assert_header
rt_assert_match '203\.0\.113\.1:0->203\.0\.113\.10:0\(icmp\)'
rt_assert_match '203\.0\.113\.10:0->203\.0\.113\.1:0\(icmp\)'
rt_assert_no_match '198\.51\.100\.'
rt_assert_column 6 "rtc1:$idx"
rt_assert_column 4 "$(rt_netns_inode "$RT_NSC")"

# Same name, pwru's own namespace: one line naming the interface, exit 2.
rc=0
"$PWRU" --filter-ifname rtc1 >"$RT_TMP/pwru.noif.out" 2>"$RT_TMP/pwru.noif.err" </dev/null || rc=$?
[ "$rc" = 2 ] || rt_fail "--filter-ifname rtc1 in the host namespace: exit $rc, expected 2"
grep -q "'rtc1'.*own network namespace" "$RT_TMP/pwru.noif.err" ||
	rt_fail "unexpected error: $(cat "$RT_TMP/pwru.noif.err")"
rt_log "ok: $(cat "$RT_TMP/pwru.noif.err")"
rt_log PASS
