# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# backend-auto: with --backend auto (the default) pwru picks kprobe-multi, else kprobe, else
# tracepoint, and says which in one notice line ("using the X backend (why)").
# VM_EXPECT_ARG (expect.txt) is the backend this kernel must get: kprobe-multi on 6.12,
# kprobe on 6.1 (no fprobe there: the fallback). vm_pwru_start checks the notice; then
# basic-ipv4 must work with that choice.
. /vm/lib.sh
[ -n "$VM_EXPECT_ARG" ] || vm_fail "expect.txt gives no backend for backend-auto"
vm_topology 198.51.100.1 198.51.100.10
vm_drop_scenario iptables 198.51.100.1 198.51.100.10 'dst host 198.51.100.10 and port 8080'
vm_pass "$(vm_summary "$VM_NOTICE")"
