// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The floor for pwru's per-hit cost benchmark (scripts/bench-kernel.sh):
 * an empty raw tracepoint program, attached beside pwru's own to the same
 * tracepoint, so both are measured in the same run.
 */
#include "pwru_vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("raw_tp/pwru")
int pwru_bench_empty(struct bpf_raw_tracepoint_args *ctx)
{
	return 0;
}
