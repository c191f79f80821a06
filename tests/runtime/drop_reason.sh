#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# drop_reason: a TCP SYN dropped by an iptables rule is traced to
# kfree_skb(SKB_DROP_REASON_NETFILTER_DROP) with the right tuple (cilium/pwru e2e "basic-ipv4").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init drop_reason

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

rt_pwru_start "dst host $RT_SERVER4 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS"

rt_assert_header
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\).*kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)'
# The filter is on the destination: nothing travelling the other way may show up.
rt_assert_no_match '198\.51\.100\.10:8080->'
rt_log PASS
