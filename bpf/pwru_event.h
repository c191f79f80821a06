/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Records and constants shared by the kernel program (pwru.bpf.c) and the
 * userspace core (core/). This is the only copy: both sides include it.
 * Every struct has explicit padding and a size checked on both sides.
 */
#ifndef PWRU_EVENT_H
#define PWRU_EVENT_H

#ifdef __bpf__
/* types come from sdk/include/pwru/bpf/pwru_vmlinux.h */
#else
#include <linux/types.h>
#endif

/* Bytes of packet the kernel side copies per hit (filters and tuple read them). */
#define PWRU_PKT_BUF 512
/* Per-CPU packet buffers: one per entry program, so nesting never shares one. */
#define PWRU_PKT_SLOTS 18
/* Slots of the fentry entries on tc and XDP programs (--filter-trace-tc/-xdp). */
#define PWRU_PKT_SLOT_TC 16
#define PWRU_PKT_SLOT_XDP 17

/* Skb tracking maps (bpf/pwru.bpf.c): entries of each LRU hash. The core
 * shrinks them to 1 when tracking is off (LRU maps preallocate). */
#define PWRU_TRACK_SKBS 16384   /* tracked skb addresses */
#define PWRU_TRACK_STACKS 4096  /* stack id <-> skb (by-stackid) */
#define PWRU_TRACK_CLONES 1024  /* skb_clone() calls in flight of tracked skbs */
#define PWRU_TRACK_XDP_BUFS 4096 /* XDP buffers passed on, not yet built into an skb */

/* Markers the splicer (core/bpf/splice.cpp) looks for in stub bodies. */
#define PWRU_SPLICE_MAGIC_PCAP_L2 0x70777275ca9e0002ULL
#define PWRU_SPLICE_MAGIC_PCAP_L3 0x70777275ca9e0003ULL
#define PWRU_SPLICE_MAGIC_TP_COOKIE 0x70777275ca9e0010ULL
/* --filter-trace-tc/-xdp: the probe id of one fentry copy (core/attach/prog_tracer.cpp). */
#define PWRU_SPLICE_MAGIC_PROG_PROBE 0x70777275ca9e0011ULL

/* Raw tracepoint cookie layout (core/attach/tracepoint_backend.cpp builds it). */
#define PWRU_COOKIE_PROBE_MASK 0xffffffffULL
#define PWRU_COOKIE_SKB_POS_SHIFT 32   /* 1..5: position of struct sk_buff * */
#define PWRU_COOKIE_REASON_POS_SHIFT 36 /* 0 or 1..5: position of the drop reason */
/* Skb tracking: the skb's life ends at this probe (skb:kfree_skb,
 * skb:consume_skb): after its event, the skb is no longer tracked. */
#define PWRU_COOKIE_UNTRACK (1ULL << 40)

/* pwru_kevent.flags */
#define PWRU_KEV_META (1u << 0)
#define PWRU_KEV_TUPLE (1u << 1)
#define PWRU_KEV_REASON (1u << 2)
#define PWRU_KEV_L2 (1u << 3)   /* packet bytes start at the MAC header */
#define PWRU_KEV_PACKET (1u << 4) /* caplen packet bytes follow the record */
#define PWRU_KEV_CALLER (1u << 5) /* caller holds the return address */
#define PWRU_KEV_STACK (1u << 6)  /* stack_bytes of return addresses follow (see below) */
#define PWRU_KEV_BPFMAP (1u << 7) /* a struct pwru_kbpfmap region ends the record */

/*
 * --output-stack: up to PWRU_STACK_DEPTH kernel return addresses, copied into
 * the record itself with bpf_get_stack(). Not a BPF_MAP_TYPE_STACK_TRACE id:
 * such a map keeps one stack per hash bucket, and a later, different stack
 * landing in the same bucket replaces it before the reader has looked the id
 * up, so an event would be printed with another event's stack (seen in the
 * VM: __dev_forward_skb2 with a drop's stack). cilium/pwru has that race.
 *
 * Record layout: struct pwru_kevent, then PWRU_PKT_BUF packet bytes if the
 * program was loaded with output_packet, then PWRU_STACK_BYTES of stack if
 * loaded with output_stack (regions are fixed-size; caplen / stack_bytes say
 * how much of each is valid).
 */
