// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The tc and XDP programs the VM scenario filter-trace-tc-xdp attaches
 * (tc clsact ingress and XDP on the server's veth) for pwru's
 * --filter-trace-tc / --filter-trace-xdp to trace. Built with BTF (-g):
 * fentry on a BPF program needs the program's BTF. All pass every packet.
 * pwru_test_tc (filter pref 1) sets skb->mark 0x7c on IPv4 packets, so
 * that the scenario can tell the kernel functions after it (mark 7c) from
 * those before it, writes two known words into __sk_buff->cb[] and hands
 * the packet on to the next filter; pwru_test_tc_cb (pref 2) comes next
 * and lets it through, and its (tc) event (taken before it runs) shows
 * those words in pwru's cb column.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* The words pwru_test_tc leaves in cb[0] and cb[4]; the scenario looks for
 * them (as 0x%08X) in the cb column of pwru_test_tc_cb's events. */
#define PWRU_TEST_CB0 0x7c7c0001
#define PWRU_TEST_CB4 0x7c7c0005

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int pwru_test_tc(struct __sk_buff *skb)
{
	/* A mark the scenario can see in pwru's MARK column afterwards. */
	if (skb->protocol == __builtin_bswap16(0x0800)) {
		skb->mark = 0x7c;
		skb->cb[0] = PWRU_TEST_CB0;
		skb->cb[4] = PWRU_TEST_CB4;
	}
	/* No verdict: cls_bpf goes on with the next filter (pwru_test_tc_cb). */
	return TC_ACT_UNSPEC;
}

/* "classifier": libbpf's other tc section name, so that tc can pick this
 * program by section (tc filter ... bpf obj FILE sec classifier). */
SEC("classifier")
int pwru_test_tc_cb(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("xdp")
int pwru_test_xdp(struct xdp_md *ctx)
{
	return ctx->data_end > ctx->data ? XDP_PASS : XDP_DROP;
}
