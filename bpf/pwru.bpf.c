// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pwru's kernel program: one shared handler, entry programs per backend.
 *
 * Every entry program finds the struct sk_buff * and hands it to
 * handle_skb(), which applies the filters in cost order (mark, netns,
 * ifindex, then the spliced packet filter on a copy of the header bytes)
 * and emits one struct pwru_kevent into the ring buffer.
 *
 * Configuration is `const volatile` rodata (struct pwru_bpf_config), set by
 * the core before load, so disabled features are dead code the verifier
 * removes. Records and constants are shared with userspace through
 * pwru_event.h.
 */
#include <pwru/bpf/pwru_vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include <pwru/bpf/filter.bpf.h>
#include "pwru_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct pwru_bpf_config CFG = {};

struct pwru_pkt {
	__u8 data[PWRU_PKT_BUF];
};

/* Header bytes of the current packet, one slot per entry program: the
 * kernel never runs one program nested in itself on a CPU (recursion is
 * refused and counted), so a slot per program is never shared. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PWRU_PKT_SLOTS);
	__type(key, __u32);
	__type(value, struct pwru_pkt);
} pwru_pkt SEC(".maps");

/* Size is set by the core before load (--ring-buffer-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23);
} pwru_events SEC(".maps");

/* Per-CPU count of events that did not fit in the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pwru_lost SEC(".maps");

/*
 * Packet filter slots. The core replaces each body with the eBPF a filter
 * plugin produced (core/bpf/splice.cpp finds it by the magic constant).
 * Calling convention, twin of the comment on pwru_filter_code_v1 in
 * sdk/include/pwru/plugin.h: r1 = packet bytes (map value of PWRU_PKT_BUF
 * bytes), r2 = caplen, r3 = wirelen; nonzero return accepts. The asm keeps
 * the arguments live and the result opaque so the compiler can neither
 * drop an argument nor fold the call away.
 */
static __noinline int pwru_pcap_l2(const void *buf, __u32 caplen, __u32 wirelen)
{
	__u64 ret;

	asm volatile("%[ret] = %[magic] ll"
		     : [ret] "=r"(ret)
		     : [magic] "i"(PWRU_SPLICE_MAGIC_PCAP_L2), "r"(buf), "r"(caplen), "r"(wirelen));
	return (int)ret;
}

static __noinline int pwru_pcap_l3(const void *buf, __u32 caplen, __u32 wirelen)
{
	__u64 ret;

	asm volatile("%[ret] = %[magic] ll"
		     : [ret] "=r"(ret)
		     : [magic] "i"(PWRU_SPLICE_MAGIC_PCAP_L3), "r"(buf), "r"(caplen), "r"(wirelen));
	return (int)ret;
}

/*
 * A plugin's filter written in BPF C (plugin ABI 1.3, <pwru/bpf/filter.bpf.h>).
 * This weak default keeps every packet; when a filter plugin brings its own
 * object, the core links it in with libbpf's static linker
 * (core/bpf/core_program.cpp) and its strong definition replaces this one.
 * The call is made only when CFG.filter_bpf is set, so without such a
 * plugin the verifier removes it as dead code. A global function: the
 * verifier checks the plugin's code once, on its own, whatever the caller.
 */
__weak __noinline int pwru_bpf_filter(__u64 skb, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	return 1;
}

#define MAC_HEADER_UNSET 0xffff
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define RTAX_MTU 2
#define SKB_DST_PTRMASK (~1UL)
#define DST_METRICS_PTRMASK (~3UL)

/* Where the copied bytes start and how long the packet is from there. */
struct pwru_cap {
	__u32 caplen;
	__u32 wirelen;
	bool l2;
};

/*
 * Copy the packet's header bytes into the per-CPU slot.
 *
 * The bytes start at the MAC header when the skb has a usable one (set, and
 * at least an Ethernet header before the network header or the data
 * pointer), otherwise at the network header (e.g. a locally generated
 * packet before its link-layer header exists). Only the linear part is
 * copied: head + tail bounds it.
 */
/* The skb fields capture() needs. */
struct skb_layout {
	unsigned char *head;
	unsigned char *data;
	__u32 tail;
	__u32 len;
	__u16 mac;
	__u16 nh;
};

/*
 * Reads the layout with as few helper calls as the running kernel allows:
 * tail, end, head and data are adjacent at the end of struct sk_buff (the
 * kernel keeps them there, see alloc_skb()), and so are the transport,
 * network and MAC header offsets. CO-RE gives the real offsets; when they
 * are adjacent (every kernel pwru knows) one read fetches each group, else
 * the fields are read one by one. The offset checks are constants after
 * relocation, so the verifier drops the path not taken.
 */
static __always_inline void read_layout(struct sk_buff *skb, struct skb_layout *l)
{
	const __u32 o_tail = bpf_core_field_offset(skb->tail);
	const __u32 o_end = bpf_core_field_offset(skb->end);
	const __u32 o_head = bpf_core_field_offset(skb->head);
	const __u32 o_data = bpf_core_field_offset(skb->data);
	const __u32 o_th = bpf_core_field_offset(skb->transport_header);
	const __u32 o_nh = bpf_core_field_offset(skb->network_header);
	const __u32 o_mh = bpf_core_field_offset(skb->mac_header);

	if (bpf_core_field_size(skb->tail) == 4 && o_end == o_tail + 4 && o_head == o_tail + 8 &&
	    o_data == o_tail + 16) {
		struct {
			__u32 tail;
			__u32 end;
			unsigned char *head;
			unsigned char *data;
		} g;

		bpf_probe_read_kernel(&g, sizeof(g), (void *)skb + o_tail);
		l->tail = g.tail;
		l->head = g.head;
		l->data = g.data;
	} else {
		l->tail = BPF_CORE_READ(skb, tail);
		l->head = BPF_CORE_READ(skb, head);
		l->data = BPF_CORE_READ(skb, data);
	}
	if (o_nh == o_th + 2 && o_mh == o_th + 4) {
		__u16 h[3];

		bpf_probe_read_kernel(h, sizeof(h), (void *)skb + o_th);
		l->nh = h[1];
		l->mac = h[2];
	} else {
		l->nh = BPF_CORE_READ(skb, network_header);
		l->mac = BPF_CORE_READ(skb, mac_header);
	}
	l->len = BPF_CORE_READ(skb, len);
}

/*
 * Copy the packet's header bytes into the per-CPU slot.
 *
 * The bytes start at the MAC header when the skb has a usable one (set, and
 * at least an Ethernet header before the network header or the data
 * pointer), otherwise at the network header (e.g. a locally generated
 * packet before its link-layer header exists). Only the linear part is
 * copied: head + tail bounds it.
 */
