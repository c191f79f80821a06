// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * skb-len's in-kernel test: keep a packet when min <= skb->len <= max.
 * args[0] and args[1] are min and max (skb_len_filter.cpp sets them from
 * the plugin's TOML keys). skb->len is the bytes of data in the skb at the
 * probe point (the layer it is at there, e.g. IP header and payload on the
 * way down before the Ethernet header is pushed).
 */
#include <pwru/bpf/filter.bpf.h>

PWRU_BPF_FILTER(skb, args)
{
	__u32 len = BPF_CORE_READ(skb, len);

	return len >= args[0] && len <= args[1];
}
