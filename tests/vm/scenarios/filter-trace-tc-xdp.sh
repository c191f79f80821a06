# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# filter-trace-tc-xdp (cilium/pwru CI #11): --filter-trace-tc --filter-trace-xdp with the
# test programs of tests/vm/progs/tcxdp.bpf.c (built with BTF) on the server's veth end:
# pwru_test_tc (pref 1) and pwru_test_tc_cb (pref 2) on clsact ingress, pwru_test_xdp as
# XDP. pwru_test_tc sets mark 0x7c and writes cb[0] = 0x7C7C0001, cb[4] = 0x7C7C0005 on
# IPv4, then hands the packet to pwru_test_tc_cb.
# The client pings the server's two addresses: each echo request to 198.51.100.10 (the pcap
# filter's) must show up as an event of each program, named the way kallsyms names it,
# bpf_prog_<tag>_<name>[bpf], with cilium/pwru's (tc) / (xdp) suffix and the ping's tuple,
# on the server's device; none to 203.0.113.10 (through the same programs) may. XDP events
# have no mark and no protocol; both count the Ethernet header in LEN (84 bytes of IPv4 +
# 14): cls_bpf pushes the MAC header back before an ingress program runs.
# --filter-trace-tc turns on the __sk_buff->cb[] column (as cilium/pwru): pwru_test_tc_cb's
# events show the words pwru_test_tc wrote; pwru_test_tc's own (taken before it runs) do not.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
obj=/vm/progs/tcxdp.bpf.o
[ -f "$obj" ] || vm_fail "the test programs ($obj) are not in the image"
ip netns exec "$VM_NSS" /usr/sbin/tc qdisc add dev "$VM_DEVS" clsact || vm_fail "tc qdisc add clsact failed"
out=$(ip netns exec "$VM_NSS" /usr/sbin/tc filter add dev "$VM_DEVS" ingress pref 1 bpf da obj "$obj" sec tc 2>&1) ||
	vm_fail "tc filter add ... bpf da obj $obj sec tc failed: $out"
out=$(ip netns exec "$VM_NSS" /usr/sbin/tc filter add dev "$VM_DEVS" ingress pref 2 bpf da obj "$obj" \
	sec classifier 2>&1) || vm_fail "tc filter add ... bpf da obj $obj sec classifier failed: $out"
out=$(ip -n "$VM_NSS" link set dev "$VM_DEVS" xdp obj "$obj" sec xdp 2>&1) ||
	vm_fail "ip link set $VM_DEVS xdp obj $obj failed: $out"
ip -n "$VM_NSC" addr add 203.0.113.1/24 dev "$VM_DEVC" || vm_fail "addr 203.0.113.1"
ip -n "$VM_NSS" addr add 203.0.113.10/24 dev "$VM_DEVS" || vm_fail "addr 203.0.113.10"
ifidx=$(ip -n "$VM_NSS" -o link show "$VM_DEVS" | sed -n 's/^\([0-9]*\):.*/\1/p')
ns_srv=$(ip netns exec "$VM_NSS" stat -L -c %i /proc/self/ns/net)

vm_pwru_start --filter-trace-tc --filter-trace-xdp 'icmp and dst host 198.51.100.10'
grep -q 'listening for events (.*, 2 tc and 1 XDP programs' "$VM_TMP/pwru.err" ||
	vm_fail "pwru did not say it traces 2 tc and 1 XDP program: $(grep -m1 listening "$VM_TMP/pwru.err")"
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || vm_fail "ping 198.51.100.10 failed"
# Through the same programs to an address the pcap filter rejects: no event at all.
vm_ping "$VM_NSC" 203.0.113.10 2 "$VM_DEVC" || vm_fail "ping 203.0.113.10 failed"
sleep 0.5
vm_pwru_stop
# XDP records carry no cb words (no skb): they are not malformed records.
! grep -q 'malformed' "$VM_TMP/pwru.err" || vm_fail "$(grep -m1 'malformed' "$VM_TMP/pwru.err")"
vm_expect_header
head -n 1 "$VM_PWRU_OUT" | grep -qE 'LEN +__sk_buff->cb\[\] +TUPLE FUNC$' ||
	vm_fail "no __sk_buff->cb[] column in the header: $(head -n 1 "$VM_PWRU_OUT")"

