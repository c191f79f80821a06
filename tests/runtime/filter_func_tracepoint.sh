#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# filter_func_tracepoint: --filter-func narrows the tracepoint backend too (this host cannot
# attach kprobes). With --filter-func kfree_skb only the skb:kfree_skb tracepoint is attached:
# the dropped SYN shows up there with its reason, and no other tracepoint appears. The drops
# preset (--config drops) gives the same narrowing with a stack under each drop.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init filter_func_tracepoint

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

rt_pwru_start --backend tracepoint --filter-func kfree_skb "dst host $RT_SERVER4 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS"
rt_assert_header
grep -q 'listening for events (1 tracepoint probes' "$RT_PWRU_ERR" ||
	rt_fail "expected exactly one tracepoint attached: $(grep listening "$RT_PWRU_ERR")"
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\) +kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)'
other=$(awk 'NR > 1 && /^0x/ && $NF !~ /^kfree_skb/' "$RT_PWRU_OUT" | head -n 1)
[ -z "$other" ] || rt_fail "an event from another tracepoint: $other"
rt_log "ok: only kfree_skb events"

# The drops preset: the same narrowing, each drop with its stack.
rt_pwru_start --backend tracepoint --config drops "dst host $RT_SERVER4 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
rt_assert_match 'kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)$'
other=$(awk 'NR > 1 && /^0x/ && $NF !~ /^kfree_skb/' "$RT_PWRU_OUT" | head -n 1)
[ -z "$other" ] || rt_fail "--config drops traced another tracepoint: $other"
stack=$(awk '/kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)$/ {on = 1; next} on && /^0x[0-9a-f]+ / {exit} on {print}' "$RT_PWRU_OUT")
grep -qx 'nf_hook_slow' <<<"$stack" || rt_fail "--config drops: no stack with nf_hook_slow under the drop: $(tr '\n' ' ' <<<"$stack")"
rt_log "ok: --config drops traces only drops, with their stacks"
rt_log PASS
