# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# vxlan-tunnel (issue 8: "a vxlan tunnel with an inner filter"): --output-tunnel with an outer
# pcap filter ('udp port 4789') and an inner one (--filter-tunnel-pcap-l3) on a real vxlan
# tunnel between the two namespaces.
#
# Topology: the veth pair (198.51.100.1 <-> 198.51.100.10) carries a vxlan tunnel (VNI 42,
# UDP 4789); inside it the client is 203.0.113.1 and the server 203.0.113.2 and 203.0.113.3.
#   1. inner filter 'icmp and host 203.0.113.2', pings to both inner server addresses: each
#      event's TUPLE is the outer UDP tuple to port 4789 and its TUNNEL the inner ICMP tuple
#      of 203.0.113.2 (requests and replies); the sending side's functions show it (the
#      client's namespace for the requests, the server's for the replies); 203.0.113.3 never
#      shows up.
#   2. an inner filter that matches none of the pings (another inner host): no event at all,
#      although every outer packet passes 'udp port 4789'.
#   3. --output-json: the same as 1 read back with jq (tuple and tunnel_tuple).
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
IN_C=203.0.113.1
IN_S=203.0.113.2
IN_S2=203.0.113.3
ip -n "$VM_NSC" link add vx0 type vxlan id 42 dstport 4789 local 198.51.100.1 remote 198.51.100.10 \
	dev "$VM_DEVC" || vm_fail "cannot create vxlan in $VM_NSC (module vxlan loaded?)"
ip -n "$VM_NSS" link add vx0 type vxlan id 42 dstport 4789 local 198.51.100.10 remote 198.51.100.1 \
	dev "$VM_DEVS" || vm_fail "cannot create vxlan in $VM_NSS"
ip -n "$VM_NSC" addr add "$IN_C/24" dev vx0 || vm_fail "addr $IN_C"
ip -n "$VM_NSS" addr add "$IN_S/24" dev vx0 || vm_fail "addr $IN_S"
ip -n "$VM_NSS" addr add "$IN_S2/24" dev vx0 || vm_fail "addr $IN_S2"
ip -n "$VM_NSC" link set vx0 up || vm_fail "vx0 up in $VM_NSC"
ip -n "$VM_NSS" link set vx0 up || vm_fail "vx0 up in $VM_NSS"
# The outer path first, then the inner one (vm_ping checks the inner route again).
vm_route_check "$VM_NSC" 198.51.100.10 "$VM_DEVC"
vm_route_check "$VM_NSS" 198.51.100.1 "$VM_DEVS"
vm_route_check "$VM_NSC" "$IN_S" vx0
vm_route_check "$VM_NSC" "$IN_S2" vx0
ns_cli=$(ip netns exec "$VM_NSC" stat -L -c %i /proc/self/ns/net)
ns_srv=$(ip netns exec "$VM_NSS" stat -L -c %i /proc/self/ns/net)

# The functions that send the outer packet, per backend: the tracepoint backend sees the
# device queue tracepoints; the kprobe backends the IP output path down to the veth.
case $VM_BACKEND in
tracepoint)
	sendfn='^(net_dev_queue|net_dev_start_xmit|net_dev_xmit)$'
	# One program copy per tracepoint on 6.1 (no cookies): only the ones this needs.
	set -- --filter-func '(net_dev_queue|net_dev_start_xmit|net_dev_xmit|netif_rx|netif_receive_skb|kfree_skb|consume_skb)'
	;;
*)
	sendfn='^(__ip_local_out|ip_output|ip_finish_output2|__dev_queue_xmit|dev_hard_start_xmit|veth_xmit)$'
	set --
	;;
esac

# ping_both: the pings of runs 1 and 3 (3 to $IN_S, 2 to $IN_S2; the vxlan neighbour
# entries are resolved by the first).
ping_both() {
	vm_ping "$VM_NSC" "$IN_S" 3 vx0 || vm_fail "ping $IN_S through the tunnel failed"
	vm_ping "$VM_NSC" "$IN_S2" 2 vx0 || vm_fail "ping $IN_S2 through the tunnel failed"
	sleep 0.5
}

