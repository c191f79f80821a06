#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# filter_netns: with traffic flowing in two separate namespace pairs, --filter-netns keeps
# only the packets of the chosen namespace: path form (/run/netns/NAME), inode:<n> form,
# and the bare NAME form. The NETNS column of every line must be that namespace's inode.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init filter_netns

rt_topology
rt_topology2
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
rt_route_check "$RT_NSC2" "$RT_SERVER4B" "$RT_DEVC2"
ino_c=$(rt_netns_inode "$RT_NSC")
ino_s2=$(rt_netns_inode "$RT_NSS2")

traffic() {
	rt_ping "$RT_NSC" "$RT_SERVER4" 2
	rt_ping "$RT_NSC2" "$RT_SERVER4B" 2 "$RT_DEVC2"
	sleep 1
}

rt_log "path form: the first client namespace"
rt_pwru_start --filter-netns "/run/netns/$RT_NSC"
traffic
rt_pwru_stop INT
rt_assert_header
rt_assert_match '198\.51\.100\.1:0->198\.51\.100\.10:0\(icmp\)'
rt_assert_match '198\.51\.100\.10:0->198\.51\.100\.1:0\(icmp\)'  # the reply, as it arrives
rt_assert_no_match '203\.0\.113\.'
rt_assert_column 4 "$ino_c"

rt_log "inode form: the second server namespace"
rt_pwru_start --filter-netns "inode:$ino_s2"
traffic
rt_pwru_stop INT
rt_assert_header
rt_assert_match '203\.0\.113\.1:0->203\.0\.113\.10:0\(icmp\)'
rt_assert_no_match '198\.51\.100\.'
rt_assert_column 4 "$ino_s2"

rt_log "bare name form (our addition): the second server namespace"
rt_pwru_start --filter-netns "$RT_NSS2"
traffic
rt_pwru_stop INT
rt_assert_match '203\.0\.113\.1:0->203\.0\.113\.10:0\(icmp\)'
rt_assert_no_match '198\.51\.100\.'
rt_assert_column 4 "$ino_s2"

grep -c ' 0% packet loss' "$RT_TMP/ping.out" | grep -qx 6 || rt_fail "not every ping got through: $(cat "$RT_TMP/ping.out")"
rt_log PASS
