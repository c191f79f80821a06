# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# advanced-ipv6 (cilium/pwru CI #4): as basic-ipv6 (on 2001:db8:1::/64), with a pcap filter
# on a raw IPv6 byte: 'ip6[53] & 0x3f = 0x2' (the TCP flags right after a 40-byte IPv6
# header: SYN only).
. /vm/lib.sh
vm_topology 203.0.113.1 203.0.113.10 2001:db8:1::1 2001:db8:1::10
vm_drop_scenario ip6tables 2001:db8:1::1 2001:db8:1::10 'ip6[53] & 0x3f = 0x2' --output-tcp-flags
vm_expect '\[2001:db8:1::1\]:[0-9]+->\[2001:db8:1::10\]:8080\(tcp:SYN\)'
vm_expect_none '\(tcp:[A-Z|]*(ACK|RST|FIN|PSH)' 'a non-SYN TCP segment'
vm_pass "$(vm_summary)"