static __always_inline void capture(struct sk_buff *skb, struct pwru_pkt *pkt,
				    struct pwru_cap *cap, struct skb_layout *l)
{
	__u32 data_off, l3_end, start, n;
	__s64 wire, avail;

	read_layout(skb, l);
	data_off = l->data - l->head;
	l3_end = l->nh > data_off ? l->nh : data_off;
	cap->l2 = l->mac != MAC_HEADER_UNSET && l3_end >= (__u32)l->mac + ETH_HLEN;
	start = cap->l2 ? l->mac : l->nh;
	wire = (__s64)l->len + (__s64)data_off - (__s64)start;
	if (wire < 0)
		wire = 0;
	avail = (__s64)l->tail - (__s64)start;
	if (avail < 0)
		avail = 0;
	if (avail > wire)
		avail = wire;
	if (avail > PWRU_PKT_BUF)
		avail = PWRU_PKT_BUF;
	n = avail;
	cap->wirelen = wire;
	cap->caplen = 0;
	/* Keep the bound visible to the verifier. */
	asm volatile("%[n] &= 0x3ff" : [n] "+r"(n));
	if (n > PWRU_PKT_BUF)
		return;
	if (bpf_probe_read_kernel(pkt->data, n, l->head + start) == 0)
		cap->caplen = n;
}

/*
 * Bounded big-endian reads from the copied bytes.
 *
 * caplen (<= PWRU_PKT_BUF, see capture()) is what keeps a read inside the
 * packet. The verifier gets its own bound from pkt_idx(): each index is
 * masked with PWRU_PKT_BUF - 1 just before it is added to the buffer
 * pointer, so the access is provably inside the map value whatever the
 * verifier believes about the offset. The mask never changes an index that
 * passed the caplen check.
 *
 * Why not rely on the compares: the compiler checks "off + k > caplen" on
 * a copy of off plus k, which the verifier links to off ("r5 = r4;
 * r5 += 1"). When the compare narrows the copy, Linux 6.12's verifier
 * hands the bounds back to off as copy + (u64)-k; that unsigned add
 * "overflows" and off is left with u64 [0, U64_MAX] beside a tight s64
 * range (later kernels compute the add exactly: "bpf, verifier: Improve
 * precision for BPF_ADD and BPF_SUB", 2025). A later compare of off with a
 * constant then follows a branch that cannot happen, where off becomes a
 * constant its bounds contradict ("REG INVARIANTS VIOLATION"); the
 * verifier forgets off, and buffer + off is a scalar: "invalid mem access
 * 'scalar'". Which paths get there depends on the caplen bounds the pcap
 * filter's checks leave (ip6[50], ip6[52], ip6[53], ip[53] did). A masked
 * index is bounded by the mask alone.
 *
 * The mask is an asm statement so the compiler cannot drop it where it can
 * prove the bound itself; an offset that is a compile-time constant needs
 * no mask (the access has a constant offset).
 */
static __always_inline __u64 pkt_idx(__u32 off)
{
	__u64 i = off; /* 64-bit: the zero-extended off the caplen check used */

	if (__builtin_constant_p(off) && off < PWRU_PKT_BUF)
		return off;
	asm("%[i] &= %[mask]" : [i] "+r"(i) : [mask] "i"(PWRU_PKT_BUF - 1));
	return i;
}

static __always_inline bool pkt_u8(const struct pwru_pkt *pkt, __u32 caplen, __u32 off, __u8 *v)
{
	if (off >= caplen)
		return false;
	*v = pkt->data[pkt_idx(off)];
	return true;
}

static __always_inline bool pkt_be16(const struct pwru_pkt *pkt, __u32 caplen, __u32 off,
				     __u16 *v)
{
	if (off + 2 > caplen)
		return false;
	*v = ((__u16)pkt->data[pkt_idx(off)] << 8) | pkt->data[pkt_idx(off + 1)];
	return true;
}

/* n is 4 or 16. */
static __always_inline bool pkt_copy16(const struct pwru_pkt *pkt, __u32 caplen, __u32 off,
				       __u8 *dst, __u32 n)
{
	__u64 i;

	if (off + n > caplen)
		return false;
	i = pkt_idx(off);
	/* For the verifier: 16 bytes from i stay inside the buffer. */
	if (i > PWRU_PKT_BUF - 16)
		return false;
	__builtin_memcpy(dst, &pkt->data[i], 4);
	if (n == 16)
		__builtin_memcpy(dst + 4, &pkt->data[i + 4], 12);
	return true;
}

static __always_inline bool ipv6_ext(__u8 nexthdr)
{
	return nexthdr == 0 || nexthdr == 43 || nexthdr == 60 || nexthdr == 51 || nexthdr == 44;
}

/* Parse the 5-tuple from the copied bytes (802.1Q/802.1ad, IPv4, IPv6 with
 * extension headers, TCP/UDP ports, TCP flags). */
static __always_inline void parse_tuple(const struct pwru_pkt *pkt, const struct pwru_cap *cap,
					struct pwru_ktuple *t)
{
	__u32 caplen = cap->caplen;
	__u32 off = 0;
	__u32 l4 = 0;
	__u16 proto = 0;
	__u8 b = 0;
	__u8 l4proto = 0;
	bool ports = false;

	if (cap->l2) {
		if (!pkt_be16(pkt, caplen, 12, &proto))
			return;
		off = ETH_HLEN;
		if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
			if (!pkt_be16(pkt, caplen, 16, &proto))
				return;
			off = ETH_HLEN + 4;
		}
	} else {
		if (!pkt_u8(pkt, caplen, 0, &b))
			return;
		proto = (b >> 4) == 4 ? ETH_P_IP : (b >> 4) == 6 ? ETH_P_IPV6 : 0;
	}

	if (proto == ETH_P_IP) {
		__u16 frag = 0;

		if (!pkt_u8(pkt, caplen, off, &b) || (b >> 4) != 4)
			return;
		l4 = off + (b & 0xf) * 4;
		if (!pkt_u8(pkt, caplen, off + 9, &l4proto))
			return;
		if (!pkt_copy16(pkt, caplen, off + 12, t->saddr, 4) ||
		    !pkt_copy16(pkt, caplen, off + 16, t->daddr, 4))
			return;
		pkt_be16(pkt, caplen, off + 6, &frag);
		ports = (frag & 0x1fff) == 0;
	} else if (proto == ETH_P_IPV6) {
		if (!pkt_u8(pkt, caplen, off, &b) || (b >> 4) != 6)
			return;
		if (!pkt_u8(pkt, caplen, off + 6, &l4proto))
			return;
		if (!pkt_copy16(pkt, caplen, off + 8, t->saddr, 16) ||
		    !pkt_copy16(pkt, caplen, off + 24, t->daddr, 16))
			return;
		l4 = off + 40;
		ports = true;
#pragma unroll
		for (int i = 0; i < 4; i++) {
			__u8 hlen = 0;
			__u8 next = 0;

			if (!ipv6_ext(l4proto))
				break;
			if (!pkt_u8(pkt, caplen, l4, &next) || !pkt_u8(pkt, caplen, l4 + 1, &hlen))
				break;
			if (l4proto == 44) {
				__u16 fo = 0;

				pkt_be16(pkt, caplen, l4 + 2, &fo);
				if (fo & 0xfff8)
					ports = false;
				l4 += 8;
			} else if (l4proto == 51) {
				l4 += ((__u32)hlen + 2) * 4;
			} else {
				l4 += ((__u32)hlen + 1) * 8;
			}
			l4proto = next;
		}
	} else {
		return;
	}

	t->l3_proto = proto;
	t->l4_proto = l4proto;
	if (ports && (l4proto == IPPROTO_TCP || l4proto == IPPROTO_UDP)) {
		pkt_be16(pkt, caplen, l4, &t->sport);
		pkt_be16(pkt, caplen, l4 + 2, &t->dport);
		if (l4proto == IPPROTO_TCP)
			pkt_u8(pkt, caplen, l4 + 13, &t->tcp_flags);
	}
}

