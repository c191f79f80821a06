#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pcapng_output: --output-pcapng FILE next to the text sink on stdout, in one trace of TCP
# connections to two ports of a test namespace (8080 dropped by iptables, 8081 refused):
#  - tshark reads the file with nothing on stderr, and libpcap (pcap_open_offline) reads it;
#  - one packet per text event, in the same order, each comment naming the same skb and
#    function (and drop reason) as the text line;
#  - a display filter on a TCP port selects exactly the events of that port;
#  - the drop shows its reason in the comment (tshark -Y 'frame.comment contains ...').
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init pcapng_output
rt_require_tools tshark mkfifo
[ -x "${PWRU_PCAP_COUNT:-}" ] || rt_fail "PWRU_PCAP_COUNT (the libpcap reader, tests/runtime/pcap_count.c) is not set"

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
pcapng="$RT_TMP/trace.pcapng"

# Text on stdout, pcapng to a file, in the same run.
RT_PWRU_STDOUT="$RT_TMP/pwru.stdout"
RT_PWRU_ERR="$RT_TMP/pwru.stderr"
RT_PWRU_READY="$RT_TMP/pwru.ready"
rt_log "starting: $PWRU --output-pcapng $pcapng --output-pcapng-snaplen 128 'host $RT_SERVER4 and tcp'"
env --default-signal=INT,QUIT "$PWRU" --ready-file "$RT_PWRU_READY" --output-pcapng "$pcapng" \
	--output-pcapng-snaplen 128 "host $RT_SERVER4 and tcp" \
	>"$RT_PWRU_STDOUT" 2>"$RT_PWRU_ERR" </dev/null &
RT_PWRU_PID=$!
RT_PWRU_STARTED=$SECONDS
rt_pwru_wait_ready
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
rt_curl "$RT_NSC" "$RT_SERVER4" 8081
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS"

text=$RT_PWRU_STDOUT
rt_assert_header "$text"
n_text=$(rt_event_count "$text")
[ "$n_text" -ge 4 ] || rt_fail "only $n_text text events"

# tshark reads the file and says nothing on stderr (its note about running as root aside).
tshark -r "$pcapng" >"$RT_TMP/tshark.out" 2>"$RT_TMP/tshark.err" || {
	cat "$RT_TMP/tshark.err" >&2
	rt_fail "tshark -r failed"
}
if grep -v -e '^Running as user "root"' "$RT_TMP/tshark.err" | grep -q .; then
	cat "$RT_TMP/tshark.err" >&2
	rt_fail "tshark printed warnings reading $pcapng"
fi
n_pcap=$(grep -c '' "$RT_TMP/tshark.out" || true)
[ "$n_pcap" = "$n_text" ] || rt_fail "$n_pcap packets in the pcapng file, $n_text text events"
rt_log "ok: tshark reads $n_pcap packets, no warnings; one per text event"

# libpcap reads it too. libpcap allows one link type per file: when the trace also has raw
# IP packets (an skb without a MAC header, e.g. TCP's own copy freed by consume_skb), it
# reads every packet up to the first interface of the other type, and stops there with
# its own message (README: use tshark/Wireshark for such files).
tshark -r "$pcapng" -T fields -e frame.encap_type 2>/dev/null >"$RT_TMP/encap"
first_other=$(awk 'NR == 1 {e = $1} $1 != e {print NR - 1; exit}' "$RT_TMP/encap")
rc=0
out=$("$PWRU_PCAP_COUNT" "$pcapng" 2>&1) || rc=$?
if [ -z "$first_other" ]; then
	[ "$rc" = 0 ] || rt_fail "libpcap cannot read $pcapng: $out"
	[[ $out == *"snaplen=128 packets=$n_text" ]] || rt_fail "libpcap: $out (expected snaplen=128, $n_text packets)"
	rt_log "ok: libpcap: $out"
else
	[[ $out == *"after $first_other packets: an interface has a type "*" different from the type of the first interface" ]] ||
		rt_fail "libpcap: '$out' (expected it to read the $first_other packets before the first raw IP one)"
	rt_log "ok: libpcap reads the $first_other packets before the second link type, then: ${out#*: }"
fi

