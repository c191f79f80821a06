/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Output flags (issue 8), included by pwru.bpf.c after its helpers:
 *   --filter-skb-expr / --output-skb-metadata (and their xdp forms,
 *     --filter-xdp-expr / --output-xdp-metadata): field paths, resolved by
 *     the core against the kernel's BTF into (hop offsets, final offset,
 *     size, bitfield) steps in rodata and walked here by a loop the compiler
 *     unrolls; the steps are rodata constants, so the verifier sees constant
 *     offsets and sizes and drops the hops an expression does not use.
 *   --output-skb / --output-skb-shared-info: bpf_snprintf_btf() straight
 *     into the event's ring buffer record (no side map, no id handoff).
 *   --output-skb-cb: the 20 bytes of qdisc_skb_cb data.
 *   --output-tunnel, --filter-tunnel-pcap-l2/-l3: the inner packet at
 *     head + inner_mac_header / inner_network_header, copied into its own
 *     per-CPU buffer and run through two more splice slots.
 * Everything hangs off OCFG (const volatile rodata): with every flag off,
 * each entry point below is dead code the verifier removes.
 */
#ifndef PWRU_OUTFLAGS_BPF_H
#define PWRU_OUTFLAGS_BPF_H

const volatile struct pwru_outflags_config OCFG = {};

/* Kernel types only these features read; CO-RE flavours (the ___pwru
 * suffix is ignored when matching) keep pwru_vmlinux.h untouched. */
struct sk_buff___pwru {
	__u16 inner_network_header;
	__u16 inner_mac_header;
} __attribute__((preserve_access_index));

struct qdisc_skb_cb {
	unsigned char data[20];
} __attribute__((preserve_access_index));

struct skb_shared_info {
	__u8 nr_frags;
} __attribute__((preserve_access_index));

/* uapi struct btf_ptr (bpf_snprintf_btf's argument). */
struct btf_ptr {
	void *ptr;
	__u32 type_id;
	__u32 flags;
};

/* The inner (tunnelled) packet's bytes, one slot per entry program as for
 * pwru_pkt. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PWRU_PKT_SLOTS);
	__type(key, __u32);
	__type(value, struct pwru_pkt);
} pwru_inner_pkt SEC(".maps");

/* Tunnel filter slots: same calling convention as pwru_pcap_l2/l3. */
static __noinline int pwru_pcap_tunnel_l2(const void *buf, __u32 caplen, __u32 wirelen)
{
	__u64 ret;

	asm volatile("%[ret] = %[magic] ll"
		     : [ret] "=r"(ret)
		     : [magic] "i"(PWRU_SPLICE_MAGIC_TUNNEL_L2), "r"(buf), "r"(caplen), "r"(wirelen));
	return (int)ret;
}

static __noinline int pwru_pcap_tunnel_l3(const void *buf, __u32 caplen, __u32 wirelen)
{
	__u64 ret;

	asm volatile("%[ret] = %[magic] ll"
		     : [ret] "=r"(ret)
		     : [magic] "i"(PWRU_SPLICE_MAGIC_TUNNEL_L3), "r"(buf), "r"(caplen), "r"(wirelen));
	return (int)ret;
}

/* Evaluates one field path (see struct pwru_kexpr) from `root` (the
 * struct sk_buff * or struct xdp_buff * as a number). False when a pointer
 * on the way is NULL or unreadable. */
static __always_inline bool pwru_expr_value(__u64 root, const volatile struct pwru_kexpr *x, __u64 *out)
{
	__u64 addr = root;
	__u64 v = 0;
	__u32 size = x->size;

#pragma unroll
	for (int i = 0; i < PWRU_EXPR_MAX_HOPS; i++) {
		if (i >= x->nhops)
			break;
		if (bpf_probe_read_kernel(&addr, sizeof(addr), (void *)(addr + x->hop[i])) || !addr)
			return false;
	}
	if (size == 0 || size > 8)
		return false;
	if (bpf_probe_read_kernel(&v, size, (void *)(addr + x->off)))
		return false;
	if (x->bit_size) {
		v >>= x->bit_shift;
		if (x->bit_size < 64)
			v &= (1ULL << x->bit_size) - 1;
	}
	*out = v;
	return true;
}

/* `path OP CONSTANT` from `root`: false when it does not hold (or a
 * pointer on the way is NULL). */