static __always_inline __u32 dev_netns(struct net_device *dev)
{
	return BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

/* The packet's namespace: its device's, else its socket's. */
static __always_inline __u32 skb_netns(struct sk_buff *skb, struct net_device *dev)
{
	__u32 inum = dev ? dev_netns(dev) : 0;

	if (inum == 0)
		inum = BPF_CORE_READ(skb, sk, __sk_common.skc_net.net, ns.inum);
	return inum;
}

/* Route MTU when the skb carries a dst with metrics, else the device MTU. */
static __always_inline __u32 skb_mtu(struct sk_buff *skb, struct net_device *dev)
{
	unsigned long refdst = BPF_CORE_READ(skb, _skb_refdst);
	__u32 mtu = 0;

	if (refdst) {
		struct dst_entry *dst = (void *)(refdst & SKB_DST_PTRMASK);
		unsigned long metrics = BPF_CORE_READ(dst, _metrics);
		__u32 *m = (void *)(metrics & DST_METRICS_PTRMASK);

		if (m)
			bpf_probe_read_kernel(&mtu, sizeof(mtu), &m[RTAX_MTU - 1]);
	}
	if (mtu == 0 && dev)
		mtu = BPF_CORE_READ(dev, mtu);
	return mtu;
}

#include "pwru_outflags.bpf.h"

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&pwru_lost, &zero);

	if (lost)
		*lost += 1;
}

/*
 * ---- Skb tracking (--filter-track-skb, --filter-track-skb-by-stackid) ----
 *
 * cilium/pwru's handle_everything() order: an skb is traced when
 *   1. its address is tracked (it matched the filters earlier: NAT,
 *      decapsulation or a header rewrite may make it stop matching), or
 *   2. by-stackid: the stack it runs on carries a traced skb that is
 *      still alive, or
 *   3. it matches the filters;
 * and a traced skb is then tracked by address (when 3) and becomes its
 * stack's skb (when 1 or 3). All of it is rodata-gated: with tracking off
 * the verifier removes every line below from the loaded program, and what
 * stays in handle_skb is one load of CFG.track per gate.
 *
 * Lifetime: a tracked address stops being tracked where the skb's life
 * ends, so that a later skb at the same address is not followed:
 *   - skb:kfree_skb and skb:consume_skb: the last reference is gone (every
 *     kfree_skb/consume_skb flavour, napi_consume_skb, the deferred frees
 *     of dev_kfree_skb_irq, kfree_skb_list's bulk free). Where the main
 *     program traces these tracepoints (tracepoint backend), its cookie
 *     says PWRU_COOKIE_UNTRACK and the entry untracks after the event;
 *     elsewhere pwru_untrack_tp1 does it;
 *   - kmem:kmem_cache_free: the struct itself is freed without those
 *     tracepoints (__kfree_skb called directly, kfree_skb_partial's stolen
 *     head; pwru_untrack_tp2).
 * On the kprobe backends both fire inside the freeing function, after its
 * entry probe, so the drop or consume event itself is still traced.
 *
 * Clones and copies (kprobe backends; no tracepoint sees them):
 *   - a copy of an skb for an XDP program (veth's native XDP, generic XDP):
 *     skb_pp_cow_data(pool, pskb, headroom) (Linux 6.8+) and, before it,
 *     veth_convert_skb_to_xdp_buff(rq, xdp, pskb) (6.2-6.7, where it is not
 *     inlined): when *pskb is tracked at entry and the function succeeds,
 *     *pskb at return (the copy) is tracked;
 *   - skb_copy_header(new, old) (skb_copy, pskb_copy, skb_copy_expand) and
 *     skb_morph(dst, src) take both skbs: track the new one at entry;
 *   - skb_clone(skb) returns the clone: the entry stashes {skb->head,
 *     pid_tgid} when skb is tracked, the return probe tracks the returned
 *     skb when the stash has {clone->head, pid_tgid} (a clone shares its
 *     original's head, so a nested clone of another skb on the same task
 *     cannot be taken for it).
 *
 * XDP to skb (PWRU_TRACK_XDP, with --filter-trace-xdp): an XDP program
 * may rewrite a packet before the stack builds an skb of it, and veth
 * copies an skb into a new one (a new address) to run XDP on it. The
 * fentry entry of a traced XDP program notes, per CPU, the buffer that
 * matched the filters (an XDP buffer is only ever judged by them); the program's
 * fexit entry, when the verdict hands the buffer on (XDP_PASS or
 * XDP_REDIRECT), puts its data_hard_start into pwru_xdp_dhs. The first skb
 * whose head is that address is tracked (and the entry dropped: an skb
 * built from it is followed by its address from then on, and a recycled
 * page-pool page does not keep following unrelated packets). Buffers that
 * are dropped, or sent back out (XDP_TX), are not noted.
 *
 * Stack id (by-stackid): which kernel stack this runs on, not the frames
 * on it. pwru walks the frame-pointer chain to the outermost frame; on
 * kernels built without frame pointers (ORC, e.g. Debian's) that walk
 * reads garbage. Here: the stack pointer (r10, the BPF frame, which lives
 * on the current kernel stack) inside the current task's stack means the
 * task's stack (a syscall, a kthread such as ksoftirqd), anything else an
 * interrupt stack of this CPU (softirq, hardirq). Two events share an id
 * when they run in the same task or in interrupt context on the same CPU;
 * stack_skb maps the id to the skb traced last there.
 */
