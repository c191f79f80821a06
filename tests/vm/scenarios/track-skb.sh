# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# track-skb (cilium/pwru CI #6, filter-track-skb), pwru --filter-track-skb with a filter on
# the pre-NAT tuple, in two phases:
# 1. the server namespace DNATs TCP to port 8080 to port 9090 (nat PREROUTING), copies what
#    reaches 9090 to the client with TEE (mangle INPUT: nf_dup_ipv4 -> pskb_copy ->
#    skb_copy_header) and drops it (filter INPUT); filter 'tcp and dst port 8080':
#    - the post-NAT tuple (dst port 9090) shows up on the SYN's own skb address, down to
#      the netfilter drop;
#    - kprobe backends: the TEE copy (another skb, post-NAT tuple only) is followed from
#      skb_copy_header; the tracepoint backend sees no copies, so there every post-NAT
#      skb is the SYN's;
#    - after the drop the address is forgotten: SYNs of two later connections to 8081 (not
#      DNATed, refused), which the slab may hand the freed skbs, and ARP, never show up.
# 2. CI #6's shape: the client's nat OUTPUT DNATs 198.51.100.20:8080 to 198.51.100.11:9090,
#    a second address of the server that the client has never resolved (no TEE now);
#    filter 'tcp and dst host 198.51.100.20':
#    - the post-NAT tuple shows up (the SYN, to the server's drop);
#    - the SYN waits for ARP, and the clone neigh_probe() makes of it for arp_solicit()
#      (post-NAT tuple only) is followed from skb_clone's return.
#    Kprobe backends only: the client's first tracepoint (net_dev_queue) comes after its
#    LOCAL_OUT hook, so no tracepoint ever sees the pre-NAT tuple there.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
vm_iptables "$VM_NSS" -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 198.51.100.10:9090
vm_iptables "$VM_NSS" -t mangle -A INPUT -p tcp --dport 9090 -j TEE --gateway 198.51.100.1
vm_iptables "$VM_NSS" -A INPUT -p tcp --dport 9090 -j DROP
vm_route_check "$VM_NSC" 198.51.100.10 "$VM_DEVC"
# TEE sends its copy to the client through the server's end of the pair.
vm_route_check "$VM_NSS" 198.51.100.1 "$VM_DEVS"

vm_pwru_start --filter-track-skb 'tcp and dst port 8080'
vm_curl "$VM_NSC" 198.51.100.10 8080 "$VM_DEVC" && vm_fail "curl to 198.51.100.10:8080 succeeded: the DROP rule did not work"
vm_curl "$VM_NSC" 198.51.100.10 8081 "$VM_DEVC"
vm_curl "$VM_NSC" 198.51.100.10 8081 "$VM_DEVC"
sleep 0.5
vm_pwru_stop
dropped=$(vm_dropped_count "$VM_NSS")
[ "$dropped" -ge 1 ] || vm_fail "the DROP rule in $VM_NSS matched no packet (curl: $(tail -n 1 "$VM_TMP/curl.out"))"
vm_expect_header

PRE='198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp'
POST='198\.51\.100\.1:[0-9]+->198\.51\.100\.10:9090\(tcp'
vm_expect "$PRE" "the pre-NAT tuple"
vm_expect "$POST.*$(vm_drop_func)" "the post-NAT tuple on the netfilter drop"
# SKB addresses: of the pre-NAT lines, of the post-NAT lines.
grep -E -- "$PRE" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/pre.skbs"
grep -E -- "$POST" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/post.skbs"
grep -E -- "$POST.*$(vm_drop_func)" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/drop.skbs"
[ -n "$(vm_skbs_in "$VM_TMP/pre.skbs" "$VM_TMP/drop.skbs")" ] ||
	vm_fail "the post-NAT drop is not on a pre-NAT skb: $(tr '\n' ' ' <"$VM_TMP/drop.skbs")"
# Other skbs than the SYN (the one dropped by netfilter) with the post-NAT tuple: copies.
# (Not "skbs without a pre-NAT line": a copy may get the address of an earlier skb of
# the flow, e.g. the client's ARP clone, freed by then.)
copies=$(vm_skbs_not_in "$VM_TMP/drop.skbs" "$VM_TMP/post.skbs" | wc -l)
case $VM_BACKEND in
tracepoint)
	[ "$copies" = 0 ] || vm_fail "$copies post-NAT skbs other than the SYN (the tracepoint backend sees no copies)"
	;;
*)
	[ "$copies" -ge 1 ] || vm_fail "the TEE copy (skb_copy_header) was not followed: the SYN is the only post-NAT skb"
	;;
esac
vm_expect_none ':8081\(' "a later connection (a freed skb still tracked)"
vm_expect_none ' 0x0806 ' "ARP (a freed skb still tracked)"
summary1="$(wc -l <"$VM_TMP/post.skbs") post-NAT skbs, $copies copies"
[ "$VM_BACKEND" != tracepoint ] || vm_pass "$(vm_summary "$summary1")"

# 2. DNAT on the client's way out, to an address the client has no neighbour entry for
#    (not even one learnt from the server's own ARP probes, which come from .10), so that
#    the SYN waits for ARP and is cloned for the request.
vm_iptables "$VM_NSS" -t mangle -F INPUT
ip -n "$VM_NSS" addr add 198.51.100.11/24 dev "$VM_DEVS" || vm_fail "addr 198.51.100.11"
vm_iptables "$VM_NSC" -t nat -A OUTPUT -p tcp -d 198.51.100.20 --dport 8080 -j DNAT --to-destination 198.51.100.11:9090
vm_route_check "$VM_NSC" 198.51.100.20 "$VM_DEVC"
vm_route_check "$VM_NSC" 198.51.100.11 "$VM_DEVC"
mv "$VM_PWRU_OUT" "$VM_TMP/pwru.phase1.log"
vm_pwru_start --filter-track-skb 'tcp and dst host 198.51.100.20'
vm_curl "$VM_NSC" 198.51.100.20 8080 "$VM_DEVC" && vm_fail "curl to 198.51.100.20:8080 succeeded: the DROP rule did not work"
sleep 0.5
vm_pwru_stop
vm_expect_header
PRE2='198\.51\.100\.1:[0-9]+->198\.51\.100\.20:8080\(tcp'
POST2='198\.51\.100\.1:[0-9]+->198\.51\.100\.11:9090\(tcp'
vm_expect "$PRE2" "the pre-NAT tuple (phase 2)"
vm_expect "$POST2.*$(vm_drop_func)" "the post-NAT tuple on the server's netfilter drop (phase 2)"
grep -E -- "$PRE2" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/pre2.skbs"
grep -E -- "$POST2" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/post2.skbs"
grep -E -- "$POST2.*$(vm_drop_func)" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/drop2.skbs"
[ -n "$(vm_skbs_in "$VM_TMP/pre2.skbs" "$VM_TMP/drop2.skbs")" ] ||
	vm_fail "phase 2: the post-NAT drop is not on a pre-NAT skb: $(tr '\n' ' ' <"$VM_TMP/drop2.skbs")"
clones=$(vm_skbs_not_in "$VM_TMP/drop2.skbs" "$VM_TMP/post2.skbs" | wc -l)
[ "$clones" -ge 1 ] || vm_fail "the ARP clone (skb_clone) was not followed: the SYN is the only post-NAT skb"
vm_pass "$(vm_summary "$summary1; phase 2: $(wc -l <"$VM_TMP/post2.skbs") post-NAT skbs, $clones clones")"
