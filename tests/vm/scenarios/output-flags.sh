# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# output-flags: every kernel path of issue 8's output flags loaded at once, so the 6.1 and
# 6.12 verifiers see them on each entry kind: --filter-skb-expr (two pointer hops), four
# outputs (--output-skb, --output-skb-shared-info: bpf_snprintf_btf into the record;
# --output-skb-cb; --output-skb-metadata), --output-tunnel and a real pcap filter in the
# tunnel L3 slot. Content: the expression keeps only packets whose device is in the
# server's namespace (the NETNS column), each line's metadata repeats its LEN and netns,
# and the sk_buff dump that follows has the same len.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
inode=$(stat -L -c %i "/run/netns/$VM_NSS") || vm_fail "no inode for $VM_NSS"
# The tracepoint backend on 6.1 (no raw tracepoint cookies) verifies one copy of this
# larger program per tracepoint: under TCG, ~30 copies take longer than the ready timeout.
# The tracepoints this check needs are enough (pwru narrows tracepoints by --filter-func).
set --
[ "$VM_BACKEND" = tracepoint ] && set -- --filter-func '(kfree_skb|consume_skb|net_dev_queue|net_dev_start_xmit|net_dev_xmit|netif_rx|netif_receive_skb)'
vm_drop_scenario iptables 198.51.100.1 198.51.100.10 'dst host 198.51.100.10 and port 8080' \
	--filter-skb-expr "skb->dev->nd_net.net->ns.inum == $inode" \
	--output-skb --output-skb-shared-info --output-skb-cb \
	--output-skb-metadata 'skb->len,skb->dev->nd_net.net->ns.inum' \
	--output-tunnel --filter-tunnel-pcap-l3 'tcp' "$@"
head -n 1 "$VM_PWRU_OUT" | grep -q '__sk_buff->cb\[\] .* FUNC TUNNEL$' || vm_fail "header: $(head -n 1 "$VM_PWRU_OUT")"
bad=$(awk -v ino="$inode" '
	function fail(why) { print "event " n ": " why; exit 1 }
	function check() { if (n && !(skb && len_ok && shinfo && tun)) fail("skb " skb " len " len_ok " shinfo " shinfo " tunnel " tun) }
	NR == 1 { next }
	/^0x[0-9a-f]+ / {
		check(); n++; skb = 0; len_ok = 0; shinfo = 0; tun = 0; len = $9
		if ($4 != ino) fail("NETNS " $4 " is not the server namespace " ino)
		want = " len=" len " inum=" ino
		if (substr($0, length($0) - length(want) + 1) != want) fail("line does not end with" want ": " $0)
		next
	}
	/^\(struct sk_buff\)\{$/ { skb = 1; next }
	$0 == " .len = (unsigned int)" len "," { len_ok = 1 }
	/^\(struct skb_shared_info\)\{$/ { shinfo = 1 }
	$0 == " :0->:0()" { tun = 1 }
	END { check(); if (n == 0) { print "no events"; exit 1 } }
' "$VM_PWRU_OUT") || vm_fail "output: $bad"
vm_pass "$(vm_summary "netns-filtered by skb expr, dumps and metadata agree")"