#define PWRU_BPF_ANY 0
#define TRACK_NONE 0
#define TRACK_BY_SKB 1
#define TRACK_BY_STACK 2
#define TRACK_BY_XDP 3 /* built from an XDP buffer that matched */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_TRACK_SKBS);
	__type(key, __u64);  /* skb address */
	__type(value, __u8);
} pwru_track_skb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_TRACK_STACKS);
	__type(key, __u64);   /* stack id */
	__type(value, __u64); /* skb */
} pwru_stack_skb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_TRACK_STACKS);
	__type(key, __u64);   /* skb */
	__type(value, __u64); /* its stack id */
} pwru_skb_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_TRACK_XDP_BUFS);
	__type(key, __u64);  /* xdp_buff data_hard_start */
	__type(value, __u8);
} pwru_xdp_dhs SEC(".maps");

/* The XDP buffer the fentry entry let through on this CPU, for the fexit
 * entry of the same program run (0: none). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pwru_xdp_hit SEC(".maps");

/* A tracked skb being copied for an XDP program: pid_tgid -> the struct
 * sk_buff ** argument of skb_pp_cow_data / veth_convert_skb_to_xdp_buff,
 * from its entry to its return. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_TRACK_CLONES);
	__type(key, __u64);
	__type(value, __u64);
} pwru_veth_stash SEC(".maps");

struct pwru_clone_key {
	__u64 head;
	__u64 pid_tgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PWRU_TRACK_CLONES);
	__type(key, struct pwru_clone_key);
	__type(value, __u8);
} pwru_clone_stash SEC(".maps");

static __always_inline __u64 pwru_stack_id(void)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	void *fp;
	__u64 sp = 0;
	__u64 base;

	/* The verifier knows r10 as a stack pointer and keeps its value
	 * from arithmetic; reading the bytes of a slot holding it gives the
	 * number (pwru runs privileged: pointer values may be read). */
	asm volatile("%[fp] = r10" : [fp] "=r"(fp));
	bpf_probe_read_kernel(&sp, sizeof(sp), &fp);
	base = (__u64)BPF_CORE_READ(task, stack);
	if (base && sp - base < (1ULL << (CFG.stack_shift & 31)))
		return base;
	return (1ULL << 63) | bpf_get_smp_processor_id();
}

/* How `skb` is tracked: TRACK_BY_SKB, TRACK_BY_STACK or TRACK_NONE. */
static __always_inline __u32 track_lookup(struct sk_buff *skb)
{
	__u64 key = (__u64)skb;
	__u64 sid;
	bool by_xdp = false;

	/* A noted XDP buffer is used up by the first skb built on it, also
	 * when that skb is already tracked by address (a copy tracked at
	 * skb_copy_header, e.g. veth's on 6.1): a note left behind would
	 * match whatever packet the page carries next. */
	if (CFG.track & PWRU_TRACK_XDP) {
		__u64 head = (__u64)BPF_CORE_READ(skb, head);

		if (head && bpf_map_lookup_elem(&pwru_xdp_dhs, &head)) {
			bpf_map_delete_elem(&pwru_xdp_dhs, &head);
			by_xdp = true;
		}
	}
	if ((CFG.track & PWRU_TRACK_SKB) && bpf_map_lookup_elem(&pwru_track_skb, &key))
		return TRACK_BY_SKB;
	if (by_xdp)
		return TRACK_BY_XDP;
	if (CFG.track & PWRU_TRACK_STACK) {
		sid = pwru_stack_id();
		if (bpf_map_lookup_elem(&pwru_stack_skb, &sid))
			return TRACK_BY_STACK;
	}
	return TRACK_NONE;
}

static __always_inline void track_add(__u64 skb)
{
	__u8 one = 1;

	bpf_map_update_elem(&pwru_track_skb, &skb, &one, PWRU_BPF_ANY);
}

/* A traced skb: track it by address when it matched the filters, and
 * make it its stack's skb unless it was traced for its stack. */
static __always_inline void track_update(struct sk_buff *skb, __u32 by)
{
	__u64 key = (__u64)skb;

	if ((CFG.track & PWRU_TRACK_SKB) && (by == TRACK_NONE || by == TRACK_BY_XDP))
		track_add(key);
	if ((CFG.track & PWRU_TRACK_STACK) && by != TRACK_BY_STACK) {
		__u64 sid = pwru_stack_id();
		__u64 *old = bpf_map_lookup_elem(&pwru_skb_stack, &key);

		if (old && *old != sid) {
			__u64 prev = *old;
			__u64 *s = bpf_map_lookup_elem(&pwru_stack_skb, &prev);

			if (s && *s == key)
				bpf_map_delete_elem(&pwru_stack_skb, &prev);
		}
		bpf_map_update_elem(&pwru_stack_skb, &sid, &key, PWRU_BPF_ANY);
		bpf_map_update_elem(&pwru_skb_stack, &key, &sid, PWRU_BPF_ANY);
	}
}

/* The skb's life ended: forget its address and its stack. Lookups first
 * (lock-free) so that the common case, an untracked skb, takes no lock. */
static __always_inline void pwru_untrack(__u64 skb)
{
	if ((CFG.track & PWRU_TRACK_SKB) && bpf_map_lookup_elem(&pwru_track_skb, &skb))
		bpf_map_delete_elem(&pwru_track_skb, &skb);
	if (CFG.track & PWRU_TRACK_STACK) {
		__u64 *sid = bpf_map_lookup_elem(&pwru_skb_stack, &skb);

		if (sid) {
			__u64 id = *sid;
			__u64 *s = bpf_map_lookup_elem(&pwru_stack_skb, &id);

			if (s && *s == skb)
				bpf_map_delete_elem(&pwru_stack_skb, &id);
			bpf_map_delete_elem(&pwru_skb_stack, &skb);
		}
	}
}

/*
 * The shared handler. `slot` picks the per-CPU packet buffer; `ip` is the
 * probed function's address (0 for tracepoints); `reason` is valid when
 * has_reason. `bm` (--output-bpfmap, the map-op programs only; a constant
 * NULL everywhere else, so the other entries neither reserve nor copy its
 * region) is the map operation to put at the end of the record.
 */
#define handle_skb(ctx, skb, slot, probe_id, ip, reason, has_reason, caller) \
	handle_skb_ext(ctx, skb, slot, probe_id, ip, reason, has_reason, caller, false, NULL)

