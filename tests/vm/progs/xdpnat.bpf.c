// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The XDP program of the VM scenario xdp-track: a one-rule destination NAT
 * in XDP. IPv4 ICMP to 198.51.100.10 is rewritten to 203.0.113.10 (another
 * address of the same namespace) before the stack builds its skb, so a
 * pcap filter on the original destination only matches the XDP buffer:
 * what pwru shows of the packet after the program depends on following the
 * buffer into its skb (--filter-track-skb with --filter-trace-xdp). Built
 * with BTF (-g): fentry/fexit on a BPF program needs the program's BTF.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NAT_FROM 0xc633640a /* 198.51.100.10 */
#define NAT_TO 0xcb00710a   /* 203.0.113.10 */

SEC("xdp")
int pwru_test_xdp_nat(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0;

	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_ICMP ||
	    ip->daddr != bpf_htonl(NAT_FROM))
		return XDP_PASS;
	ip->daddr = bpf_htonl(NAT_TO);
	/* ICMP's checksum does not cover the addresses; the IP header's does:
	 * recompute it over the 20 bytes. */
	ip->check = 0;
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = (__u16)~sum;
	return XDP_PASS;
}
