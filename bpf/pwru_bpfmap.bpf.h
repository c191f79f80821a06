/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * --output-bpfmap, included by pwru.bpf.c after the tracking code: BPF map
 * operations (the helpers and the map ops the verifier calls directly, e.g.
 * htab_map_update_elem) traced as non-skb funcs, for the skb traced last on
 * the same stack, with the map's id, name, key and value.
 *
 * Where the data goes: into the event's own ring buffer record, as its last
 * region (struct pwru_kbpfmap, pwru_event.h), reserved only by these
 * programs (handle_skb_ext's with_bm is a constant false everywhere else).
 * One record carries the whole event, so nothing can pair an event with
 * another event's map data, and no side map needs its entries deleted by
 * userspace (cilium/pwru's print_bpfmap_id side channel).
 *
 * The op comes from the probe's cookie (PWRU_COOKIE_BPFMAP_SHIFT):
 *   update  (map, key, value, ...): key and value at entry;
 *   delete  (map, key): key only;
 *   lookup  (map, key) -> value: the key at entry, kept in a stash by stack
 *           id, the value at the return probe, which emits the event (a
 *           lookup's value exists only once it returns; a miss has none);
 *   lookup of a hash map's inlined form, __htab_map_lookup_elem, returns
 *           the struct htab_elem: its value follows the key, rounded up to
 *           8 bytes (what the verifier's inlined code adds).
 */
#ifndef PWRU_BPFMAP_BPF_H
#define PWRU_BPFMAP_BPF_H

struct bpf_map___pwru {
	char name[16];
	__u32 id;
	__u32 key_size;
	__u32 value_size;
} __attribute__((preserve_access_index));

struct htab_elem___pwru {
	char key[0];
} __attribute__((preserve_access_index));

/* Where an entry builds its record part (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pwru_kbpfmap);
} pwru_bpfmap_scratch SEC(".maps");

/* Lookups between entry and return, by stack id (a lookup does not nest in
 * another on one stack: no kprobe program runs inside another). The core
 * shrinks it to 1 entry without --output-bpfmap. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_BPFMAP_STASH);
	__type(key, __u64);
	__type(value, struct pwru_kbpfmap);
} pwru_bpfmap_stash SEC(".maps");

/* A map's kernel address as a number: the verifier knows &map as a map
 * pointer; the bytes of a stack slot holding it are the address (pwru runs
 * privileged, as in pwru_stack_id()). */
static __always_inline __u64 bpfmap_addr(void *m)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &m);
	return v;
}

/* pwru's own maps: its programs run their lookups and updates through the
 * same kernel functions (the tracking maps are LRU hashes, whose inlined
 * lookup calls __htab_map_lookup_elem), e.g. from the raw tracepoints that
 * end an skb's tracking on the same stack; those are not the traced
 * programs' map operations. Every map of pwru's object belongs in this list. */
static __always_inline bool bpfmap_is_own(__u64 map)
{
	return map == bpfmap_addr(&pwru_track_skb) || map == bpfmap_addr(&pwru_stack_skb) ||
	       map == bpfmap_addr(&pwru_skb_stack) || map == bpfmap_addr(&pwru_clone_stash) ||
	       map == bpfmap_addr(&pwru_bpfmap_stash) || map == bpfmap_addr(&pwru_bpfmap_scratch) ||
	       map == bpfmap_addr(&pwru_pkt) || map == bpfmap_addr(&pwru_inner_pkt) ||
	       map == bpfmap_addr(&pwru_lost) || map == bpfmap_addr(&pwru_events) ||
	       map == bpfmap_addr(&pwru_xdp_dhs) || map == bpfmap_addr(&pwru_xdp_hit);
}

/* Up to PWRU_BPFMAP_DATA bytes of `size` at `src`. */
static __always_inline bool bpfmap_read(__u8 *dst, __u32 size, __u64 src)
{
	__u32 n = size > PWRU_BPFMAP_DATA ? PWRU_BPFMAP_DATA : size;

	if (!src)
		return false;
	asm volatile("%[n] &= 0x1ff" : [n] "+r"(n));
	if (n > PWRU_BPFMAP_DATA)
		return false;
	return bpf_probe_read_kernel(dst, n, (void *)src) == 0;
}

static __always_inline int handle_bpfmap_entry(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 op = (cookie >> PWRU_COOKIE_BPFMAP_SHIFT) & 0xf;
	struct bpf_map___pwru *map = (void *)PT_REGS_PARM1(ctx);
	__u64 sid = pwru_stack_id();
	__u64 *skb = bpf_map_lookup_elem(&pwru_stack_skb, &sid);
	struct pwru_kbpfmap *bm;
	__u32 zero = 0;
	__u64 caller = 0;

	if (!skb || !map || bpfmap_is_own((__u64)map))
		return 0;
	bm = bpf_map_lookup_elem(&pwru_bpfmap_scratch, &zero);
	if (!bm)
		return 0;
	bm->flags = 0;
	bm->map_id = BPF_CORE_READ(map, id);
	bm->key_size = BPF_CORE_READ(map, key_size);
	bm->value_size = BPF_CORE_READ(map, value_size);
	bpf_probe_read_kernel(bm->map_name, sizeof(bm->map_name), __builtin_preserve_access_index(&map->name));
	if (bpfmap_read(bm->key, bm->key_size, PT_REGS_PARM2(ctx)))
		bm->flags |= PWRU_KBPFMAP_KEY;
	if (op == PWRU_BPFMAP_OP_UPDATE && bpfmap_read(bm->value, bm->value_size, PT_REGS_PARM3(ctx)))
		bm->flags |= PWRU_KBPFMAP_VALUE;
	if (op == PWRU_BPFMAP_OP_LOOKUP || op == PWRU_BPFMAP_OP_LOOKUP_HTAB) {
		bpf_map_update_elem(&pwru_bpfmap_stash, &sid, bm, PWRU_BPF_ANY);
		return 0;
	}
	if (CFG.output_caller)
		bpf_probe_read_kernel(&caller, sizeof(caller), (void *)PT_REGS_SP(ctx));
	return handle_skb_ext(ctx, (void *)*skb, 0, cookie & PWRU_COOKIE_PROBE_MASK, 0, 0, false, caller, true, bm);
}

static __always_inline int handle_bpfmap_return(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 op = (cookie >> PWRU_COOKIE_BPFMAP_SHIFT) & 0xf;
	__u64 sid = pwru_stack_id();
	struct pwru_kbpfmap *bm = bpf_map_lookup_elem(&pwru_bpfmap_stash, &sid);
	__u64 *skb;
	__u64 ret = PT_REGS_RC(ctx);

	if (!bm)
		return 0;
	skb = bpf_map_lookup_elem(&pwru_stack_skb, &sid);
	if (skb) {
		if (ret && op == PWRU_BPFMAP_OP_LOOKUP_HTAB) {
			/* The value follows the key, at round_up(key_size, 8). */
			if (bpf_core_field_exists(struct htab_elem___pwru, key))
				ret += bpf_core_field_offset(struct htab_elem___pwru, key) +
				       (((__u64)bm->key_size + 7) & ~7ULL);
			else
				ret = 0;
		}
		if (ret && bpfmap_read(bm->value, bm->value_size, ret))
			bm->flags |= PWRU_KBPFMAP_VALUE;
		handle_skb_ext(ctx, (void *)*skb, 0, cookie & PWRU_COOKIE_PROBE_MASK, 0, 0, false, 0, true, bm);
	}
	bpf_map_delete_elem(&pwru_bpfmap_stash, &sid);
	return 0;
}

#endif /* PWRU_BPFMAP_BPF_H */
