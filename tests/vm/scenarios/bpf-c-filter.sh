# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# bpf-c-filter: the SDK's skb-len example (a filter whose in-kernel test is BPF C, plugin
# ABI 1.3) linked into pwru's kernel program and run by this kernel's verifier on every
# entry kind. The client pings the server with a 56-byte and a 900-byte payload; with
# min = 500 only the big pings' events may show up (LEN column), and they must.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
[ -f /pwru/test-plugins/pwru-filter-skb-len.so ] || vm_fail "the skb-len test plugin is not in the image"
export PWRU_PLUGIN_PATH=/pwru/test-plugins
printf 'version = 1\n[[filter]]\nplugin = "skb-len"\nmin = 500\n' >"$VM_TMP/skb-len.toml"
vm_pwru_start --config "$VM_TMP/skb-len.toml" 'icmp and host 198.51.100.10'
vm_route_check "$VM_NSC" 198.51.100.10 "$VM_DEVC"
ip netns exec "$VM_NSC" ping -c 2 -W 1 -s 56 198.51.100.10 >>"$VM_TMP/ping.out" 2>&1 || vm_fail "small ping failed"
ip netns exec "$VM_NSC" ping -c 2 -W 1 -s 900 198.51.100.10 >>"$VM_TMP/ping.out" 2>&1 || vm_fail "big ping failed"
sleep 0.5
vm_pwru_stop
vm_expect_header
vm_expect '198\.51\.100\.1:0->198\.51\.100\.10:0\(icmp\)'
# LEN is column 9 of the default text output.
small=$(awk 'NR > 1 && /^0x/ && $9 < 500' "$VM_PWRU_OUT" | head -n 1)
[ -z "$small" ] || vm_fail "an event with skb->len < 500 passed the filter: $small"
big=$(awk 'NR > 1 && /^0x/ && $9 >= 500' "$VM_PWRU_OUT" | wc -l)
[ "$big" -ge 4 ] || vm_fail "expected events of the 900-byte pings, got $big"
vm_pass "$(vm_summary "all LEN >= 500")"