static __always_inline bool pwru_expr_holds(__u64 root, const volatile struct pwru_kexpr *x)
{
	__u64 v = 0;
	__u64 c = x->value;

	if (!pwru_expr_value(root, x, &v))
		return false;
	if (x->is_signed) {
		/* Sign-extend from the field's width. */
		__u32 bits = x->bit_size ? x->bit_size : x->size * 8;
		__s64 sv = bits < 64 ? ((__s64)(v << (64 - bits))) >> (64 - bits) : (__s64)v;
		__s64 sc = (__s64)c;

		switch (x->op) {
		case PWRU_EXPR_EQ: return sv == sc;
		case PWRU_EXPR_NE: return sv != sc;
		case PWRU_EXPR_LT: return sv < sc;
		case PWRU_EXPR_LE: return sv <= sc;
		case PWRU_EXPR_GT: return sv > sc;
		case PWRU_EXPR_GE: return sv >= sc;
		}
		return false;
	}
	switch (x->op) {
	case PWRU_EXPR_EQ: return v == c;
	case PWRU_EXPR_NE: return v != c;
	case PWRU_EXPR_LT: return v < c;
	case PWRU_EXPR_LE: return v <= c;
	case PWRU_EXPR_GT: return v > c;
	case PWRU_EXPR_GE: return v >= c;
	}
	return false;
}

/* --filter-skb-expr: false rejects the packet. */
static __always_inline bool pwru_outflags_filter(struct sk_buff *skb)
{
	if (!OCFG.filter_skb_expr)
		return true;
	return pwru_expr_holds((__u64)skb, &OCFG.skb_expr);
}

/* --filter-xdp-expr: false rejects the XDP buffer. */
static __always_inline bool pwru_outflags_filter_xdp(const void *xdp)
{
	if (!OCFG.filter_xdp_expr)
		return true;
	return pwru_expr_holds((__u64)xdp, &OCFG.xdp_expr);
}

/* Copies the linear bytes from head + start into pkt; returns caplen and
 * sets *wire (the packet's length from that header). */
static __always_inline __u32 pwru_copy_from(const struct skb_layout *l, __u32 start, struct pwru_pkt *pkt,
					    __u32 *wire)
{
	__u32 data_off = l->data - l->head;
	__s64 w = (__s64)l->len + (__s64)data_off - (__s64)start;
	__s64 avail = (__s64)l->tail - (__s64)start;
	__u32 n;

	if (w < 0)
		w = 0;
	if (avail < 0)
		avail = 0;
	if (avail > w)
		avail = w;
	if (avail > PWRU_PKT_BUF)
		avail = PWRU_PKT_BUF;
	n = avail;
	*wire = w;
	asm volatile("%[n] &= 0x3ff" : [n] "+r"(n));
	if (n > PWRU_PKT_BUF)
		return 0;
	if (bpf_probe_read_kernel(pkt->data, n, l->head + start))
		return 0;
	return n;
}

/* The inner headers, 0 when the skb is not a tunnel packet. */
static __always_inline void pwru_inner_headers(struct sk_buff *skb, __u16 *mac, __u16 *nh)
{
	struct sk_buff___pwru *s = (void *)skb;

	*nh = BPF_CORE_READ(s, inner_network_header);
	*mac = BPF_CORE_READ(s, inner_mac_header);
}

/*
 * --filter-tunnel-pcap-l2/-l3 (cilium/pwru's filter_pcap_tunnel_l2): a
 * packet without inner headers passes; otherwise the inner Ethernet header
 * must match the L2 slot and the inner IP header the L3 slot (a slot the
 * user left empty accepts). *inner_l3 tells whether the inner buffer holds
 * the bytes from the inner network header on return (the tunnel tuple
 * reuses them).
 */
static __always_inline bool pwru_tunnel_filter(struct sk_buff *skb, __u32 slot, bool *inner_l3,
					       __u32 *inner_caplen)
{
	struct skb_layout l = {};
	struct pwru_pkt *pkt;
	__u16 mac = 0, nh = 0;
	__u32 caplen, wire = 0;

	*inner_l3 = false;
	if (!OCFG.filter_tunnel)
		return true;
	pwru_inner_headers(skb, &mac, &nh);
	if (nh == 0)
		return true;
	pkt = bpf_map_lookup_elem(&pwru_inner_pkt, &slot);
	if (!pkt)
		return false;
	read_layout(skb, &l);
	caplen = pwru_copy_from(&l, mac, pkt, &wire);
	if (!pwru_pcap_tunnel_l2(pkt->data, caplen, wire))
		return false;
	caplen = pwru_copy_from(&l, nh, pkt, &wire);
	if (!pwru_pcap_tunnel_l3(pkt->data, caplen, wire))
		return false;
	*inner_l3 = true;
	*inner_caplen = caplen;
	return true;
}