tuple='198\.51\.100\.1:0->198\.51\.100\.10:0\(icmp\)'
tcre="$tuple bpf_prog_[0-9a-f]{16}_pwru_test_tc\\[bpf\\]\\(tc\\)\$"
cbre="$tuple bpf_prog_[0-9a-f]{16}_pwru_test_tc_cb\\[bpf\\]\\(tc\\)\$"
xdpre="$tuple bpf_prog_[0-9a-f]{16}_pwru_test_xdp\\[bpf\\]\\(xdp\\)\$"
ntc=$(grep -cE -- "$tcre" "$VM_PWRU_OUT")
ncb=$(grep -cE -- "$cbre" "$VM_PWRU_OUT")
nxdp=$(grep -cE -- "$xdpre" "$VM_PWRU_OUT")
[ "$ntc" -ge 3 ] || vm_fail "expected a (tc) event per echo request (3), got $ntc"
[ "$ncb" -ge 3 ] || vm_fail "expected a pwru_test_tc_cb (tc) event per echo request (3), got $ncb"
[ "$nxdp" -ge 3 ] || vm_fail "expected an (xdp) event per echo request (3), got $nxdp"
# Columns: SKB CPU PROCESS NETNS MARK IFACE PROTO MTU LEN CB TUPLE FUNC.
bad=$(grep -E -- "$tcre|$cbre" "$VM_PWRU_OUT" |
	awk -v ns="$ns_srv" -v dev="$VM_DEVS:$ifidx" '$4 != ns || $6 != dev || $7 != "0x0800" || $9 != 98' | head -n 1)
[ -z "$bad" ] || vm_fail "a tc event not on $VM_DEVS:$ifidx in netns $ns_srv with proto 0x0800 and len 98: $bad"
bad=$(grep -E -- "$xdpre" "$VM_PWRU_OUT" |
	awk -v ns="$ns_srv" -v dev="$VM_DEVS:$ifidx" '$4 != ns || $5 != "0" || $6 != dev || $7 != "0x0000" || $9 != 98' | head -n 1)
[ -z "$bad" ] || vm_fail "an xdp event not on $VM_DEVS:$ifidx in netns $ns_srv with mark 0, proto 0 and len 98: $bad"
# The cb column: pwru_test_tc_cb runs after pwru_test_tc, so its events carry the two words
# (and the words between them, whatever they are, as 0x%08X); pwru_test_tc's events were
# taken before it wrote them. XDP events have no skb: five zero words.
# (No {n} intervals in these regexes: not every awk has them.)
hex8='h = "0x[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]"'
bad=$(grep -E -- "$cbre" "$VM_PWRU_OUT" |
	awk "BEGIN { $hex8"'; re = "^\\[0x7C7C0001," h "," h "," h ",0x7C7C0005\\]$" } $10 !~ re' | head -n 1)
[ -z "$bad" ] || vm_fail "a pwru_test_tc_cb event without cb [0x7C7C0001,...,0x7C7C0005]: $bad"
bad=$(grep -E -- "$tcre" "$VM_PWRU_OUT" |
	awk "BEGIN { $hex8"'; re = "^\\[" h "," h "," h "," h "," h "\\]$" } $10 !~ re || $10 ~ /^\[0x7C7C0001,/' |
	head -n 1)
[ -z "$bad" ] || vm_fail "a pwru_test_tc event whose cb column is malformed or already has 0x7C7C0001: $bad"
bad=$(grep -E -- "$xdpre" "$VM_PWRU_OUT" | awk '$10 != "[0x00000000,0x00000000,0x00000000,0x00000000,0x00000000]"' |
	head -n 1)
[ -z "$bad" ] || vm_fail "an xdp event with a non-zero cb column: $bad"
# The tc program marks the packet: kernel functions after it see mark 7c, the (tc) event
# itself (before the program ran) does not.
vm_expect "^0x[0-9a-f]+ +[0-9]+ +[^ ]+ +$ns_srv +7c .*$tuple [a-z_][a-z0-9_]*(\\(|\$)" \
	"a kernel function after the tc program with mark 7c"
bad=$(grep -E -- "$tcre" "$VM_PWRU_OUT" | awk '$5 != "0"' | head -n 1)
[ -z "$bad" ] || vm_fail "a (tc) event with a mark: the event must be taken before the program runs: $bad"
bad=$(grep -E -- "$cbre" "$VM_PWRU_OUT" | awk '$5 != "7c"' | head -n 1)
[ -z "$bad" ] || vm_fail "a pwru_test_tc_cb event without pwru_test_tc's mark 7c: $bad"
vm_expect_none '203\.0\.113\.' 'a packet the pcap filter rejects'
# The filter names the destination: the replies must not show up (in any program).
vm_expect_none '198\.51\.100\.10:0->198\.51\.100\.1:0' 'an echo reply'
# XDP runs before the stack builds its skb: the first (xdp) event comes before the first
# (tc) event.
lx=$(grep -n -m1 -E -- "$xdpre" "$VM_PWRU_OUT" | cut -d: -f1)
lt=$(grep -n -m1 -E -- "$tcre" "$VM_PWRU_OUT" | cut -d: -f1)
[ "$lx" -lt "$lt" ] || vm_fail "the first (tc) event (line $lt) comes before the first (xdp) event (line $lx)"
vm_pass "$(vm_summary "$ntc+$ncb tc, $nxdp xdp events, cb words seen")"