static __always_inline int handle_skb_ext(void *ctx, struct sk_buff *skb, __u32 slot, __u32 probe_id,
					  __u64 ip, __u64 reason, bool has_reason, __u64 caller,
					  const bool with_bm, const struct pwru_kbpfmap *bm)
{
	struct net_device *dev = NULL;
	struct pwru_kevent *e;
	struct pwru_pkt *pkt = NULL;
	struct pwru_cap cap = {};
	struct skb_layout layout = {};
	__u32 netns = 0;
	__u32 mark = 0;
	bool inner_l3 = false;
	__u32 inner_caplen = 0;
	__u32 tracked = TRACK_NONE; /* skb tracking: traced without the filters */

	if (!skb)
		return 0;
	if (CFG.track)
		tracked = track_lookup(skb);
	/* The device is read only by what needs it: filters that do not
	 * look at it keep a rejected packet cheap. */
	if (CFG.filter_netns || CFG.filter_ifindex)
		dev = BPF_CORE_READ(skb, dev);

	if (CFG.filter_mark) {
		mark = BPF_CORE_READ(skb, mark);
		if ((mark & CFG.mark_mask) != CFG.mark && !tracked)
			return 0;
	}
	if (CFG.filter_netns) {
		netns = skb_netns(skb, dev);
		if (netns != CFG.netns && !tracked)
			return 0;
	}
	if (CFG.filter_ifindex) {
		if ((!dev || BPF_CORE_READ(dev, ifindex) != CFG.ifindex) && !tracked)
			return 0;
	}
	/* --filter-skb-expr (pwru_outflags.bpf.h). */
	if (!tracked && !pwru_outflags_filter(skb))
		return 0;
	/* The plugin's BPF C filter: after the metadata checks, before the
	 * packet bytes are copied, so a rejected packet stays cheap. */
	if (CFG.filter_bpf && !tracked &&
	    !pwru_bpf_filter((__u64)skb, CFG.bpf_filter_args[0], CFG.bpf_filter_args[1],
			     CFG.bpf_filter_args[2], CFG.bpf_filter_args[3]))
		return 0;

	if (CFG.filter_pcap || CFG.output_tuple || CFG.output_packet) {
		pkt = bpf_map_lookup_elem(&pwru_pkt, &slot);
		if (!pkt)
			return 0;
		capture(skb, pkt, &cap, &layout);
	}
	if (CFG.filter_pcap && pkt && !tracked) {
		int ok = cap.l2 ? pwru_pcap_l2(pkt->data, cap.caplen, cap.wirelen)
				: pwru_pcap_l3(pkt->data, cap.caplen, cap.wirelen);
		if (!ok)
			return 0;
	}
	/* --filter-tunnel-pcap-l2/-l3 on the inner packet (pwru_outflags.bpf.h). */
	if (!pwru_tunnel_filter(skb, slot, &inner_l3, &inner_caplen) && !tracked)
		return 0;
	/* Every filter passed (or the skb is tracked): track it from here on.
	 * A filter added above must also let a tracked skb through. */
	if (CFG.track)
		track_update(skb, tracked);

	/* Constant sizes only (the verifier wants one): the regions after the
	 * record are fixed-size (pwru_event.h, PWRU_STACK_BYTES), and every
	 * term is a rodata constant at load time. */
	e = bpf_ringbuf_reserve(&pwru_events,
				sizeof(*e) + (CFG.output_packet ? PWRU_PKT_BUF : 0) +
					(CFG.output_stack ? PWRU_STACK_BYTES : 0) + pwru_outflags_bytes() +
					(with_bm ? sizeof(struct pwru_kbpfmap) : 0),
				0);
	if (!e) {
		count_lost();
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));

	e->ts = bpf_ktime_get_ns();
	e->skb = (__u64)skb;
	e->ip = ip;
	e->probe_id = probe_id;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->caplen = cap.caplen;
	/* The sinks' snap length (rodata, <= PWRU_PKT_BUF, set by the core):
	 * filters and the tuple saw every captured byte, the event carries at
	 * most snaplen of them. */
	if (CFG.output_packet && e->caplen > CFG.snaplen)
		e->caplen = CFG.snaplen;
	e->wirelen = cap.wirelen;
	if (cap.l2)
		e->flags |= PWRU_KEV_L2;
	if (has_reason) {
		e->reason = reason;
		e->flags |= PWRU_KEV_REASON;
	}
	if (CFG.output_caller && caller) {
		e->caller = caller;
		e->flags |= PWRU_KEV_CALLER;
	}
	if (CFG.output_stack) {
		void *stack = (void *)(e + 1) + (CFG.output_packet ? PWRU_PKT_BUF : 0);
		long n = bpf_get_stack(ctx, stack, PWRU_STACK_BYTES, 0);

		if (n > 0) {
			e->stack_bytes = n;
			e->flags |= PWRU_KEV_STACK;
		}
	}
	if (CFG.output_meta) {
		if (!CFG.filter_netns && !CFG.filter_ifindex)
			dev = BPF_CORE_READ(skb, dev);
		e->flags |= PWRU_KEV_META;
		e->netns = CFG.filter_netns ? netns : skb_netns(skb, dev);
		e->mark = CFG.filter_mark ? mark : BPF_CORE_READ(skb, mark);
		e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
		e->len = pkt ? layout.len : BPF_CORE_READ(skb, len);
		e->mtu = skb_mtu(skb, dev);
		e->protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	}
	if (CFG.output_tuple && pkt) {
		e->flags |= PWRU_KEV_TUPLE;
		parse_tuple(pkt, &cap, &e->tuple);
	}
	if (CFG.output_packet && pkt) {
		/* Only the snap length is copied; the reservation stays
		 * PWRU_PKT_BUF so its size is a constant on every kernel. */
		__u32 n = CFG.snaplen;

		if (n > PWRU_PKT_BUF)
			n = PWRU_PKT_BUF;
		e->flags |= PWRU_KEV_PACKET;
		bpf_probe_read_kernel((void *)(e + 1), n, pkt->data);
	}
	/* The output-flags region follows the packet and stack regions. */
	pwru_outflags_fill(skb, slot,
			   (void *)(e + 1) + (CFG.output_packet ? PWRU_PKT_BUF : 0) +
				   (CFG.output_stack ? PWRU_STACK_BYTES : 0),
			   inner_l3, inner_caplen);
	/* --output-bpfmap: the last region (pwru_event.h, struct pwru_kbpfmap). */
	if (with_bm && bm) {
		void *dst = (void *)(e + 1) + (CFG.output_packet ? PWRU_PKT_BUF : 0) +
			    (CFG.output_stack ? PWRU_STACK_BYTES : 0) + pwru_outflags_bytes();

		if (!bpf_probe_read_kernel(dst, sizeof(*bm), bm))
			e->flags |= PWRU_KEV_BPFMAP;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Raw tracepoint entries. The attach cookie (kernel >= 6.10) carries the
 * probe id, the position of the skb argument and of the drop reason (see
 * PWRU_COOKIE_* in pwru_event.h). Program K only reads arguments 1..K:
 * the kernel refuses to attach a raw_tp program that reads past the
 * tracepoint's last argument, so a tracepoint uses the program whose K is
 * the larger of its two positions.
 */
/* Copies arguments 1..k to a stack array with constant-offset context
 * loads (the verifier refuses computed context offsets), then picks one. */
#define TP_ARGS(ctx, a, k)                        \
	do {                                      \
		a[0] = ctx->args[0];              \
		if (k >= 2)                       \
			a[1] = ctx->args[1];      \
		if (k >= 3)                       \
			a[2] = ctx->args[2];      \
		if (k >= 4)                       \
			a[3] = ctx->args[3];      \
		if (k >= 5)                       \
			a[4] = ctx->args[4];      \
	} while (0)

/* a[pos - 1] without a variable stack offset: Linux 6.1's verifier cannot
 * bound an index that comes from the cookie (a 32-bit compare does not
 * bound the 64-bit register there), so pick with compares instead. */
static __always_inline __u64 tp_pick(const __u64 *a, __u32 pos)
{
	__u64 v = 0;

	if (pos == 1)
		v = a[0];
	else if (pos == 2)
		v = a[1];
	else if (pos == 3)
		v = a[2];
	else if (pos == 4)
		v = a[3];
	else if (pos == 5)
		v = a[4];
	/* Keeps clang from turning the chain back into an indexed load. */
	barrier_var(v);
	return v;
}

/* The raw tracepoint's attach cookie. Kernels before 6.10 cannot give a
 * raw tracepoint a cookie: there the core loads one copy of the entry
 * program per tracepoint with this body spliced to return that
 * tracepoint's cookie as a constant (core/bpf/core_program.cpp). The
 * marker costs one instruction here. */
static __noinline __u64 pwru_tp_cookie(void *ctx)
{
	__u64 marker;

	asm volatile("%[m] = %[magic] ll" : [m] "=r"(marker) : [magic] "i"(PWRU_SPLICE_MAGIC_TP_COOKIE));
	return bpf_get_attach_cookie(ctx);
}

#define PWRU_RAW_TP(K)                                                                   \
	SEC("raw_tp/pwru")                                                               \
	int pwru_raw_tp_##K(struct bpf_raw_tracepoint_args *ctx)                         \
	{                                                                                \
		__u64 cookie = pwru_tp_cookie(ctx);                                      \
		__u32 skb_pos = (cookie >> PWRU_COOKIE_SKB_POS_SHIFT) & 0xf;             \
		__u32 reason_pos = (cookie >> PWRU_COOKIE_REASON_POS_SHIFT) & 0xf;       \
		__u64 a[5] = {};                                                         \
		struct sk_buff *skb;                                                     \
		__u64 reason;                                                            \
                                                                                         \
		TP_ARGS(ctx, a, K);                                                      \
		skb = (void *)tp_pick(a, skb_pos);                                       \
		reason = tp_pick(a, reason_pos);                                         \
                                                                                         \
		handle_skb(ctx, skb, K, cookie & PWRU_COOKIE_PROBE_MASK, 0, reason,      \
			   reason_pos != 0, 0);                                          \
		/* Skb tracking: the skb's life ends here, after its event. */           \
		if (CFG.track && (cookie & PWRU_COOKIE_UNTRACK))                         \
			pwru_untrack((__u64)skb);                                        \
		return 0;                                                                \
	}

PWRU_RAW_TP(1)
PWRU_RAW_TP(2)
PWRU_RAW_TP(3)
PWRU_RAW_TP(4)
PWRU_RAW_TP(5)

/*
 * kprobe and kprobe.multi entries: program K takes the skb from argument K.
 * The cookie (one per function, also with kprobe.multi) carries the probe
 * id and the drop-reason position, as for raw tracepoints. Registers are
 * read at constant offsets; the return address sits at the stack pointer
 * on entry (pwru's --output-caller).
 */
static __always_inline int handle_kprobe(struct pt_regs *ctx, __u32 skb_pos, __u32 slot)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 reason_pos = (cookie >> PWRU_COOKIE_REASON_POS_SHIFT) & 0xf;
	/* Constant-offset context loads first (the verifier refuses a
	 * computed offset into pt_regs), then pick from the stack copy. */
	__u64 a[5] = {PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx), PT_REGS_PARM4(ctx),
		      PT_REGS_PARM5(ctx)};
	struct sk_buff *skb = (void *)tp_pick(a, skb_pos);
	__u64 caller = 0;

	if (CFG.output_caller)
		bpf_probe_read_kernel(&caller, sizeof(caller), (void *)PT_REGS_SP(ctx));
	return handle_skb(ctx, skb, slot, cookie & PWRU_COOKIE_PROBE_MASK, 0, tp_pick(a, reason_pos),
			  reason_pos != 0, caller);
}

