# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# kprobe-multi-basic (cilium/pwru CI #10): basic-ipv4 with --backend kprobe-multi (the
# runner passes the backend; expect.txt lists this scenario for kprobe-multi only).
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
vm_drop_scenario iptables 198.51.100.1 198.51.100.10 'dst host 198.51.100.10 and port 8080'
vm_pass "$(vm_summary)"
