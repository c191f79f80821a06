# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# track-non-skb: --filter-non-skb-funcs fib_table_lookup (a function without an skb) with
# the DNAT of track-skb and no --filter-track-skb (cilium/pwru does not start so): it
# implies by-stackid tracking, so the route lookup that the server's softirq makes for the
# rewritten SYN is traced for the SYN's skb, with the post-NAT tuple, and the netfilter drop
# after it is traced by stack too. The tracepoint backend cannot trace functions: pwru must
# refuse with exit status 2 and one line.
. /vm/lib.sh
if [ "$VM_BACKEND" = tracepoint ]; then
	rc=0
	"$PWRU" --backend tracepoint --filter-non-skb-funcs fib_table_lookup 'tcp and dst port 8080' \
		>"$VM_TMP/pwru.stdout" 2>"$VM_TMP/pwru.err" </dev/null || rc=$?
	line=$(head -n 1 "$VM_TMP/pwru.err")
	[ "$rc" = 2 ] || vm_fail "exit status $rc, expected 2: $line"
	[ "$(wc -l <"$VM_TMP/pwru.err")" = 1 ] || vm_fail "$(wc -l <"$VM_TMP/pwru.err") lines on stderr, expected 1"
	echo "$line" | grep -q 'fib_table_lookup: needs a kprobe backend' || vm_fail "unexpected message: $line"
	vm_pass "refused: $line"
fi
vm_topology 198.51.100.1 198.51.100.10
vm_iptables "$VM_NSS" -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 198.51.100.10:9090
vm_iptables "$VM_NSS" -A INPUT -p tcp --dport 9090 -j DROP
vm_route_check "$VM_NSC" 198.51.100.10 "$VM_DEVC"

vm_pwru_start --filter-non-skb-funcs fib_table_lookup 'tcp and dst port 8080'
vm_curl "$VM_NSC" 198.51.100.10 8080 "$VM_DEVC" && vm_fail "curl to 198.51.100.10:8080 succeeded: the DROP rule did not work"
sleep 0.5
vm_pwru_stop
vm_expect_header
PRE='198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp'
POST='198\.51\.100\.1:[0-9]+->198\.51\.100\.10:9090\(tcp'
vm_expect "$PRE" "the pre-NAT tuple"
vm_expect "$POST.* fib_table_lookup$" "fib_table_lookup with the post-NAT tuple"
vm_expect "$POST.*$(vm_drop_func)" "the post-NAT drop (by stack id)"
grep -E -- "$PRE" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/pre.skbs"
grep -E -- " fib_table_lookup$" "$VM_PWRU_OUT" | awk '{print $1}' | sort -u >"$VM_TMP/fib.skbs"
[ -n "$(vm_skbs_in "$VM_TMP/pre.skbs" "$VM_TMP/fib.skbs")" ] ||
	vm_fail "no fib_table_lookup line carries the SYN's skb ($(tr '\n' ' ' <"$VM_TMP/fib.skbs"))"
vm_pass "$(vm_summary "$(grep -c ' fib_table_lookup$' "$VM_PWRU_OUT") fib_table_lookup lines")"
