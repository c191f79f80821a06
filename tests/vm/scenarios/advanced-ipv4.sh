# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# advanced-ipv4 (cilium/pwru CI #3): as basic-ipv4 (on 203.0.113.0/24), but the pcap filter
# reads the TCP flags byte: 'tcp[tcpflags] = tcp-syn'. With --output-tcp-flags every line
# must be a bare SYN.
. /vm/lib.sh
vm_topology 203.0.113.1 203.0.113.10
vm_drop_scenario iptables 203.0.113.1 203.0.113.10 'tcp[tcpflags] = tcp-syn' --output-tcp-flags
vm_expect '203\.0\.113\.1:[0-9]+->203\.0\.113\.10:8080\(tcp:SYN\)'
vm_expect_none '\(tcp:[A-Z|]*(ACK|RST|FIN|PSH)' 'a non-SYN TCP segment'
vm_pass "$(vm_summary)"
