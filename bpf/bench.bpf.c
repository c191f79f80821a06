// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Floors for pwru's per-hit cost benchmark (tests/bench/kernel_cost.cpp),
 * attached beside pwru's own programs to the same tracepoints so that all
 * are measured in the same run:
 *   empty    - the cost of running any program at all;
 *   copy     - reading the skb's header bytes (what every hit must do);
 *   ringbuf  - reserving, filling and submitting one event record.
 */
#include <pwru/bpf/pwru_vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pwru_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bench_buf {
	__u8 data[PWRU_PKT_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_buf);
} bench_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} bench_events SEC(".maps");

SEC("raw_tp/pwru")
int pwru_bench_empty(struct bpf_raw_tracepoint_args *ctx)
{
	return 0;
}

SEC("raw_tp/pwru")
int pwru_bench_copy(struct bpf_raw_tracepoint_args *ctx)
{
	struct sk_buff *skb = (void *)ctx->args[0];
	__u32 zero = 0;
	struct bench_buf *b = bpf_map_lookup_elem(&bench_buf, &zero);
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);

	if (b)
		bpf_probe_read_kernel(b->data, 256, head + nh);
	return 0;
}

SEC("raw_tp/pwru")
int pwru_bench_ringbuf(struct bpf_raw_tracepoint_args *ctx)
{
	struct pwru_kevent *e = bpf_ringbuf_reserve(&bench_events, sizeof(*e), 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->skb = ctx->args[0];
	e->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}
