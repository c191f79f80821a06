# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# xdp-track: --filter-track-skb with --filter-trace-xdp follows a packet that an XDP program
# rewrote into the skb the stack builds from it. tests/vm/progs/xdpnat.bpf.c on the server's
# veth end rewrites ICMP to 198.51.100.10 into ICMP to 203.0.113.10 (a second address of the
# server) before any skb of it exists on the server side (veth copies the client's skb into
# a new one to run XDP on it, or runs it on the same one; either way the new tuple is only
# seen after the program). pwru's filter names the original destination:
# 1. with --filter-track-skb: the (xdp) event has the original tuple, and the server's
#    kernel functions after it show the rewritten tuple 198.51.100.1->203.0.113.10 (each
#    echo request's); the echo replies (new skbs) never show up;
# 2. without it: the rewritten tuple never shows up (the filter alone cannot see it);
# 3. kprobe backends: --filter-track-skb alone follows veth's copy of the skb for the XDP
#    program (6.12: skb_pp_cow_data's return; cilium/pwru hooks veth_convert_skb_to_xdp_buff,
#    which 6.12 inlines; 6.1: skb_copy_header).
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
obj=/vm/progs/xdpnat.bpf.o
[ -f "$obj" ] || vm_fail "the test program ($obj) is not in the image"
ip -n "$VM_NSS" addr add 203.0.113.10/24 dev "$VM_DEVS" || vm_fail "addr 203.0.113.10"
out=$(ip -n "$VM_NSS" link set dev "$VM_DEVS" xdp obj "$obj" sec xdp 2>&1) ||
	vm_fail "ip link set $VM_DEVS xdp obj $obj failed: $out"
ns_srv=$(ip netns exec "$VM_NSS" stat -L -c %i /proc/self/ns/net)

pre='198\.51\.100\.1:0->198\.51\.100\.10:0\(icmp\)'
post='198\.51\.100\.1:0->203\.0\.113\.10:0\(icmp\)'
xdpre="$pre +bpf_prog_[0-9a-f]{16}_pwru_test_xdp_nat\\[bpf\\]\\(xdp\\)\$"

# 1. Following the buffer. (The replies come from 203.0.113.10, which ping does not take
#    for its own: ping "fails", the packets went through all the same.)
vm_pwru_start --filter-trace-xdp --filter-track-skb 'icmp and dst host 198.51.100.10'
vm_ping "$VM_NSC" 198.51.100.10 3 "$VM_DEVC" || true
sleep 0.5
vm_pwru_stop
vm_expect_header
nxdp=$(grep -cE -- "$xdpre" "$VM_PWRU_OUT")
[ "$nxdp" -ge 3 ] || vm_fail "expected an (xdp) event per echo request (3), got $nxdp"
# The server's functions after XDP: rewritten tuple, in the server's namespace, not XDP;
# after each (xdp) event, the rewritten tuple before the next one (skb addresses repeat:
# the slab hands the next request the freed skb, so count per request, not per address).
grep -E -- "$post +[a-z_]" "$VM_PWRU_OUT" | grep -vE '\[bpf\]' >"$VM_TMP/post.lines" || true
bad=$(awk -v ns="$ns_srv" '$4 != ns' "$VM_TMP/post.lines" | head -n 1)
[ -z "$bad" ] || vm_fail "the rewritten tuple outside the server's netns $ns_srv: $bad"
# (The regexes go through the environment: awk -v would eat their backslashes.)
missed=$(XRE="$xdpre" PRE_="$post +[a-z_]" awk '
	$0 ~ ENVIRON["XRE"] {if (pending) m++; pending = 1; next}
	$0 ~ ENVIRON["PRE_"] {pending = 0}
	END {print m + pending}' "$VM_PWRU_OUT")
[ "$missed" = 0 ] ||
	vm_fail "$missed of $nxdp (xdp) events have no rewritten tuple after them: $(head -n 3 "$VM_TMP/post.lines")"
npost=$(wc -l <"$VM_TMP/post.lines")
# Every rewritten line comes after the first (xdp) event.
lx=$(grep -n -m1 -E -- "$xdpre" "$VM_PWRU_OUT" | cut -d: -f1)
lp=$(grep -n -m1 -E -- "$post" "$VM_PWRU_OUT" | cut -d: -f1)
[ "$lx" -lt "$lp" ] || vm_fail "a rewritten tuple (line $lp) before the first (xdp) event (line $lx)"
vm_expect_none '203\.0\.113\.10:0->198\.51\.100\.1:0' 'an echo reply (a new skb, never matched)'
# Nothing else: the router solicitations veth copies into the pages the echo requests had
# (6.1: skb_copy_header tracks the copy by address, so the XDP note must still be used up).
vm_expect_none 'icmp6' 'an IPv6 packet (never matched; a stale XDP buffer note would show it)'
first=$(grep -E -m1 -- "$post" "$VM_PWRU_OUT")
tracked_funcs=$(grep -E -- "$post" "$VM_PWRU_OUT" | awk '{print $NF}' | sort -u | tr '\n' ' ')
vm_log "rewritten tuple on: $tracked_funcs"

# 2. Without tracking, the filter alone never sees the rewritten packet.
vm_pwru_start --filter-trace-xdp 'icmp and dst host 198.51.100.10'
vm_ping "$VM_NSC" 198.51.100.10 2 "$VM_DEVC" || true
sleep 0.5
vm_pwru_stop
n2=$(grep -cE -- "$xdpre" "$VM_PWRU_OUT")
[ "$n2" -ge 2 ] || vm_fail "without --filter-track-skb: expected 2 (xdp) events, got $n2"
vm_expect_none "$post" 'the rewritten tuple without --filter-track-skb'
# 3. Kprobe backends, without --filter-trace-xdp: veth's copy of the skb for its XDP
#    program is followed from the function that makes it (skb_pp_cow_data's return on
#    6.8+, veth_convert_skb_to_xdp_buff's on 6.2-6.7; on 6.1 veth copies inline and its
#    skb_copy_header(copy, skb) is seen by the clone/copy tracking), so the rewritten
#    tuple shows up again.
extra=""
case $(uname -r) in
6.1.*) ;;
*)
	grep -qE ' (skb_pp_cow_data|veth_convert_skb_to_xdp_buff)( |$)' /proc/kallsyms ||
		vm_fail "Linux $(uname -r) has neither skb_pp_cow_data nor veth_convert_skb_to_xdp_buff in kallsyms"
	;;
esac
if [ "$VM_BACKEND" != tracepoint ]; then
	vm_pwru_start --filter-track-skb 'icmp and dst host 198.51.100.10'
	vm_ping "$VM_NSC" 198.51.100.10 2 "$VM_DEVC" || true
	sleep 0.5
	vm_pwru_stop
	n3=$(grep -E -- "$post +[a-z_]" "$VM_PWRU_OUT" | awk -v ns="$ns_srv" '$4 == ns' | wc -l)
	[ "$n3" -ge 2 ] ||
		vm_fail "without --filter-trace-xdp: veth's XDP copy not followed (rewritten tuple on $n3 lines)"
	vm_expect_none '\[bpf\]' 'an XDP event without --filter-trace-xdp'
	extra="; veth copy followed without XDP tracing ($n3 lines)"
fi
vm_pass "$nxdp xdp events, each followed by the rewritten tuple ($npost lines, e.g. $(echo "$first" | awk '{print $NF}'))$extra"
