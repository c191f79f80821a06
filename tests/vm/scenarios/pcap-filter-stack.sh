# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# pcap-filter-stack (cilium/pwru CI #5): a pcap filter that needs cBPF scratch memory
# (M[]): TCP segments with a payload. busybox httpd serves a page in the server namespace;
# curl fetches it. The request and the response must show up; the handshake (SYN, SYN|ACK,
# no payload) must not.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
mkdir -p "$VM_TMP/www"
echo "pwru vm test page" >"$VM_TMP/www/index.html"
ip netns exec "$VM_NSS" httpd -f -p 198.51.100.10:80 -h "$VM_TMP/www" &
httpd_pid=$!
echo "$httpd_pid" >>"$VM_TMP/pids"
vm_route_check "$VM_NSC" 198.51.100.10 "$VM_DEVC"
vm_pwru_start --output-tcp-flags '(((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)'
ok=0
for _ in 1 2 3; do
	if vm_curl "$VM_NSC" 198.51.100.10 80 "$VM_DEVC"; then ok=1; break; fi
	sleep 0.5
done
sleep 0.5
vm_pwru_stop
kill "$httpd_pid" 2>/dev/null
[ "$ok" = 1 ] || vm_fail "curl http://198.51.100.10/ failed: $(tail -n 1 "$VM_TMP/curl.out")"
grep -q 'pwru vm test page' "$VM_TMP/curl.body" || vm_fail "curl did not get the page"
vm_expect_header
vm_expect '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:80\(tcp' 'the request (client->server:80)'
vm_expect '198\.51\.100\.10:80->198\.51\.100\.1:[0-9]+\(tcp' 'the response (server:80->client)'
# The kprobe backends also see the skb in __ip_local_out/ip_local_out, before the kernel
# has written the IP header's total length (and skb->protocol: PROTO 0x0000), where the
# filter's arithmetic on ip[2:2] reads 0 and matches a SYN: pwru shows the header as it is
# at that moment. Once the packet is complete (PROTO 0x0800), no handshake segment may pass.
vm_expect_none ' 0x0800 .*(\(tcp:SYN\)|\(tcp:SYN[|]ACK\))' 'a complete handshake segment (no payload)'
vm_pass "$(vm_summary)"