#define PWRU_STACK_DEPTH 50
#define PWRU_STACK_BYTES (PWRU_STACK_DEPTH * 8)

/* Kernel-side configuration, in .rodata: fixed before load, so disabled
 * features are dead code the verifier removes. */
struct pwru_bpf_config {
	__u32 mark;
	__u32 mark_mask;
	__u32 netns;
	__u32 ifindex;
	__u8 filter_mark;
	__u8 filter_netns;
	__u8 filter_ifindex;
	__u8 filter_pcap;     /* splice slots hold a real filter */
	__u8 output_meta;
	__u8 output_tuple;
	__u8 output_packet;   /* append captured bytes to each event */
	__u8 output_caller;   /* kprobe backends: the return address at entry */
	__u32 snaplen;        /* output_packet: caplen cap and bytes copied, 1..PWRU_PKT_BUF */
	__u8 output_stack;    /* the kernel stack in each event (PWRU_STACK_BYTES region) */
	__u8 track;           /* skb tracking: PWRU_TRACK_SKB | PWRU_TRACK_STACK (one byte: one gate) */
	__u8 stack_shift;     /* PWRU_TRACK_STACK: log2 of the kernel's THREAD_SIZE (14, 15 with KASAN) */
	__u8 pad1;
	/* A plugin's BPF C filter is linked in (pwru_bpf_filter): call it with
	 * these arguments (plugin ABI 1.3, pwru_bpf_object_v1). */
	__u8 filter_bpf;
	__u8 pad2[7];
	__u64 bpf_filter_args[4];
};

/* pwru_bpf_config.track */
#define PWRU_TRACK_SKB (1u << 0)   /* --filter-track-skb: follow a matched skb by its address */
#define PWRU_TRACK_STACK (1u << 1) /* --filter-track-skb-by-stackid: and by the stack it runs on */
/* --filter-track-skb with --filter-trace-xdp: an XDP buffer that matched and
 * was passed on (XDP_PASS, XDP_REDIRECT) is followed into the skb built
 * from it (skb->head == the buffer's data_hard_start). */
#define PWRU_TRACK_XDP (1u << 2)

struct pwru_ktuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;    /* host order */
	__u16 dport;    /* host order */
	__u16 l3_proto; /* 0x0800 / 0x86dd / 0 */
	__u8 l4_proto;
	__u8 tcp_flags;
};

/* One ring buffer record (optionally followed by packet and stack regions,
 * see PWRU_STACK_BYTES). */
struct pwru_kevent {
	__u64 ts;        /* bpf_ktime_get_ns() */
	__u64 skb;
	__u64 ip;        /* probed function address; 0 for tracepoints */
	__u64 caller;
	__u64 reason;    /* drop reason argument when PWRU_KEV_REASON */
	__u32 probe_id;  /* index into the core's probe table */
	__u32 flags;     /* PWRU_KEV_* */
	__u32 pid;
	__u32 cpu;
	__u32 netns;
	__u32 mark;
	__u32 ifindex;
	__u32 len;
	__u32 mtu;
	__u16 protocol;  /* host order */
	__u16 pad0;
	struct pwru_ktuple tuple;
	char comm[16];
	__u32 caplen;    /* packet bytes copied (and appended if PWRU_KEV_PACKET) */
	__u32 wirelen;   /* packet length from the header the bytes start at */
	__u32 stack_bytes; /* PWRU_KEV_STACK: valid bytes of the stack region */
	__u32 pad1;
};

#ifndef __bpf__
#ifdef __cplusplus
static_assert(sizeof(struct pwru_ktuple) == 40, "pwru_ktuple layout");
static_assert(sizeof(struct pwru_kevent) == 152, "pwru_kevent layout");
static_assert(sizeof(struct pwru_bpf_config) == 72, "pwru_bpf_config layout");
#endif
#else
_Static_assert(sizeof(struct pwru_ktuple) == 40, "pwru_ktuple layout");
_Static_assert(sizeof(struct pwru_kevent) == 152, "pwru_kevent layout");
_Static_assert(sizeof(struct pwru_bpf_config) == 72, "pwru_bpf_config layout");
#endif

