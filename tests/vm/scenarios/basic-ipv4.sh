# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# basic-ipv4 (cilium/pwru CI #1): iptables DROPs TCP to port 8080 in the server namespace;
# curl from the client; pcap 'dst host S and port 8080'; the SYN shows up on the netfilter
# drop: kfree_skb(SKB_DROP_REASON_NETFILTER_DROP) with the tracepoint backend,
# kfree_skb_reason / sk_skb_reason_drop with the kprobe backends.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
vm_drop_scenario iptables 198.51.100.1 198.51.100.10 'dst host 198.51.100.10 and port 8080'
vm_pass "$(vm_summary)"
