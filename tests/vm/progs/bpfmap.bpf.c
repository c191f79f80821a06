// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The tc program the VM scenario bpf-helpers attaches (clsact ingress on
 * the server's veth) for pwru's --filter-track-bpf-helpers --output-bpfmap
 * to find and trace. For every ICMP packet it counts in the hash map
 * pwru_test_map under the key "pwru" (bytes 70 77 72 75): a lookup, then
 * an update with the count + 1 (so the n-th packet's lookup sees n - 1 and
 * its update writes n, an 8-byte little-endian counter), and it deletes
 * the key "gone" (67 6f 6e 65), which is never there. The verifier turns
 * the lookup into its inlined form around __htab_map_lookup_elem, the
 * update into a direct call of htab_map_update_elem and the delete into
 * htab_map_delete_elem. Every packet passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} pwru_test_map SEC(".maps");

SEC("tc")
int pwru_test_bpfmap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	/* The key's bytes in memory: "pwru" and "gone". */
	__u32 key = 'p' | 'w' << 8 | 'r' << 16 | (__u32)'u' << 24;
	__u32 gone = 'g' | 'o' << 8 | 'n' << 16 | (__u32)'e' << 24;
	__u64 *seen, count = 0;

	if (skb->protocol != __builtin_bswap16(ETH_P_IP) || (void *)(ip + 1) > data_end ||
	    ip->protocol != IPPROTO_ICMP)
		return TC_ACT_OK;
	seen = bpf_map_lookup_elem(&pwru_test_map, &key);
	if (seen)
		count = *seen;
	count++;
	bpf_map_update_elem(&pwru_test_map, &key, &count, BPF_ANY);
	bpf_map_delete_elem(&pwru_test_map, &gone);
	return TC_ACT_OK;
}
