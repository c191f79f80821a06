#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# negative: traffic that does not match the pcap filter produces no event at all.
# Port 9090 is dropped just like 8080 in drop_reason, and a ping crosses the same veth,
# but the filter asks for tcp port 8080 only: the output must be the header alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init negative

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 9090 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

rt_pwru_start "dst host $RT_SERVER4 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 9090
rt_ping "$RT_NSC" "$RT_SERVER4" 2
sleep 1
rt_pwru_stop INT

# The traffic must really have flowed, or this test could not fail.
rt_assert_dropped "$RT_NSS"
grep -q ' 0% packet loss' "$RT_TMP/ping.out" || rt_fail "ping did not get through: $(cat "$RT_TMP/ping.out")"

rt_assert_header
n=$(rt_event_count)
if [ "$n" != 0 ]; then
	sed 's/^/  | /' "$RT_PWRU_OUT" >&2
	# pwru sees every namespace: say so when none of the lines came from ours (NETNS is the
	# 4th column), as another test sending the same traffic at the same time would cause it.
	ours=$(stat -L -c %i "/run/netns/$RT_NSC" "/run/netns/$RT_NSS" | paste -sd' ')
	if ! awk -v ours=" $ours " 'NR > 1 && index(ours, " " $4 " ") {found = 1} END {exit !found}' "$RT_PWRU_OUT"; then
		rt_log "note: none of these lines is from this test's namespaces ($ours); was another pwru test running at the same time?"
	fi
	rt_fail "expected no event line, got $n"
fi
rt_log "ok: header only, no event line"
rt_log PASS