/* Bytes of the output-flags regions after the core's (constant per load). */
static __always_inline __u32 pwru_outflags_bytes(void)
{
	return PWRU_OUTFLAGS_BYTES(&OCFG);
}

/* Fills the output-flags region at `ext` (PWRU_OUTFLAGS_BYTES of ring
 * buffer record). */
static __always_inline void pwru_outflags_fill(struct sk_buff *skb, __u32 slot, struct pwru_kext *x,
					       bool inner_l3, __u32 inner_caplen)
{
	if (!PWRU_OUTFLAGS_HAS_EXT(&OCFG))
		return;
	__builtin_memset(x, 0, sizeof(*x));
	if (OCFG.output_skb_cb) {
		const __u32 off = bpf_core_field_offset(struct sk_buff, cb) +
				  bpf_core_field_offset(struct qdisc_skb_cb, data);

		if (!bpf_probe_read_kernel(x->cb, sizeof(x->cb), (void *)skb + off))
			x->flags |= PWRU_KEXT_CB;
	}
	if (OCFG.nmetadata) {
#pragma unroll
		for (int i = 0; i < PWRU_SKB_METADATA_MAX; i++) {
			if (i >= OCFG.nmetadata)
				break;
			/* A NULL pointer on the way leaves the value 0. */
			pwru_expr_value((__u64)skb, &OCFG.metadata[i], &x->metadata[i]);
		}
		x->flags |= PWRU_KEXT_METADATA;
	}
	if (OCFG.output_tunnel) {
		struct pwru_pkt *pkt = bpf_map_lookup_elem(&pwru_inner_pkt, &slot);
		__u16 mac = 0, nh = 0;

		if (pkt) {
			if (!inner_l3) {
				pwru_inner_headers(skb, &mac, &nh);
				if (nh != 0) {
					struct skb_layout l = {};
					__u32 wire = 0;

					read_layout(skb, &l);
					inner_caplen = pwru_copy_from(&l, nh, pkt, &wire);
					inner_l3 = true;
				}
			}
			if (inner_l3) {
				struct pwru_cap cap = {.caplen = inner_caplen, .l2 = false};

				parse_tuple(pkt, &cap, &x->tunnel);
			}
		}
		x->flags |= PWRU_KEXT_TUNNEL;
	}
	if (OCFG.output_skb_btf) {
		struct btf_ptr p = {.ptr = skb, .type_id = bpf_core_type_id_kernel(struct sk_buff)};

		x->skb_btf_len = bpf_snprintf_btf((char *)(x + 1), PWRU_BTF_TEXT, &p, sizeof(p), 0);
		x->flags |= PWRU_KEXT_SKB_BTF;
	}
	if (OCFG.output_shinfo_btf) {
		unsigned char *head = BPF_CORE_READ(skb, head);
		__u32 end = BPF_CORE_READ(skb, end);
		struct btf_ptr p = {.ptr = head + end,
				    .type_id = bpf_core_type_id_kernel(struct skb_shared_info)};
		char *text = (char *)(x + 1) + (OCFG.output_skb_btf ? PWRU_BTF_TEXT : 0);

		x->shinfo_btf_len = bpf_snprintf_btf(text, PWRU_BTF_TEXT, &p, sizeof(p), 0);
		x->flags |= PWRU_KEXT_SHINFO_BTF;
	}
}

/* The output-flags region of an XDP event (handle_xdp): the same layout
 * as an skb event's, but an XDP buffer has no skb fields, so no skb flag
 * is set and nothing skb-related is printed for it; the metadata slots
 * hold the --output-xdp-metadata values. */
static __always_inline void pwru_outflags_fill_xdp(const void *xdp, struct pwru_kext *x)
{
	if (!PWRU_OUTFLAGS_HAS_EXT(&OCFG))
		return;
	__builtin_memset(x, 0, sizeof(*x));
	if (OCFG.nxdp_metadata) {
#pragma unroll
		for (int i = 0; i < PWRU_SKB_METADATA_MAX; i++) {
			if (i >= OCFG.nxdp_metadata)
				break;
			/* A NULL pointer on the way leaves the value 0. */
			pwru_expr_value((__u64)xdp, &OCFG.xdp_metadata[i], &x->metadata[i]);
		}
		x->flags |= PWRU_KEXT_METADATA;
	}
}

#endif /* PWRU_OUTFLAGS_BPF_H */