# Same skbs and functions in the same order: the text's SKB and FUNC columns against the
# comments' skb= and func= (reason= as the text writes it: kfree_skb(REASON)).
tshark -r "$pcapng" -T fields -e frame.comment 2>/dev/null >"$RT_TMP/comments"
grep -q . "$RT_TMP/comments" || rt_fail "no packet comments"
awk '{
	f = ""; r = ""; s = ""
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^func=/) f = substr($i, 6)
		else if ($i ~ /^reason=/) r = substr($i, 8)
		else if ($i ~ /^skb=/) s = substr($i, 5)
	}
	print s, (r == "" ? f : f "(" r ")")
}' "$RT_TMP/comments" >"$RT_TMP/pcap.funcs"
awk 'NR > 1 && NF > 5 {print $1, $NF}' "$text" >"$RT_TMP/text.funcs"
diff "$RT_TMP/text.funcs" "$RT_TMP/pcap.funcs" >&2 || rt_fail "comments and text disagree on skb/func order"
rt_log "ok: every comment names the same skb and function as its text line"
grep -q 'netns=[0-9]* mark=0x0 ifindex=[0-9]* ifname=rt[cs]0 cpu=[0-9]* process=' "$RT_TMP/comments" ||
	rt_fail "comments lack netns/mark/ifindex/ifname/cpu/process: $(head -n 1 "$RT_TMP/comments")"

# A display filter on a TCP port selects that port's events, and only those.
for port in 8080 8081; do
	want=$(awk -v p="$port" 'NR > 1 && ($0 ~ ":" p "->" || $0 ~ ":" p "\\(tcp\\)")' "$text" | grep -c '' || true)
	got=$(tshark -r "$pcapng" -Y "tcp.port == $port" 2>/dev/null | grep -c '' || true)
	[ "$want" -ge 1 ] || rt_fail "no text event for port $port"
	[ "$got" = "$want" ] || rt_fail "tcp.port == $port selects $got packets, text has $want events"
	rt_log "ok: tcp.port == $port selects $got packets = text events"
done

# The drop, with its reason, is found by a comment filter.
drops=$(tshark -r "$pcapng" -Y 'frame.comment contains "kfree_skb"' -T fields -e frame.comment 2>/dev/null)
grep -q 'reason=SKB_DROP_REASON_NETFILTER_DROP' <<<"$drops" ||
	rt_fail "no kfree_skb comment with reason=SKB_DROP_REASON_NETFILTER_DROP: $drops"
n_drop_text=$(grep -c 'kfree_skb(SKB_DROP_REASON_NETFILTER_DROP)' "$text" || true)
n_drop_pcap=$(grep -c 'reason=SKB_DROP_REASON_NETFILTER_DROP' <<<"$drops" || true)
[ "$n_drop_pcap" = "$n_drop_text" ] || rt_fail "$n_drop_pcap drop comments, $n_drop_text drop lines"
# The dropped SYN's bytes: IPv4 to 198.51.100.10, TCP port 8080, SYN.
syn=$(tshark -r "$pcapng" -Y 'frame.comment contains "NETFILTER_DROP"' -T fields -e ip.dst -e tcp.dstport \
	-e tcp.flags.syn 2>/dev/null | head -n 1)
[ "$syn" = "$RT_SERVER4	8080	1" ] || rt_fail "dropped packet dissects as '$syn'"
rt_log "ok: $n_drop_pcap drop(s) with reason=SKB_DROP_REASON_NETFILTER_DROP, packet $syn"

# --output-pcapng-linktype ethernet: one link type for the whole file (raw IP packets get a
# synthetic Ethernet header), so libpcap reads every packet; tshark still dissects them.
eth="$RT_TMP/eth.pcapng"
rt_pwru_start --output-pcapng "$eth" --output-pcapng-linktype ethernet "host $RT_SERVER4 and tcp"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
n_eth_text=$(rt_event_count "$RT_PWRU_OUT")
out=$("$PWRU_PCAP_COUNT" "$eth" 2>&1) || rt_fail "libpcap cannot read the ethernet-only file: $out"
[[ $out == "datalink=1 snaplen=256 packets=$n_eth_text" ]] ||
	rt_fail "libpcap: '$out' (expected datalink=1 snaplen=256 packets=$n_eth_text)"
got=$(tshark -r "$eth" -Y "ip.dst == $RT_SERVER4 and tcp.dstport == 8080" 2>/dev/null | grep -c '' || true)
[ "$got" -ge 1 ] || rt_fail "tshark finds no packet to $RT_SERVER4:8080 in the ethernet-only file"
rt_log "ok: --output-pcapng-linktype ethernet: libpcap reads all $n_eth_text packets ($out)"
rt_log PASS