#define PWRU_KPROBE(K)                                          \
	SEC("kprobe/pwru")                                      \
	int pwru_kprobe_##K(struct pt_regs *ctx)                \
	{                                                       \
		return handle_kprobe(ctx, K, 5 + K);            \
	}                                                       \
	SEC("kprobe.multi/pwru")                                \
	int pwru_kmulti_##K(struct pt_regs *ctx)                \
	{                                                       \
		return handle_kprobe(ctx, K, 10 + K);           \
	}

PWRU_KPROBE(1)
PWRU_KPROBE(2)
PWRU_KPROBE(3)
PWRU_KPROBE(4)
PWRU_KPROBE(5)

/*
 * ---- tc and XDP programs (--filter-trace-tc, --filter-trace-xdp) ----------
 *
 * fentry entries on the entry function of loaded BPF programs. The core
 * loads these two once each as templates (attached to nothing) and then
 * one copy per traced program, with the copy's probe id spliced into
 * pwru_prog_probe_id() (core/attach/prog_tracer.cpp). Not loaded unless the
 * flags ask for them.
 *
 * The entry's first argument is the program's context, which the verifier
 * hands over as the kernel object behind it: struct sk_buff for tc,
 * struct xdp_buff for XDP. It is read as a plain number (a helper read of
 * the context slot), since everything after it reads through CO-RE probe
 * reads and passes the address on as a number.
 */
struct xdp_rxq_info {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct xdp_buff {
	void *data;
	void *data_end;
	void *data_hard_start;
	struct xdp_rxq_info *rxq;
} __attribute__((preserve_access_index));

/* The probe id of this copy; the template's body is a marker. */
static __noinline __u32 pwru_prog_probe_id(void)
{
	__u64 id;

	asm volatile("%[id] = %[magic] ll" : [id] "=r"(id) : [magic] "i"(PWRU_SPLICE_MAGIC_PROG_PROBE));
	return (__u32)id;
}

static __always_inline __u64 fentry_arg0(void *ctx)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), ctx);
	return v;
}

/* The return value in an fexit entry on a one-argument function. */
static __always_inline __u64 fexit_ret1(void *ctx)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), ctx + sizeof(__u64));
	return v;
}

SEC("fentry/pwru_tc")
int pwru_fentry_tc(void *ctx)
{
	struct sk_buff *skb = (void *)fentry_arg0(ctx);

	return handle_skb(ctx, skb, PWRU_PKT_SLOT_TC, pwru_prog_probe_id(), 0, 0, false, 0);
}