/*
 * Output flags of issue 8 (--output-skb, --output-skb-shared-info,
 * --output-skb-cb, --output-skb-metadata, --filter-skb-expr,
 * --output-tunnel, --filter-tunnel-pcap-l2/-l3, --output-xdp-metadata,
 * --filter-xdp-expr). Kept apart from
 * pwru_bpf_config (their own rodata variable OCFG, their own record region)
 * so that the features stay independent of the core's.
 */
#define PWRU_SPLICE_MAGIC_TUNNEL_L2 0x70777275ca9e0004ULL
#define PWRU_SPLICE_MAGIC_TUNNEL_L3 0x70777275ca9e0005ULL

/* bpf_snprintf_btf() text of struct sk_buff / struct skb_shared_info: one
 * fixed region each (cilium/pwru's PRINT_SKB_STR_SIZE is 4096 - 4). */
#define PWRU_BTF_TEXT 4096
#define PWRU_SKB_METADATA_MAX 4
/* Pointer hops of one skb expression (skb->a->b->c is 2 hops before the
 * last field). */
#define PWRU_EXPR_MAX_HOPS 7

/* pwru_kexpr.op (--filter-skb-expr) */
#define PWRU_EXPR_EQ 1
#define PWRU_EXPR_NE 2
#define PWRU_EXPR_LT 3
#define PWRU_EXPR_LE 4
#define PWRU_EXPR_GT 5
#define PWRU_EXPR_GE 6

/*
 * One skb field path, resolved against the kernel's BTF by the core
 * (core/kernel/skb_expr.cpp): addr = skb; for i < nhops: addr = *(u64 *)
 * (addr + hop[i]) (a NULL pointer ends it: the value is 0 and a filter
 * rejects); then `size` bytes at addr + off, shifted right by bit_shift and
 * cut to bit_size bits (bitfields; bit_size 0 = the whole value).
 */
struct pwru_kexpr {
	__u32 hop[PWRU_EXPR_MAX_HOPS];
	__u32 off;
	__u8 nhops;
	__u8 size;      /* 1..8 */
	__u8 bit_shift;
	__u8 bit_size;  /* 0 = not a bitfield */
	__u8 op;        /* PWRU_EXPR_*, filters only */
	__u8 is_signed; /* compare as signed (sign-extended) */
	__u8 pad[2];
	__u64 value;    /* the constant a filter compares with */
};

struct pwru_outflags_config {
	__u8 filter_skb_expr;
	__u8 output_skb_cb;
	__u8 output_tunnel;
	__u8 filter_tunnel;   /* the tunnel splice slots hold a real filter */
	__u8 output_skb_btf;
	__u8 output_shinfo_btf;
	__u8 nmetadata;       /* 0..PWRU_SKB_METADATA_MAX */
	__u8 pad;
	struct pwru_kexpr skb_expr;
	struct pwru_kexpr metadata[PWRU_SKB_METADATA_MAX];
	/* --filter-xdp-expr / --output-xdp-metadata: the same steps from a
	 * struct xdp_buff * (XDP events of --filter-trace-xdp only). The xdp
	 * values go into pwru_kext.metadata of XDP events. */
	__u8 filter_xdp_expr;
	__u8 nxdp_metadata;   /* 0..PWRU_SKB_METADATA_MAX */
	__u8 pad2[6];
	struct pwru_kexpr xdp_expr;
	struct pwru_kexpr xdp_metadata[PWRU_SKB_METADATA_MAX];
};

/* pwru_kext.flags */
#define PWRU_KEXT_CB (1u << 0)
#define PWRU_KEXT_TUNNEL (1u << 1)
#define PWRU_KEXT_METADATA (1u << 2)
#define PWRU_KEXT_SKB_BTF (1u << 3)
#define PWRU_KEXT_SHINFO_BTF (1u << 4)

/*
 * The output-flags region: after the packet and stack regions, present when
 * any of these outputs is on (pwru_outflags_has_ext()), then PWRU_BTF_TEXT
 * bytes of sk_buff text if output_skb_btf, then PWRU_BTF_TEXT of
 * skb_shared_info text if output_shinfo_btf.
 */
