# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# xdp-flags: --filter-trace-xdp together with the skb output flags. The XDP test program
# (tests/vm/progs/tcxdp.bpf.c, section xdp) runs on the server's veth end; the client pings
# the server. XDP events must carry the same record layout as skb events: with
# --output-skb-cb and --output-skb-metadata loaded, an XDP event used to be a record without
# the output-flags region, which the decoder counted as malformed. Here every XDP line must
# be well formed (the ping's tuple, the server's device), show no skb data (the cb column
# all zero, no skb metadata), and pwru must report no malformed record; the skb events of
# the same run still carry their skb metadata.
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

# Run 1: the skb output flags beside the XDP tracing.
vm_pwru_start --filter-trace-xdp --output-skb-cb --output-skb-metadata 'skb->mark,skb->len' "$@" "$pcap"
grep -q 'listening for events (.*1 XDP program' "$VM_TMP/pwru.err" ||
	vm_fail "pwru did not say it traces 1 XDP program: $(grep -m1 listening "$VM_TMP/pwru.err")"
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || vm_fail "ping 198.51.100.10 failed"
sleep 0.5
vm_pwru_stop
vm_expect_header
! grep -q malformed "$VM_TMP/pwru.err" || vm_fail "run 1: $(grep -m1 malformed "$VM_TMP/pwru.err")"
nxdp=$(grep -cE -- "$xdpre\$" "$VM_PWRU_OUT")
[ "$nxdp" -ge 3 ] || vm_fail "run 1: expected an (xdp) event per echo request (3) ending in FUNC, got $nxdp"
# Columns: SKB CPU PROCESS NETNS MARK IFACE PROTO MTU LEN CB TUPLE FUNC.
bad=$(grep -E -- "$xdpre" "$VM_PWRU_OUT" |
	awk -v ns="$ns_srv" -v dev="$VM_DEVS:$ifidx" -v zcb="$(echo "$zcb" | tr -d '\\')" \
		'$4 != ns || $6 != dev || $9 != 98 || $10 != zcb' | head -n 1)
[ -z "$bad" ] || vm_fail "run 1: an xdp event not on $VM_DEVS:$ifidx, len 98, zero cb: $bad"
# The skb events of the same packets end with their skb metadata.
vm_expect "$tuple [a-z_]+ mark=[0-9]+ len=[0-9]+\$" "an skb event with its skb metadata"
vm_pass "$(vm_summary "$nxdp xdp events well formed")"
