#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# json_output: --output-json writes one JSON object per line (jq parses every one), and the
# drop event of the demo scenario has the expected field values. A second sink (--sink
# text:FILE) runs in the same trace and sees exactly the same events.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init json_output

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
text="$RT_TMP/pwru.text"

rt_pwru_start --output-json --output-tcp-flags --timestamp current --sink "text:$text" \
	"dst host $RT_SERVER4 and tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS"

# Every line is one JSON object.
lines=$(grep -c '' "$RT_PWRU_OUT" || true)
[ "$lines" -ge 1 ] || rt_fail "no JSON line"
objects=$(jq -c 'select(type == "object")' "$RT_PWRU_OUT" | grep -c '') || rt_fail "jq cannot parse $RT_PWRU_OUT"
[ "$objects" = "$lines" ] || rt_fail "$lines lines but $objects JSON objects"
rt_log "ok: $lines lines, each a JSON object"

ino=$(rt_netns_inode "$RT_NSS")
idx=$(ip -n "$RT_NSS" -o link show "$RT_DEVS" | cut -d: -f1)
drop=$(jq -c 'select(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP")' "$RT_PWRU_OUT" | head -n 1)
[ -n "$drop" ] || { cat "$RT_PWRU_OUT" >&2; rt_fail "no event with drop_reason SKB_DROP_REASON_NETFILTER_DROP"; }
rt_log "drop event: $drop"
check() {
	jq -e --argjson ino "$ino" --arg iface "$RT_DEVS:$idx" "$1" <<<"$drop" >/dev/null ||
		rt_fail "drop event fails: $1"
	rt_log "ok: $1"
}
check '.func == "kfree_skb(SKB_DROP_REASON_NETFILTER_DROP)"'
check '.drop_reason_code | type == "number" and . > 0'
check '.skb | test("^0x[0-9a-f]+$")'
check '.cpu | type == "number"'
check '.process | type == "string" and length > 0'
check '.time | type == "number" and . > 0'
check '.netns == $ino'
check '.iface == $iface'
check '.mark == 0'
check '.proto == 2048'
check '.len == 60 and .mtu == 1500'
check '.tuple == {"saddr": "198.51.100.1", "daddr": "198.51.100.10", "sport": .tuple.sport, "dport": 8080, "proto": 6, "flags": "SYN"}'
check '.tuple.sport > 1023'
# Field order is pwru's: skb, cpu, process, func, time, netns, mark, iface, proto, ...
check '[keys_unsorted[]] | .[0:10] == ["skb","cpu","process","func","time","netns","mark","iface","proto","mtu"]'

# The text sink saw the same events, in the same order.
rt_assert_header "$text"
n_text=$(rt_event_count "$text")
[ "$n_text" = "$lines" ] || rt_fail "text sink has $n_text events, JSON sink $lines"
diff <(jq -r '.skb + " " + .func' "$RT_PWRU_OUT") <(awk 'NR > 1 {print $1, $NF}' "$text") >&2 ||
	rt_fail "the two sinks disagree on skb/func order"
rt_log "ok: the text sink has the same $n_text events in the same order"
rt_log PASS
