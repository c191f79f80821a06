/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Records and constants shared by the kernel program (pwru.bpf.c) and the
 * userspace core (core/). This is the only copy: both sides include it.
 * Every struct has explicit padding and a size checked on both sides.
 */
#ifndef PWRU_EVENT_H
#define PWRU_EVENT_H

#ifdef __bpf__
/* types come from include/pwru_vmlinux.h */
#else
#include <linux/types.h>
#endif

/* Bytes of packet the kernel side copies per hit (filters and tuple read them). */
#define PWRU_PKT_BUF 512
/* Per-CPU packet buffers: one per entry program, so nesting never shares one. */
#define PWRU_PKT_SLOTS 16

/* Skb tracking maps (bpf/pwru.bpf.c): entries of each LRU hash. The core
 * shrinks them to 1 when tracking is off (LRU maps preallocate). */
#define PWRU_TRACK_SKBS 16384   /* tracked skb addresses */
#define PWRU_TRACK_STACKS 4096  /* stack id <-> skb (by-stackid) */
#define PWRU_TRACK_CLONES 1024  /* skb_clone() calls in flight of tracked skbs */

/* Markers the splicer (core/bpf/splice.cpp) looks for in stub bodies. */
#define PWRU_SPLICE_MAGIC_PCAP_L2 0x70777275ca9e0002ULL
#define PWRU_SPLICE_MAGIC_PCAP_L3 0x70777275ca9e0003ULL
#define PWRU_SPLICE_MAGIC_TP_COOKIE 0x70777275ca9e0010ULL

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
};

/* pwru_bpf_config.track */
#define PWRU_TRACK_SKB (1u << 0)   /* --filter-track-skb: follow a matched skb by its address */
#define PWRU_TRACK_STACK (1u << 1) /* --filter-track-skb-by-stackid: and by the stack it runs on */

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
static_assert(sizeof(struct pwru_bpf_config) == 32, "pwru_bpf_config layout");
#endif
#else
_Static_assert(sizeof(struct pwru_ktuple) == 40, "pwru_ktuple layout");
_Static_assert(sizeof(struct pwru_kevent) == 152, "pwru_kevent layout");
_Static_assert(sizeof(struct pwru_bpf_config) == 32, "pwru_bpf_config layout");
#endif

#endif /* PWRU_EVENT_H */
