#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# output_stack: --output-stack prints the kernel stack of each event, one nearest symbol per
# line after the event line (as cilium/pwru does), in text and as JSON's "stack" string. The
# netfilter drop of a SYN must show the netfilter hook on its stack.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init output_stack

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
json="$RT_TMP/pwru.json"

rt_pwru_start --output-stack --sink "json:$json" "dst host $RT_SERVER4 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS"

# Text: the lines after the drop event, up to the next event line, are its stack.
stack=$(awk '/kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)$/ {on = 1; next} on && /^0x[0-9a-f]+ / {exit} on {print}' "$RT_PWRU_OUT")
[ -n "$stack" ] || { cat "$RT_PWRU_OUT" >&2; rt_fail "no stack lines after the drop event"; }
rt_log "drop stack: $(tr '\n' ' ' <<<"$stack")"
grep -qx 'nf_hook_slow' <<<"$stack" || rt_fail "nf_hook_slow is not on the drop's stack"
# The stack starts at the kernel, not in pwru's own program or the tracepoint glue.
first=$(head -n 1 <<<"$stack")
[[ $first != *'[bpf]' && $first != bpf_trace_run* ]] || rt_fail "the stack starts with pwru's own frame: $first"
# Each stack line is one bare symbol name (pwru prints no offset or indentation).
bad=$(grep -vE '^[A-Za-z_.$][A-Za-z0-9_.$]*(\[[A-Za-z0-9_]+\])?$' <<<"$stack" || true)
[ -z "$bad" ] || rt_fail "stack lines that are not bare symbols: $bad"
rt_log "ok: the drop's stack names nf_hook_slow, one bare symbol per line"

# JSON: the same stack as one string of "\n<symbol>" pieces.
jq -e 'select(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP") | .stack | startswith("\n") and (split("\n") | index("nf_hook_slow") != null)' \
	"$json" >/dev/null || { cat "$json" >&2; rt_fail "the JSON drop event has no stack with nf_hook_slow"; }
rt_log "ok: JSON stack of the drop names nf_hook_slow"
rt_log PASS