/*
 * An XDP buffer, as cilium/pwru shows it: the device is rxq->dev, there is
 * no mark and no protocol, the length is data_end - data and the bytes
 * start at the Ethernet header. The filters that apply are the pcap filter
 * (its Ethernet form), the namespace, the interface and --filter-xdp-expr
 * (--filter-skb-expr judges skbs only); --filter-mark and a
 * plugin's BPF C filter judge skbs and do not apply (as in cilium/pwru,
 * where the mark filter skips XDP too).
 */
static __always_inline int handle_xdp(void *ctx, struct xdp_buff *xdp, __u32 probe_id)
{
	struct net_device *dev = NULL;
	struct pwru_kevent *e;
	struct pwru_pkt *pkt = NULL;
	struct pwru_cap cap = {};
	unsigned char *data, *data_end;
	__u32 slot = PWRU_PKT_SLOT_XDP;
	__u32 netns = 0;
	__s64 len;

	if (!xdp)
		return 0;
	dev = BPF_CORE_READ(xdp, rxq, dev);
	if (CFG.filter_netns) {
		netns = dev ? dev_netns(dev) : 0;
		if (netns != CFG.netns)
			return 0;
	}
	if (CFG.filter_ifindex) {
		if (!dev || BPF_CORE_READ(dev, ifindex) != CFG.ifindex)
			return 0;
	}
	/* --filter-xdp-expr (pwru_outflags.bpf.h), before the bytes are
	 * copied. */
	if (!pwru_outflags_filter_xdp(xdp))
		return 0;
	data = BPF_CORE_READ(xdp, data);
	data_end = BPF_CORE_READ(xdp, data_end);
	len = data_end - data;
	if (len < 0)
		len = 0;

	if (CFG.filter_pcap || CFG.output_tuple || CFG.output_packet) {
		__u32 n = len > PWRU_PKT_BUF ? PWRU_PKT_BUF : len;

		pkt = bpf_map_lookup_elem(&pwru_pkt, &slot);
		if (!pkt)
			return 0;
		cap.l2 = true;
		cap.wirelen = len;
		asm volatile("%[n] &= 0x3ff" : [n] "+r"(n));
		if (n <= PWRU_PKT_BUF && bpf_probe_read_kernel(pkt->data, n, data) == 0)
			cap.caplen = n;
	}
	if (CFG.filter_pcap && pkt) {
		if (!pwru_pcap_l2(pkt->data, cap.caplen, cap.wirelen))
			return 0;
	}
	/* Every filter passed: the program's fexit entry follows the buffer
	 * into its skb if the verdict hands it on. */
	if (CFG.track & PWRU_TRACK_XDP) {
		__u32 zero = 0;
		__u64 *hit = bpf_map_lookup_elem(&pwru_xdp_hit, &zero);

		if (hit)
			*hit = (__u64)xdp;
	}

	/* The same layout as handle_skb's records (the decoder checks one
	 * size for every event): packet, stack and output-flags regions. */
	e = bpf_ringbuf_reserve(&pwru_events,
				sizeof(*e) + (CFG.output_packet ? PWRU_PKT_BUF : 0) +
					(CFG.output_stack ? PWRU_STACK_BYTES : 0) + pwru_outflags_bytes(),
				0);
	if (!e) {
		count_lost();
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));

	e->ts = bpf_ktime_get_ns();
	e->skb = (__u64)xdp;
	e->probe_id = probe_id;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->caplen = cap.caplen;
	if (CFG.output_packet && e->caplen > CFG.snaplen)
		e->caplen = CFG.snaplen;
	e->wirelen = cap.wirelen;
	e->flags |= PWRU_KEV_L2;
	if (CFG.output_stack) {
		void *stack = (void *)(e + 1) + (CFG.output_packet ? PWRU_PKT_BUF : 0);
		long n = bpf_get_stack(ctx, stack, PWRU_STACK_BYTES, 0);

		if (n > 0) {
			e->stack_bytes = n;
			e->flags |= PWRU_KEV_STACK;
		}
	}
	if (CFG.output_meta) {
		e->flags |= PWRU_KEV_META;
		e->netns = CFG.filter_netns ? netns : (dev ? dev_netns(dev) : 0);
		e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
		e->mtu = dev ? BPF_CORE_READ(dev, mtu) : 0;
		e->len = len;
	}
	if (CFG.output_tuple && pkt) {
		e->flags |= PWRU_KEV_TUPLE;
		parse_tuple(pkt, &cap, &e->tuple);
	}
	if (CFG.output_packet && pkt) {
		__u32 n = CFG.snaplen;

		if (n > PWRU_PKT_BUF)
			n = PWRU_PKT_BUF;
		e->flags |= PWRU_KEV_PACKET;
		bpf_probe_read_kernel((void *)(e + 1), n, pkt->data);
	}
	/* An XDP buffer has no skb fields (cb, tunnel headers, sk_buff
	 * dumps): the output-flags region says so with no flags set. */
	pwru_outflags_fill_xdp(xdp, (void *)(e + 1) + (CFG.output_packet ? PWRU_PKT_BUF : 0) +
					    (CFG.output_stack ? PWRU_STACK_BYTES : 0));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fentry/pwru_xdp")
int pwru_fentry_xdp(void *ctx)
{
	return handle_xdp(ctx, (void *)fentry_arg0(ctx), pwru_prog_probe_id());
}

/* enum xdp_action */
#define PWRU_XDP_PASS 2
#define PWRU_XDP_REDIRECT 4

/*
 * fexit on a traced XDP program (PWRU_TRACK_XDP only; no event): when the
 * fentry entry of this run let the buffer through and the verdict hands
 * it on, its skb is followed (see "XDP to skb" above).
 */
SEC("fexit/pwru_xdp")
int pwru_fexit_xdp(void *ctx)
{
	__u64 xdp = fentry_arg0(ctx);
	__u64 verdict = fexit_ret1(ctx);
	__u32 zero = 0;
	__u64 *hit = bpf_map_lookup_elem(&pwru_xdp_hit, &zero);
	__u64 dhs;
	__u8 one = 1;

	if (!hit || !xdp || *hit != xdp)
		return 0;
	*hit = 0;
	if ((__u32)verdict != PWRU_XDP_PASS && (__u32)verdict != PWRU_XDP_REDIRECT)
		return 0;
	dhs = (__u64)BPF_CORE_READ((struct xdp_buff *)xdp, data_hard_start);
	if (dhs)
		bpf_map_update_elem(&pwru_xdp_dhs, &dhs, &one, PWRU_BPF_ANY);
	return 0;
}

