# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# filter-ifname (cilium/pwru CI #9): --filter-ifname lo 'icmp', ping 127.0.0.1 in the
# guest's own namespace. At the same time the client namespace pings the server over the
# veth pair and pings its own lo (also ifindex 1, but another namespace): none of that may
# show up. Every line must be on lo:1 in the guest's namespace.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
ns_self=$(stat -L -c %i /proc/self/ns/net)
vm_pwru_start --filter-ifname lo icmp
vm_ping "" 127.0.0.1 2 lo || vm_fail "ping 127.0.0.1 failed"
vm_ping "$VM_NSC" 198.51.100.10 2 "$VM_DEVC" || vm_fail "ping 198.51.100.10 from $VM_NSC failed"
vm_ping "$VM_NSC" 127.0.0.1 2 lo || vm_fail "ping 127.0.0.1 in $VM_NSC failed"
sleep 0.5
vm_pwru_stop
vm_expect_header
vm_expect '127\.0\.0\.1:0->127\.0\.0\.1:0\(icmp\)'
vm_expect_none '198\.51\.100\.' 'a packet on the veth pair'
bad=$(awk -v ns="$ns_self" 'NR > 1 && NF > 6 && ($4 != ns || $6 != "lo:1")' "$VM_PWRU_OUT" | head -n 1)
[ -z "$bad" ] || vm_fail "a line not on lo:1 in netns $ns_self: $bad"
vm_pass "$(vm_summary)"