struct pwru_kext {
	__u32 flags;     /* PWRU_KEXT_* */
	__u32 cb[5];     /* qdisc_skb_cb data (__sk_buff->cb[0..4]) */
	/* skb events: the skb metadata values; XDP events: the xdp ones */
	__u64 metadata[PWRU_SKB_METADATA_MAX];
	struct pwru_ktuple tunnel; /* inner tuple (head + inner_network_header) */
	__s32 skb_btf_len;    /* bpf_snprintf_btf() result */
	__s32 shinfo_btf_len;
};

#define PWRU_OUTFLAGS_HAS_EXT(c)                                                                 \
	((c)->output_skb_cb || (c)->output_tunnel || (c)->nmetadata || (c)->output_skb_btf || \
	 (c)->output_shinfo_btf || (c)->nxdp_metadata)
#define PWRU_OUTFLAGS_BYTES(c)                                                                   \
	((PWRU_OUTFLAGS_HAS_EXT(c) ? sizeof(struct pwru_kext) : 0) +                               \
	 ((c)->output_skb_btf ? PWRU_BTF_TEXT : 0) + ((c)->output_shinfo_btf ? PWRU_BTF_TEXT : 0))

#ifndef __bpf__
#ifdef __cplusplus
static_assert(sizeof(struct pwru_kexpr) == 48, "pwru_kexpr layout");
static_assert(sizeof(struct pwru_outflags_config) == 496, "pwru_outflags_config layout");
static_assert(sizeof(struct pwru_kext) == 104, "pwru_kext layout");
#endif
#else
_Static_assert(sizeof(struct pwru_kexpr) == 48, "pwru_kexpr layout");
_Static_assert(sizeof(struct pwru_outflags_config) == 496, "pwru_outflags_config layout");
_Static_assert(sizeof(struct pwru_kext) == 104, "pwru_kext layout");
#endif

/*
 * --output-bpfmap (bpf/pwru_bpfmap.bpf.h): BPF map operations traced as
 * non-skb funcs. The op comes from the probe's cookie (the core tells
 * the functions apart by their BTF, core/kernel/bpfmap_funcs.cpp).
 */
#define PWRU_COOKIE_BPFMAP_SHIFT 44 /* 4 bits: PWRU_BPFMAP_OP_* (0 = not a map op) */
#define PWRU_BPFMAP_OP_UPDATE 1      /* (map, key, value, ...) */
#define PWRU_BPFMAP_OP_DELETE 2      /* (map, key) */
#define PWRU_BPFMAP_OP_LOOKUP 3      /* (map, key) -> value */
#define PWRU_BPFMAP_OP_LOOKUP_HTAB 4 /* (map, key) -> struct htab_elem * (__htab_map_lookup_elem) */

/* Bytes of key and of value recorded (cilium/pwru's truncation). */
#define PWRU_BPFMAP_DATA 256
/* Lookups in flight (entry seen, return not yet), by stack id. */
#define PWRU_BPFMAP_STASH 1024

/* pwru_kbpfmap.flags */
#define PWRU_KBPFMAP_KEY (1u << 0)
#define PWRU_KBPFMAP_VALUE (1u << 1)

/*
 * The bpfmap region: the last region of a record that has PWRU_KEV_BPFMAP
 * (after the packet, stack and output-flags regions). Only the map-op
 * programs reserve it, so no other event pays for its size.
 */
struct pwru_kbpfmap {
	__u32 map_id;
	__u32 key_size;   /* the map's, not truncated */
	__u32 value_size; /* the map's, not truncated */
	__u32 flags;      /* PWRU_KBPFMAP_*: which of key / value were read */
	char map_name[16];
	__u8 key[PWRU_BPFMAP_DATA];
	__u8 value[PWRU_BPFMAP_DATA];
};

#ifndef __bpf__
#ifdef __cplusplus
static_assert(sizeof(struct pwru_kbpfmap) == 544, "pwru_kbpfmap layout");
#endif
#else
_Static_assert(sizeof(struct pwru_kbpfmap) == 544, "pwru_kbpfmap layout");
#endif

#endif /* PWRU_EVENT_H */
