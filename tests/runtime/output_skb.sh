#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# output_skb: --output-skb, --output-skb-shared-info, --output-skb-cb, --output-skb-metadata
# and --filter-skb-expr on real TCP connection attempts between two test namespaces.
# The client's mangle table marks TCP to port 8080 with 0x2a (42); TCP to 8081 is unmarked.
# The server has no listener, so each SYN is dropped there (NO_SOCKET) and answered with
# a RST. (The mark does not cross into the server namespace: veth scrubs it.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init output_skb
rt_require_tools jq

rt_topology
rt_iptables "$RT_NSC" -t mangle -A OUTPUT -p tcp --dport 8080 -j MARK --set-mark 0x2a
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

traffic() {
	rt_curl "$RT_NSC" "$RT_SERVER4" 8080
	rt_curl "$RT_NSC" "$RT_SERVER4" 8081
	sleep 1
}

rt_log "1. text: skb-expr filter, metadata, sk_buff and skb_shared_info dumps, cb column"
rt_pwru_start --filter-skb-expr 'skb->mark == 0x2a' --output-skb --output-skb-shared-info --output-skb-cb \
	--output-skb-metadata 'skb->mark,skb->len,skb->dev->ifindex,skb->dev->ml_priv_type' 'tcp'
traffic
rt_pwru_stop INT
head -n 1 "$RT_PWRU_OUT" | grep -q ' LEN   __sk_buff->cb\[\] *TUPLE FUNC$' ||
	rt_fail "header has no cb column: $(head -n 1 "$RT_PWRU_OUT")"
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'
rt_assert_no_match ':8081\(tcp\)'
# Every event (a line starting with the skb address) is checked against its own columns,
# and the dumps that follow it against its LEN and MARK:
#   MARK/x is 2a (the kernel-side filter);  " mark=42 len=<LEN> ifindex=<IFACE index>
#   ml_priv_type=ML_PRIV_NONE" ends the line (names of the last fields, values as
#   cilium/pwru prints them: decimal, enums by name);  then "(struct sk_buff){" with
#   " .len = (unsigned int)<LEN>," at the top level and ".mark = (__u32)42,";  then
#   "(struct skb_shared_info){".
awk '
function fail(why) { printf "event %d (%s): %s\n", n, ev, why; bad = 1 }
function check_prev() {
	if (n == 0) return
	if (!skb_open) fail("no (struct sk_buff){ dump after it")
	if (!len_seen) fail("its sk_buff dump has no top-level .len = (unsigned int)" len)
	if (!mark_seen) fail("its sk_buff dump has no .mark = (__u32)42")
	if (!shinfo) fail("no (struct skb_shared_info){ dump after it")
}
NR == 1 { next }
/^0x[0-9a-f]+ / {
	check_prev()
	n++; ev = $0; skb_open = 0; len_seen = 0; mark_seen = 0; shinfo = 0; in_skb = 0
	len = $9; iface = $6; sub(/^.*:/, "", iface)
	if ($5 != "2a") fail("MARK/x is " $5)
	# (mawk has no {n} intervals: the length pins 5 words of 8 hex digits.)
	if ($10 !~ /^\[0x[0-9A-F]+(,0x[0-9A-F]+)+\]$/ || length($10) != 56) fail("cb column is " $10)
	want = " mark=42 len=" len " ifindex=" iface " ml_priv_type=ML_PRIV_NONE"
	if (substr($0, length($0) - length(want) + 1) != want) fail("does not end with \"" want "\"")
	next
}
/^\(struct sk_buff\)\{$/ { skb_open = 1; in_skb = 1; next }
/^\(struct skb_shared_info\)\{$/ { shinfo = 1; in_skb = 0; next }
in_skb && $0 == " .len = (unsigned int)" len "," { len_seen = 1 }
in_skb && $0 ~ /^ +\.mark = \(__u32\)42,$/ { mark_seen = 1 }
END { check_prev(); if (n < 2) { print "only " n " events"; bad = 1 } ; print n " events checked"; exit bad }
' "$RT_PWRU_OUT" >"$RT_TMP/check1.out" 2>&1 || {
	sed 's/^/  | /' "$RT_TMP/check1.out" >&2
	head -n 80 "$RT_PWRU_OUT" | sed 's/^/  > /' >&2
	rt_fail "the output does not match the events' own columns"
}
rt_log "ok: $(tail -n 1 "$RT_TMP/check1.out"): mark, len, ifindex, dumps agree with the columns"

rt_log "2. --output-skb-cb content: TCP's control block at the server's NO_SOCKET drop"
# At tcp_v4_rcv's no-socket drop, skb->cb holds struct tcp_skb_cb (tcp_v4_fill_cb): its
# bytes 8..27 are what pwru prints (qdisc_skb_cb data): word 1 starts with tcp_flags (the
# SYN: 0x02), word 3 is ack_seq (0 in a SYN), word 4 is header.h4.iif, the receiving
# device's ifindex (the IFACE column's index).
rt_pwru_start --output-skb-cb --output-tcp-flags 'tcp dst port 8081'
traffic
rt_pwru_stop INT
line=$(grep -E '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8081\(tcp:SYN\) kfree_skb\(SKB_DROP_REASON_NO_SOCKET\)' \
	"$RT_PWRU_OUT" | head -n 1)
[ -n "$line" ] || { sed 's/^/  | /' "$RT_PWRU_OUT" >&2; rt_fail "no NO_SOCKET drop of the SYN to 8081"; }
rt_log "drop line: $line"
read -r iface cb < <(awk '{print $6, $10}' <<<"$line")
ifx=${iface##*:}
IFS=, read -r w0 w1 w2 w3 w4 <<<"${cb//[\[\]]/}"
(((w1 & 0xff) == 0x02)) || rt_fail "cb word 1 is $w1: its low byte is not the SYN flag (tcp_skb_cb.tcp_flags)"
((w3 == 0)) || rt_fail "cb word 3 is $w3, not the SYN's ack_seq 0"
((w4 == ifx)) || rt_fail "cb word 4 is $w4, not the receiving ifindex $ifx (tcp_skb_cb.header.h4.iif)"
rt_log "ok: cb $cb: tcp_flags SYN, ack_seq 0, iif $ifx"

rt_log "3. --filter-skb-expr with != keeps the unmarked flow only"
rt_pwru_start --filter-skb-expr 'skb->mark != 42' --output-skb-metadata 'skb->mark' 'tcp and host 198.51.100.10'
traffic
rt_pwru_stop INT
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8081\(tcp\) [a-z_]+.* mark=0$'
rt_assert_no_match ' 2a +rtc0'
rt_assert_no_match 'mark=42'

rt_log "4. JSON: skb_metadata (pwru's name for the sk_buff text), skb_shared_info, cb, metadata"
rt_pwru_start --output-json --filter-skb-expr 'skb->mark == 0x2a' --output-skb --output-skb-shared-info \
	--output-skb-cb --output-skb-metadata 'skb->mark,skb->len' 'tcp'
traffic
rt_pwru_stop INT
n=$(jq -s 'length' "$RT_PWRU_OUT")
[ "$n" -ge 2 ] || rt_fail "only $n JSON events"
bad=$(jq -c '. as $e | select((.mark == 42
	and (.skb_metadata | startswith("\n(struct sk_buff){\n"))
	and (.skb_metadata | contains("\n .len = (unsigned int)" + ($e.len | tostring) + ",\n"))
	and (.skb_shared_info | startswith("\n(struct skb_shared_info){"))
	and (.cb | length) == 5
	and .metadata["skb->mark"] == "42"
	and .metadata["skb->len"] == (.len | tostring)
	and .tuple.dport == 8080) | not) | {func, len, mark, metadata, cb}' "$RT_PWRU_OUT")
[ -z "$bad" ] || rt_fail "JSON events that do not match their own fields: $bad"
rt_log "ok: $n JSON events, each with its own sk_buff text, shared info, cb and metadata"
rt_log PASS
