/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Pinned, trimmed kernel types for pwru's BPF programs and for the BPF C
 * filters of plugins (<pwru/bpf/filter.bpf.h> includes it unless a full
 * vmlinux.h came first).
 *
 * Only the fields pwru reads, each marked preserve_access_index so that
 * libbpf relocates every access against the running kernel's BTF (CO-RE).
 * Field names are what CO-RE matches on; offsets here are irrelevant, and
 * fields that live in anonymous unions/structs in the kernel (mark, dev,
 * _skb_refdst, the header offsets) are found there by libbpf. The build
 * never reads the build host's /sys/kernel/btf.
 */
#ifndef PWRU_VMLINUX_H
#define PWRU_VMLINUX_H
/* Tells bpf_tracing.h that struct pt_regs has the kernel's field names. */
#define __VMLINUX_H__

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};

enum {
	BPF_F_FAST_STACK_CMP = 512,  /* (1ULL << 9), bpf_get_stackid() flags */
	BPF_F_REUSE_STACKID = 1024, /* (1ULL << 10) */
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	char name[16];
	int ifindex;
	unsigned int mtu;
	possible_net_t nd_net;
};

struct sock_common {
	possible_net_t skc_net;
};

struct sock {
	struct sock_common __sk_common;
};

struct dst_entry {
	unsigned long _metrics;
	struct net_device *dev;
};

struct sk_buff {
	struct net_device *dev;
	struct sock *sk;
	char cb[48];
	unsigned long _skb_refdst;
	unsigned int len;
	unsigned int data_len;
	__u16 mac_len;
	__u16 hdr_len;
	__u32 priority;
	int skb_iif;
	__u32 hash;
	__u16 vlan_tci;
	__u16 queue_mapping;
	__u32 mark;
	__be16 protocol;
	__u16 transport_header;
	__u16 network_header;
	__u16 mac_header;
	unsigned int tail;
	unsigned int end;
	unsigned char *head;
	unsigned char *data;
};

/* Skb tracking: the two slab caches of skbs are told by their object size. */
struct kmem_cache {
	unsigned int object_size;
};

struct sk_buff_fclones {
	struct sk_buff skb1;
	struct sk_buff skb2;
};

/* --filter-track-skb-by-stackid: the task's kernel stack (its lowest address). */
struct task_struct {
	void *stack;
};

struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

/* x86-64 registers at a kprobe (bpf_tracing.h's PT_REGS_* read these). */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

#pragma clang attribute pop

#endif /* PWRU_VMLINUX_H */
