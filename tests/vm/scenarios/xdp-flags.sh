# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# xdp-flags: --filter-trace-xdp with the output flags. The XDP test program
# (tests/vm/progs/tcxdp.bpf.c, section xdp) runs on the server's veth end; the client pings
# the server, three pwru runs:
# 1. the skb output flags (--output-skb-cb, --output-skb-metadata) and --output-xdp-metadata:
#    XDP events have the skb events' record layout (they used to lack the output-flags
#    region, which the decoder counted as malformed). Every XDP line is well formed (the
#    ping's tuple, the server's device), shows no skb data (a zero cb column, no skb
#    metadata) and ends with its xdp metadata: the veth's real ifindex and rx queue 0; the
#    skb lines end with their skb metadata only; the JSON sink has the same values.
# 2. --filter-xdp-expr 'xdp->rxq->dev->ifindex == IFINDEX' keeps the XDP events, while
#    --filter-skb-expr 'skb->mark == 0x5a' (no packet has that mark) removes every skb
#    event: each expression judges its own kind of event only.
# 3. --filter-xdp-expr 'xdp->rxq->dev->ifindex != IFINDEX' removes every XDP event; the
#    skb events remain.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
obj=/vm/progs/tcxdp.bpf.o
[ -f "$obj" ] || vm_fail "the test programs ($obj) are not in the image"
out=$(ip -n "$VM_NSS" link set dev "$VM_DEVS" xdp obj "$obj" sec xdp 2>&1) ||
	vm_fail "ip link set $VM_DEVS xdp obj $obj failed: $out"
ifidx=$(ip -n "$VM_NSS" -o link show "$VM_DEVS" | sed -n 's/^\([0-9]*\):.*/\1/p')
ns_srv=$(ip netns exec "$VM_NSS" stat -L -c %i /proc/self/ns/net)
# A few tracepoints are enough for the skb side (on 6.1 the tracepoint backend verifies a
# program copy per tracepoint).
set --
[ "$VM_BACKEND" = tracepoint ] && set -- --filter-func '(napi_gro_receive_entry|netif_receive_skb|kfree_skb|consume_skb)'
pcap='icmp and dst host 198.51.100.10'
tuple='198\.51\.100\.1:0->198\.51\.100\.10:0\(icmp\)'
xdpre="$tuple bpf_prog_[0-9a-f]{16}_pwru_test_xdp\\[bpf\\]\\(xdp\\)"
zcb='\[0x00000000,0x00000000,0x00000000,0x00000000,0x00000000\]'

# Run 1: the skb output flags and the xdp metadata.
vm_pwru_start --filter-trace-xdp --output-skb-cb --output-skb-metadata 'skb->mark,skb->len' \
	--output-xdp-metadata 'xdp->rxq->dev->ifindex,xdp->rxq->queue_index' \
	--sink "json:$VM_TMP/pwru.json" "$@" "$pcap"
grep -q 'listening for events (.*1 XDP program' "$VM_TMP/pwru.err" ||
	vm_fail "pwru did not say it traces 1 XDP program: $(grep -m1 listening "$VM_TMP/pwru.err")"
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || vm_fail "ping 198.51.100.10 failed"
sleep 0.5
vm_pwru_stop
vm_expect_header
! grep -q malformed "$VM_TMP/pwru.err" || vm_fail "run 1: $(grep -m1 malformed "$VM_TMP/pwru.err")"
nxdp=$(grep -cE -- "$xdpre ifindex=$ifidx queue_index=0\$" "$VM_PWRU_OUT")
[ "$nxdp" -ge 3 ] ||
	vm_fail "run 1: expected an (xdp) event ending in ifindex=$ifidx queue_index=0 per echo request (3), got $nxdp"
# Columns: SKB CPU PROCESS NETNS MARK IFACE PROTO MTU LEN CB TUPLE FUNC.
bad=$(grep -E -- "$xdpre" "$VM_PWRU_OUT" |
	awk -v ns="$ns_srv" -v dev="$VM_DEVS:$ifidx" -v zcb="$(echo "$zcb" | tr -d '\\')" \
		'$4 != ns || $6 != dev || $9 != 98 || $10 != zcb || / mark=/' | head -n 1)
[ -z "$bad" ] || vm_fail "run 1: an xdp event not on $VM_DEVS:$ifidx, len 98, zero cb, no skb metadata: $bad"
# The skb events of the same packets end with their skb metadata, never the xdp one.
vm_expect "$tuple [a-z_]+ mark=[0-9]+ len=[0-9]+\$" "an skb event with its skb metadata"
vm_expect_none "$tuple [a-z_]+ .*ifindex=" "an skb event with xdp metadata"
njson=$(grep -c "\"func\":\"bpf_prog_[0-9a-f]*_pwru_test_xdp\[bpf\](xdp)\".*\"metadata\":{\"xdp->rxq->dev->ifindex\":\"$ifidx\",\"xdp->rxq->queue_index\":\"0\"}" \
	"$VM_TMP/pwru.json")
[ "$njson" = "$nxdp" ] || vm_fail "run 1: $njson JSON xdp events with the xdp metadata, $nxdp text ones: $(grep -m1 xdp "$VM_TMP/pwru.json")"
sum1="$nxdp xdp events with ifindex=$ifidx"

# Run 2: each expression judges its own kind of event.
vm_pwru_start --filter-trace-xdp --filter-xdp-expr "xdp->rxq->dev->ifindex == $ifidx" \
	--filter-skb-expr 'skb->mark == 0x5a' "$@" "$pcap"
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || vm_fail "ping 198.51.100.10 failed"
sleep 0.5
vm_pwru_stop
vm_expect_header
nxdp=$(grep -cE -- "$xdpre\$" "$VM_PWRU_OUT")
[ "$nxdp" -ge 3 ] || vm_fail "run 2: --filter-xdp-expr 'ifindex == $ifidx' kept $nxdp (xdp) events, expected 3"
nskb=$(grep -E -- "$tuple" "$VM_PWRU_OUT" | grep -cvE -- "$xdpre")
[ "$nskb" = 0 ] || vm_fail "run 2: $nskb skb events passed --filter-skb-expr 'skb->mark == 0x5a'"

# Run 3: an xdp expression that never holds removes the XDP events only.
vm_pwru_start --filter-trace-xdp --filter-xdp-expr "xdp->rxq->dev->ifindex != $ifidx" "$@" "$pcap"
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || vm_fail "ping 198.51.100.10 failed"
sleep 0.5
vm_pwru_stop
vm_expect_header
vm_expect_none "$xdpre" "an (xdp) event through --filter-xdp-expr 'ifindex != $ifidx'"
vm_expect "$tuple (napi_gro_receive_entry|netif_receive_skb|consume_skb)" "an skb event of the ping"
vm_pass "$(vm_summary "$sum1; xdp expr ==/!= keeps/removes xdp events only")"
