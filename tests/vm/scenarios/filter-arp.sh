# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# filter-arp (cilium/pwru CI #7): a pcap filter on ARP fields. The client pings
# 198.51.100.20, an address nobody on its veth link has, so it broadcasts ARP requests
# "who has 198.51.100.20"; they arrive in the server namespace. The filter keeps ARP
# requests (arp[7] = 1) for that target address (arp[24..27]). With the kprobe backends
# the request reaches arp_rcv; the tracepoint backend sees it in netif_receive_skb.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
vm_route_check "$VM_NSC" 198.51.100.20 "$VM_DEVC"
vm_pwru_start 'arp and arp[7] = 1 and arp[24] = 198 and arp[25] = 51 and arp[26] = 100 and arp[27] = 20'
vm_ping "$VM_NSC" 198.51.100.20 1 "$VM_DEVC" && vm_fail "198.51.100.20 answered a ping: it must not exist"
sleep 0.5
vm_pwru_stop
vm_expect_header
case $VM_BACKEND in
tracepoint) vm_expect ' 0x0806 .* netif_receive_skb$' 'an ARP packet (0x0806) in netif_receive_skb' ;;
*) vm_expect ' 0x0806 .* arp_rcv$' 'an ARP packet (0x0806) in arp_rcv' ;;
esac
vm_expect_none ' 0x0800 ' 'an IPv4 packet'
vm_pass "$(vm_summary)"