/*
 * Skb tracking programs (see "Skb tracking" above), loaded only when
 * tracking is on. Lifetime, on every backend: raw tracepoints whose skb
 * (or freed object) is argument 1 (skb:kfree_skb, skb:consume_skb) or 2
 * (kmem:kmem_cache_free).
 */
SEC("raw_tp/pwru")
int pwru_untrack_tp1(struct bpf_raw_tracepoint_args *ctx)
{
	pwru_untrack(ctx->args[0]);
	return 0;
}

SEC("raw_tp/pwru")
int pwru_untrack_tp2(struct bpf_raw_tracepoint_args *ctx)
{
	pwru_untrack(ctx->args[1]);
	return 0;
}

/* kmem:kmem_cache_free(call_site, ptr, cache) runs for every slab free on
 * the machine: look the object up only when its cache holds skbs
 * (skbuff_head_cache, skbuff_fclone_cache: objects the size of struct
 * sk_buff or struct sk_buff_fclones). */
SEC("raw_tp/pwru")
int pwru_untrack_slab(struct bpf_raw_tracepoint_args *ctx)
{
	struct kmem_cache *cache = (void *)ctx->args[2];
	__u32 size = BPF_CORE_READ(cache, object_size);

	if (size == bpf_core_type_size(struct sk_buff) || size == bpf_core_type_size(struct sk_buff_fclones))
		pwru_untrack(ctx->args[1]);
	return 0;
}

/* Clones and copies, kprobe backends: the same bodies as kprobe and as
 * kprobe.multi programs (the core loads the pair its backend uses). */
static __always_inline int track_copy(struct pt_regs *ctx)
{
	__u64 new = PT_REGS_PARM1(ctx);
	__u64 old = PT_REGS_PARM2(ctx);

	if (new && bpf_map_lookup_elem(&pwru_track_skb, &old))
		track_add(new);
	return 0;
}

static __always_inline int track_clone_entry(struct pt_regs *ctx)
{
	struct sk_buff *skb = (void *)PT_REGS_PARM1(ctx);
	__u64 key = (__u64)skb;
	struct pwru_clone_key ck = {};
	__u8 one = 1;

	if (!skb || !bpf_map_lookup_elem(&pwru_track_skb, &key))
		return 0;
	ck.head = (__u64)BPF_CORE_READ(skb, head);
	ck.pid_tgid = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pwru_clone_stash, &ck, &one, PWRU_BPF_ANY);
	return 0;
}

static __always_inline int track_clone_return(struct pt_regs *ctx)
{
	struct sk_buff *clone = (void *)PT_REGS_RC(ctx);
	struct pwru_clone_key ck = {};

	if (!clone)
		return 0;
	ck.head = (__u64)BPF_CORE_READ(clone, head);
	ck.pid_tgid = bpf_get_current_pid_tgid();
	if (!bpf_map_lookup_elem(&pwru_clone_stash, &ck))
		return 0;
	bpf_map_delete_elem(&pwru_clone_stash, &ck);
	track_add((__u64)clone);
	return 0;
}

/* `pskb`: the struct sk_buff ** argument. */
static __always_inline int track_xdp_copy_entry(__u64 pskb)
{
	__u64 skb = 0;
	__u64 id;

	if (!pskb || bpf_probe_read_kernel(&skb, sizeof(skb), (void *)pskb) || !skb ||
	    !bpf_map_lookup_elem(&pwru_track_skb, &skb))
		return 0;
	id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pwru_veth_stash, &id, &pskb, PWRU_BPF_ANY);
	return 0;
}

static __always_inline int track_xdp_copy_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *pskb = bpf_map_lookup_elem(&pwru_veth_stash, &id);
	__u64 where, skb = 0;

	if (!pskb)
		return 0;
	where = *pskb;
	bpf_map_delete_elem(&pwru_veth_stash, &id);
	/* 0: converted (into a copy or in place); the skb is gone otherwise. */
	if ((int)PT_REGS_RC(ctx) != 0)
		return 0;
	if (!bpf_probe_read_kernel(&skb, sizeof(skb), (void *)where) && skb)
		track_add(skb);
	return 0;
}

/* --filter-non-skb-funcs (kprobe backends): a function without an skb is
 * traced for the skb its stack carries (by-stackid). The cookie is the
 * probe id, as for the skb entries; packet slot 0 (no other entry uses
 * it, and kprobe programs never nest on a CPU). */
static __always_inline int handle_stack_kprobe(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 sid = pwru_stack_id();
	__u64 *skb = bpf_map_lookup_elem(&pwru_stack_skb, &sid);
	__u64 caller = 0;

	if (!skb)
		return 0;
	if (CFG.output_caller)
		bpf_probe_read_kernel(&caller, sizeof(caller), (void *)PT_REGS_SP(ctx));
	/* handle_skb finds the skb tracked (by address, or by this stack). */
	return handle_skb(ctx, (void *)*skb, 0, cookie & PWRU_COOKIE_PROBE_MASK, 0, 0, false, caller);
}

#include "pwru_bpfmap.bpf.h"

#define PWRU_TRACK_KPROBES(SEC_NAME, SUFFIX)                                     \
	SEC(SEC_NAME)                                                            \
	int pwru_track_copy_##SUFFIX(struct pt_regs *ctx)                        \
	{                                                                        \
		return track_copy(ctx);                                          \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_track_clone_##SUFFIX(struct pt_regs *ctx)                       \
	{                                                                        \
		return track_clone_entry(ctx);                                   \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_track_cloned_##SUFFIX(struct pt_regs *ctx)                      \
	{                                                                        \
		return track_clone_return(ctx);                                  \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_track_xcopy2_##SUFFIX(struct pt_regs *ctx)                      \
	{                                                                        \
		return track_xdp_copy_entry(PT_REGS_PARM2(ctx));                 \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_track_xcopy3_##SUFFIX(struct pt_regs *ctx)                      \
	{                                                                        \
		return track_xdp_copy_entry(PT_REGS_PARM3(ctx));                 \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_track_xcopied_##SUFFIX(struct pt_regs *ctx)                     \
	{                                                                        \
		return track_xdp_copy_return(ctx);                               \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_stack_##SUFFIX(struct pt_regs *ctx)                             \
	{                                                                        \
		return handle_stack_kprobe(ctx);                                 \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_bpfmap_##SUFFIX(struct pt_regs *ctx)                            \
	{                                                                        \
		return handle_bpfmap_entry(ctx);                                 \
	}                                                                        \
	SEC(SEC_NAME)                                                            \
	int pwru_bpfmap_ret_##SUFFIX(struct pt_regs *ctx)                        \
	{                                                                        \
		return handle_bpfmap_return(ctx);                                \
	}

PWRU_TRACK_KPROBES("kprobe/pwru", kprobe)
PWRU_TRACK_KPROBES("kprobe.multi/pwru", kmulti)
