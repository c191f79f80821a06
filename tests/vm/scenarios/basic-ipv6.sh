# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# basic-ipv6 (cilium/pwru CI #2): basic-ipv4 over IPv6 with ip6tables; the tuple is
# bracketed: [2001:db8::1]:PORT->[2001:db8::10]:8080(tcp).
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10 2001:db8::1 2001:db8::10
vm_drop_scenario ip6tables 2001:db8::1 2001:db8::10 'dst host 2001:db8::10 and port 8080'
vm_pass "$(vm_summary)"
