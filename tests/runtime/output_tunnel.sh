#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# output_tunnel: --output-tunnel prints the inner tuple of vxlan packets (TUNNEL column,
# JSON tunnel_tuple), and --filter-tunnel-pcap-l3 / -l2 select packets by their inner
# headers in the kernel.
#
# Topology: the usual veth pair (198.51.100.1 <-> 198.51.100.10) carries a vxlan tunnel
# (VNI 42, UDP 4789) between the two namespaces; inside it the client is 203.0.113.1 and
# the server 203.0.113.2 and 203.0.113.3. TCP from the client to both inner addresses is
# refused by the server (no listener), so every packet stays in the test's namespaces.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init output_tunnel

rt_topology
IN_C=203.0.113.1
IN_S=203.0.113.2
IN_S2=203.0.113.3
ip -n "$RT_NSC" link add vx0 type vxlan id 42 dstport 4789 local "$RT_CLIENT4" remote "$RT_SERVER4" \
	dev "$RT_DEVC" || rt_fail "cannot create vxlan in $RT_NSC"
ip -n "$RT_NSS" link add vx0 type vxlan id 42 dstport 4789 local "$RT_SERVER4" remote "$RT_CLIENT4" \
	dev "$RT_DEVS" || rt_fail "cannot create vxlan in $RT_NSS"
ip -n "$RT_NSC" addr add "$IN_C/24" dev vx0 || rt_fail "addr $IN_C"
ip -n "$RT_NSS" addr add "$IN_S/24" dev vx0 || rt_fail "addr $IN_S"
ip -n "$RT_NSS" addr add "$IN_S2/24" dev vx0 || rt_fail "addr $IN_S2"
ip -n "$RT_NSC" link set vx0 up || rt_fail "vx0 up"
ip -n "$RT_NSS" link set vx0 up || rt_fail "vx0 up"
# The outer path, then the inner one (rt_curl checks the inner route again).
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
rt_route_check "$RT_NSC" "$IN_S" vx0
rt_route_check "$RT_NSC" "$IN_S2" vx0

traffic() {
	rt_curl "$RT_NSC" "$IN_S" 8080 vx0
	rt_curl "$RT_NSC" "$IN_S2" 8080 vx0
	sleep 1
}

OUTER='198\.51\.100\.(1|10):[0-9]+->198\.51\.100\.(1|10):[0-9]+\(udp\)'

rt_log "1. --output-tunnel: the inner tuple at the end of outer vxlan lines"
rt_pwru_start --output-tunnel 'udp port 4789'
traffic
rt_pwru_stop INT
head -n 1 "$RT_PWRU_OUT" | grep -q ' TUPLE FUNC TUNNEL$' || rt_fail "header has no TUNNEL column: $(head -n 1 "$RT_PWRU_OUT")"
# Client to server: outer UDP to 4789, inner TCP SYN to 8080 of each inner address.
rt_assert_match "198\.51\.100\.1:[0-9]+->198\.51\.100\.10:4789\(udp\) .* 203\.0\.113\.1:[0-9]+->203\.0\.113\.2:8080\(tcp\)$"
rt_assert_match "198\.51\.100\.1:[0-9]+->198\.51\.100\.10:4789\(udp\) .* 203\.0\.113\.1:[0-9]+->203\.0\.113\.3:8080\(tcp\)$"
# The server's RSTs come back through the tunnel: the inner tuple is reversed.
rt_assert_match "198\.51\.100\.10:[0-9]+->198\.51\.100\.1:4789\(udp\) .* 203\.0\.113\.2:8080->203\.0\.113\.1:[0-9]+\(tcp\)$"

rt_log "2. --filter-tunnel-pcap-l3: only inner packets to $IN_S2"
rt_pwru_start --output-tunnel --filter-tunnel-pcap-l3 "dst host $IN_S2 and tcp dst port 8080" 'udp port 4789'
traffic
rt_pwru_stop INT
rt_assert_match "$OUTER .* 203\.0\.113\.1:[0-9]+->203\.0\.113\.3:8080\(tcp\)$"
# Neither the other inner address nor the replies (inner destination .1) got through.
rt_assert_no_match "$OUTER .* [0-9.]+:[0-9]+->203\.0\.113\.2:[0-9]+\(tcp\)$"
rt_assert_no_match "$OUTER .* [0-9.]+:[0-9]+->203\.0\.113\.1:[0-9]+\(tcp\)$"
# Every outer line's inner tuple is the selected one (no zero tuple either: these
# packets all have inner headers).
bad=$(awk 'NR > 1 && $0 ~ /\(udp\)/ && $NF !~ /->203\.0\.113\.3:8080\(tcp\)$/' "$RT_PWRU_OUT")
[ -z "$bad" ] || { sed 's/^/  | /' <<<"$bad" >&2; rt_fail "lines above passed the tunnel filter with another inner tuple"; }

rt_log "3. --filter-tunnel-pcap-l2 (inner Ethernet header) and JSON tunnel_tuple"
rt_pwru_start --output-json --output-tunnel --filter-tunnel-pcap-l2 "ip and src host $IN_S" 'udp port 4789'
traffic
rt_pwru_stop INT
n=$(jq -s 'length' "$RT_PWRU_OUT")
[ "$n" -ge 1 ] || rt_fail "no JSON event"
# Only the replies from $IN_S (inner source) passed; each object carries them in tunnel_tuple.
other=$(jq -c 'select(.tunnel_tuple.saddr != "203.0.113.2")' "$RT_PWRU_OUT")
[ -z "$other" ] || rt_fail "events with another inner source passed: $other"
jq -e -s 'map(select(.tunnel_tuple.saddr == "203.0.113.2" and .tunnel_tuple.daddr == "203.0.113.1"
	and .tunnel_tuple.sport == 8080 and .tunnel_tuple.proto == 6 and .tuple.dport == 4789)) | length >= 1' \
	"$RT_PWRU_OUT" >/dev/null || rt_fail "no reply with its inner tuple in tunnel_tuple: $(head -c 600 "$RT_PWRU_OUT")"
rt_log "ok: $n JSON events, all with inner source $IN_S"
rt_log PASS
