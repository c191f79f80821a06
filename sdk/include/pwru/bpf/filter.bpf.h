/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * In-kernel filter code for pwru plugins, written in BPF C (plugin ABI 1.3).
 *
 *   #include <pwru/bpf/filter.bpf.h>
 *
 *   PWRU_BPF_FILTER(skb, args)
 *   {
 *           __u32 len = BPF_CORE_READ(skb, len);
 *
 *           return len >= args[0] && len <= args[1];
 *   }
 *
 * pwru_add_plugin(NAME ... KIND filter SOURCES ... BPF_SOURCES this.bpf.c)
 * compiles the file with clang -target bpf and embeds the object in the
 * plugin; the plugin hands it to pwru in its filter spec
 * (pwru::sdk::BpfFilterObject), with up to four 64-bit arguments (args[0..3],
 * e.g. values from the plugin's TOML keys). pwru links the object into its
 * kernel program with libbpf's static linker and calls the filter for every
 * packet that passed the cheaper metadata filters: return nonzero to keep
 * the packet. It works on every backend (tracepoint, kprobe, kprobe-multi)
 * and needs no freplace support from the kernel.
 *
 * Rules (the kernel verifies the function on its own, as a global function):
 *  - skb points to kernel memory: read it with BPF_CORE_READ /
 *    bpf_probe_read_kernel, never dereference it directly;
 *  - helpers allowed in tracing programs only; your own maps and global
 *    variables are fine;
 *  - no BPF programs (SEC("kprobe/...") and the like) in the object.
 *
 * Types: a trimmed CO-RE struct sk_buff (<pwru/bpf/pwru_vmlinux.h>) is
 * included unless a full vmlinux.h (bpftool btf dump file
 * /sys/kernel/btf/vmlinux format c) was included first.
 */
#ifndef PWRU_BPF_FILTER_BPF_H
#define PWRU_BPF_FILTER_BPF_H

#ifndef __VMLINUX_H__
#include <pwru/bpf/pwru_vmlinux.h>
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* Number of arguments (twin of PWRU_BPF_FILTER_NARGS in <pwru/plugin.h>). */
#define PWRU_BPF_NARGS 4

/*
 * The symbol pwru links against. Its signature is part of the plugin ABI
 * (scalars only: a global function's arguments are all the verifier knows
 * about when it checks the function on its own). pwru's program has a weak
 * default that keeps every packet; the plugin's definition replaces it.
 */
int pwru_bpf_filter(__u64 skb, __u64 a0, __u64 a1, __u64 a2, __u64 a3);

/*
 * PWRU_BPF_FILTER(skb, args) { ... }: defines pwru_bpf_filter with the body
 * that follows, where `skb` is a struct sk_buff * and `args` a const __u64
 * array of PWRU_BPF_NARGS values.
 */
#define PWRU_BPF_FILTER(skb, args)                                                         \
	static __always_inline int ____pwru_bpf_filter(struct sk_buff *skb,               \
						       const __u64 *args);                \
	__attribute__((noinline)) int pwru_bpf_filter(__u64 skb_addr_, __u64 a0_, __u64 a1_, \
						      __u64 a2_, __u64 a3_)               \
	{                                                                                  \
		const __u64 args_[PWRU_BPF_NARGS] = {a0_, a1_, a2_, a3_};                  \
                                                                                           \
		return ____pwru_bpf_filter((struct sk_buff *)skb_addr_, args_) != 0;       \
	}                                                                                  \
	static __always_inline int ____pwru_bpf_filter(struct sk_buff *skb, const __u64 *args)

#endif /* PWRU_BPF_FILTER_BPF_H */
