#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ipv6_drop: drop_reason over IPv6 (cilium/pwru e2e "basic-ipv6"): an ip6tables DROP is
# traced to kfree_skb(SKB_DROP_REASON_NETFILTER_DROP) with a bracketed IPv6 tuple.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init ipv6_drop

rt_topology ipv6
rt_ip6tables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER6" "$RT_DEVC"

rt_pwru_start "dst host $RT_SERVER6 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER6" 8080
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS" ip6tables

rt_assert_header
rt_assert_match '\[2001:db8::1\]:[0-9]+->\[2001:db8::10\]:8080\(tcp\).*kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)'
rt_log PASS