# 1. Text: outer tuple in TUPLE, inner tuple in TUNNEL.
vm_pwru_start --output-tunnel --filter-tunnel-pcap-l3 "icmp and host $IN_S" "$@" 'udp port 4789'
ping_both
vm_pwru_stop
vm_expect_header
head -n 1 "$VM_PWRU_OUT" | grep -q ' TUPLE FUNC TUNNEL$' || vm_fail "no TUNNEL column: $(head -n 1 "$VM_PWRU_OUT")"
n1=$(vm_events)
# Columns: SKB CPU PROCESS NETNS MARK IFACE PROTO MTU LEN TUPLE FUNC TUNNEL. Every event:
# an outer vxlan tuple, and the inner ICMP tuple of a request to $IN_S or of its reply.
bad=$(awk 'NR > 1 && /^0x/ && ($10 !~ /^198\.51\.100\.(1|10):[0-9]+->198\.51\.100\.(1|10):4789\(udp\)$/ ||
	$12 !~ /^(203\.0\.113\.1:0->203\.0\.113\.2:0|203\.0\.113\.2:0->203\.0\.113\.1:0)\(icmp\)$/ || NF != 12)' \
	"$VM_PWRU_OUT" | head -n 1)
[ -z "$bad" ] || vm_fail "an event without the outer vxlan tuple and an inner ICMP tuple of $IN_S: $bad"
vm_expect_none '203\.0\.113\.3' "a packet to or from $IN_S2 (the inner filter rejects it)"
# The requests on the client's sending path, the replies on the server's.
nreq=$(awk -v ns="$ns_cli" -v fn="$sendfn" '$4 == ns && $11 ~ fn &&
	$10 ~ /^198\.51\.100\.1:[0-9]+->198\.51\.100\.10:4789\(udp\)$/ &&
	$12 == "203.0.113.1:0->203.0.113.2:0(icmp)"' "$VM_PWRU_OUT" | wc -l)
nrep=$(awk -v ns="$ns_srv" -v fn="$sendfn" '$4 == ns && $11 ~ fn &&
	$10 ~ /^198\.51\.100\.10:[0-9]+->198\.51\.100\.1:4789\(udp\)$/ &&
	$12 == "203.0.113.2:0->203.0.113.1:0(icmp)"' "$VM_PWRU_OUT" | wc -l)
[ "$nreq" -ge 3 ] || vm_fail "expected the 3 echo requests on the client's sending functions ($sendfn), got $nreq lines"
[ "$nrep" -ge 3 ] || vm_fail "expected the 3 echo replies on the server's sending functions ($sendfn), got $nrep lines"

# 2. An inner filter no ping matches: the outer filter alone would pass every packet.
vm_pwru_start --output-tunnel --filter-tunnel-pcap-l3 "icmp and host 203.0.113.9" "$@" 'udp port 4789'
ping_both
vm_pwru_stop
vm_expect_header
n2=$(vm_events)
[ "$n2" = 0 ] || vm_fail "$n2 events with an inner filter no packet matches: $(sed -n 2p "$VM_PWRU_OUT")"

# 3. JSON: tuple and tunnel_tuple, read back with jq.
vm_pwru_start --output-json --output-tunnel --filter-tunnel-pcap-l3 "icmp and host $IN_S" "$@" 'udp port 4789'
ping_both
vm_pwru_stop
command -v jq >/dev/null || vm_fail "no jq in the guest"
n3=$(jq -s 'length' "$VM_PWRU_OUT") || vm_fail "the JSON output does not parse: $(head -c 300 "$VM_PWRU_OUT")"
[ "$n3" -ge 6 ] || vm_fail "expected at least 6 JSON events (3 requests, 3 replies), got $n3"
other=$(jq -c 'select(.tuple.proto != 17 or .tuple.dport != 4789 or .tunnel_tuple.proto != 1
	or ([.tunnel_tuple.saddr, .tunnel_tuple.daddr] | sort) != ["203.0.113.1", "203.0.113.2"])' "$VM_PWRU_OUT" |
	head -n 1)
[ -z "$other" ] || vm_fail "a JSON event without the outer vxlan tuple and the inner ICMP tuple of $IN_S: $other"
jq -e -s --argjson ns "$ns_cli" 'map(select(.netns == $ns and .tuple.saddr == "198.51.100.1"
	and .tuple.daddr == "198.51.100.10" and .tunnel_tuple.saddr == "203.0.113.1"
	and .tunnel_tuple.daddr == "203.0.113.2")) | length >= 3' "$VM_PWRU_OUT" >/dev/null ||
	vm_fail "fewer than 3 JSON events of the requests in the client's namespace: $(head -c 400 "$VM_PWRU_OUT")"
vm_pass "text $n1 events ($nreq request, $nrep reply lines on the send path), none with no inner match, JSON $n3; ready ${VM_READY_SECS}s, stop ${VM_STOP_SECS}s"
