// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The tc and XDP programs the VM scenario filter-trace-tc-xdp attaches
 * (tc clsact ingress and XDP on the server's veth) for pwru's
 * --filter-trace-tc / --filter-trace-xdp to trace. Built with BTF (-g):
 * fentry on a BPF program needs the program's BTF. Both pass every packet;
 * the tc one sets skb->mark 0x7c on IPv4 packets, so that the scenario can
 * tell the kernel functions after it (mark 7c) from those before it.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int pwru_test_tc(struct __sk_buff *skb)
{
	/* A mark the scenario can see in pwru's MARK column afterwards. */
	if (skb->protocol == __builtin_bswap16(0x0800))
		skb->mark = 0x7c;
	return TC_ACT_OK;
}

SEC("xdp")
int pwru_test_xdp(struct xdp_md *ctx)
{
	return ctx->data_end > ctx->data ? XDP_PASS : XDP_DROP;
}
