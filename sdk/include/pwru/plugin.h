/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pwru plugin ABI, version 1.
 *
 * This is the whole boundary between the pwru host and a plugin: plain C,
 * so a plugin can be built by any compiler against this one header.
 *
 * Rules that keep the ABI stable (see README.md, "SDK: writing a plugin"):
 *  - The major version is part of the entry symbol name
 *    (pwru_plugin_entry_v1). A new major means a new symbol.
 *  - Every struct starts with `uint32_t size` (sizeof as the producer saw
 *    it). Structs only ever grow at the end, in a new minor version; a
 *    reader checks `size` before touching a field added in a later minor.
 *  - Arrays of versioned structs cross the boundary as arrays of pointers,
 *    so that growing a struct never changes an array stride.
 *  - Memory is owned by whoever allocated it. Each field says who.
 *  - No C++ exception and no longjmp ever crosses this boundary. Functions
 *    return 0 on success or a negative errno-style value on failure and then
 *    write a one-line message into the host-owned `struct pwru_error`.
 */
#ifndef PWRU_PLUGIN_H
#define PWRU_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h> /* struct bpf_insn, used by in-kernel filter code */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Minor versions (append-only; a host accepts plugins of its own or an
 * older minor and refuses newer ones):
 *  1.0: sink and filter plugins.
 *  1.1: selector plugins (struct pwru_selector_ops_v1, pwru_candidate_v1);
 *       pwru_event_v1.netns_name; pwru_event_v1 stack fields (PWRU_EV_STACK).
 *  1.2: pwru_sink_ops_v1.needs and struct pwru_sink_needs_v1: a sink asks
 *       for packet bytes (PWRU_NEED_PACKET) and a snap length, or for an
 *       output file that is never rotated (PWRU_NEED_WHOLE_STREAM). The host
 *       calls needs() only for plugins that declare abi_minor >= 2.
 *  1.3: pwru_filter_spec_v1.bpf_object and struct pwru_bpf_object_v1: a
 *       filter brings in-kernel code written in BPF C, which the host links
 *       into its kernel program. Read only from plugins that declare
 *       abi_minor >= 3.
 *  1.4: pwru_event_v1 output-flag fields (skb cb, skb metadata, tunnel
 *       tuple, BTF text of sk_buff / skb_shared_info; PWRU_EV_SKB_CB ...
 *       PWRU_EV_SHINFO_BTF) and the tunnel filter slots PWRU_SLOT_TUNNEL_L2
 *       and PWRU_SLOT_TUNNEL_L3, accepted from plugins that declare
 *       abi_minor >= 4.
 *  1.5: pwru_event_v1 BPF map fields (PWRU_EV_BPFMAP, --output-bpfmap).
 */
#define PWRU_ABI_MAJOR 1
#define PWRU_ABI_MINOR 5

/* The one symbol a plugin library exports. Its name carries the major. */
#define PWRU_PLUGIN_ENTRY_V1 pwru_plugin_entry_v1
#define PWRU_PLUGIN_ENTRY_V1_NAME "pwru_plugin_entry_v1"

enum pwru_plugin_kind {
	PWRU_KIND_SINK = 1,     /* receives decoded events (text, json, pcapng) */
	PWRU_KIND_FILTER = 2,   /* narrows what the kernel side emits */
	PWRU_KIND_SELECTOR = 3, /* chooses probe points (ABI 1.1 and later) */
};

enum pwru_log_level {
	PWRU_LOG_DEBUG = 0,
	PWRU_LOG_INFO = 1,
	PWRU_LOG_WARN = 2,
	PWRU_LOG_ERROR = 3,
};

/*
 * Host-owned error buffer. A plugin that fails writes one line (no trailing
 * newline) into `buf`, at most `len` bytes including the terminating NUL.
 */
struct pwru_error {
	char *buf;
	size_t len;
};

/*
 * Services the host offers to every plugin instance.
 * Owner: host. Lifetime: from create() until destroy() returns.
 */
struct pwru_host_v1 {
	uint32_t size;      /* Required. sizeof(struct pwru_host_v1) */
	uint32_t abi_minor; /* Required. Minor ABI version of the host. */
	void *ctx;          /* Required. Opaque; pass back to callbacks. */
	/* Required. Logs one line on pwru's diagnostic stream (stderr). */
	void (*log)(void *ctx, int level, const char *plugin, const char *msg);
};

/*
 * A byte stream a sink writes to: stdout, a file or a rotated file.
 * Owner: host. Lifetime: from sink open() until sink close() returns.
 */
struct pwru_writer_v1 {
	uint32_t size;
	uint32_t is_terminal; /* 1 when the stream is a terminal */
	void *ctx;
	/*
	 * Writes `len` bytes. A call that fits in a rotated file's maximum
	 * size goes into one file whole; a larger one is cut only at '\n', so
	 * a line is never split (write whole lines, or whole records of a
	 * binary format that does not rotate). Returns 0 or a negative errno.
	 */
	int (*write)(void *ctx, const void *buf, size_t len);
	/* Pushes buffered bytes to the kernel (a live reader sees them). */
	int (*flush)(void *ctx);
};

/* Where the event came from (pwru_event_v1.probe_kind). */
enum pwru_probe_kind {
	PWRU_PROBE_KPROBE = 0,
	PWRU_PROBE_KPROBE_MULTI = 1,
	PWRU_PROBE_TC = 2,
	PWRU_PROBE_XDP = 3,
	PWRU_PROBE_TRACEPOINT = 4,
	PWRU_PROBE_FENTRY = 5,
};

/* pwru_event_v1.flags: which optional parts of an event are valid. */
#define PWRU_EV_META (1u << 0)        /* netns, mark, ifindex, len, mtu, protocol */
#define PWRU_EV_TUPLE (1u << 1)       /* tuple */
#define PWRU_EV_DROP_REASON (1u << 2) /* drop_reason (and maybe its name) */
#define PWRU_EV_PACKET (1u << 3)      /* packet bytes */
#define PWRU_EV_CALLER (1u << 4)      /* caller_addr / caller */
#define PWRU_EV_STACK (1u << 5)       /* ABI 1.1: nstack, stack_ips, stack_syms */
#define PWRU_EV_SKB_CB (1u << 6)      /* ABI 1.4: skb_cb (--output-skb-cb) */
#define PWRU_EV_SKB_METADATA (1u << 7) /* ABI 1.4: nskb_metadata ... (--output-skb-metadata) */
#define PWRU_EV_TUNNEL (1u << 8)      /* ABI 1.4: tunnel_tuple (--output-tunnel) */
#define PWRU_EV_SKB_BTF (1u << 9)     /* ABI 1.4: skb_btf (--output-skb) */
#define PWRU_EV_SHINFO_BTF (1u << 10) /* ABI 1.4: shinfo_btf (--output-skb-shared-info) */
#define PWRU_EV_BPFMAP (1u << 11)     /* ABI 1.5: bpfmap_* (--output-bpfmap) */

/* Link type of pwru_event_v1.packet (values are pcap DLT_/LINKTYPE_ numbers). */
#define PWRU_LINKTYPE_ETHERNET 1
#define PWRU_LINKTYPE_RAW 101

/* An IPv4/IPv6 5-tuple as the kernel side parsed it. */
struct pwru_tuple_v1 {
	uint8_t saddr[16];  /* IPv4 in the first 4 bytes */
	uint8_t daddr[16];
	uint16_t sport;     /* host byte order */
	uint16_t dport;     /* host byte order */
	uint16_t l3_proto;  /* 0x0800 (IPv4), 0x86dd (IPv6) or 0 (none) */
	uint8_t l4_proto;   /* IPPROTO_* */
	uint8_t tcp_flags;  /* TCP header byte 13 (FIN=0x01 ... CWR=0x80) */
};

/*
 * One decoded event: a packet seen at one probe point.
 * Owner: host. Lifetime: during the write() call that passes it; copy what
 * you keep. Strings are NUL-terminated, never NULL unless stated.
 */
struct pwru_event_v1 {
	uint32_t size;
	uint32_t flags;        /* PWRU_EV_* */
	uint64_t skb;          /* address of the struct sk_buff */
	uint64_t ktime_ns;     /* bpf_ktime_get_ns() at the probe (CLOCK_MONOTONIC) */
	uint64_t wall_ns;      /* the same instant on CLOCK_REALTIME (ns since epoch) */
	uint32_t cpu;
	uint32_t pid;          /* thread-group id of the current task (0 in softirq of idle) */
	const char *process;   /* "<exe path>:<pid>", "<empty>:<pid>" when unknown */
	const char *comm;      /* task comm at the probe */
	uint32_t probe_id;     /* index into pwru_session_v1.probes */
	uint32_t probe_kind;   /* enum pwru_probe_kind */
	const char *func;      /* probe display name: kernel function or tracepoint */
	uint64_t func_addr;    /* kernel address of the function (0 for tracepoints) */
	uint64_t caller_addr;  /* PWRU_EV_CALLER */
	const char *caller;    /* PWRU_EV_CALLER: nearest symbol, or "" */
	uint64_t drop_reason;  /* PWRU_EV_DROP_REASON: enum skb_drop_reason value */
	const char *drop_reason_name; /* "SKB_DROP_REASON_..." or NULL if unknown */
	/* PWRU_EV_META */
	uint32_t netns;        /* inode of the packet's network namespace */
	uint32_t mark;
	uint32_t ifindex;
	uint32_t len;          /* skb->len */
	uint32_t mtu;
	uint16_t protocol;     /* skb->protocol, host byte order (0x0800 ...) */
	uint16_t reserved0;
	const char *ifname;    /* interface name in that namespace, or NULL */
	/* PWRU_EV_TUPLE */
	struct pwru_tuple_v1 tuple;
	/* PWRU_EV_PACKET: bytes from the MAC header (ETHERNET) or network header (RAW) */
	const uint8_t *packet;
	uint32_t caplen;       /* bytes in packet */
	uint32_t wirelen;      /* length of the packet on the wire from that header */
	uint32_t linktype;     /* PWRU_LINKTYPE_* */
	uint32_t reserved1;
	/* ABI 1.1: name of the packet's netns from /run/netns (--output-netns-names),
	 * or NULL. Check `size` before reading it. */
	const char *netns_name;
	/* ABI 1.1, PWRU_EV_STACK: the kernel stack at the probe (--output-stack),
	 * innermost frame first, each with its nearest kallsyms symbol. */
	uint32_t nstack;
	uint32_t reserved2;
	const uint64_t *stack_ips;
	const char *const *stack_syms;
	/* ABI 1.4 (check `size` before reading these). */
	/* PWRU_EV_SKB_CB: the 20 bytes of struct qdisc_skb_cb data, i.e.
	 * __sk_buff->cb[0..4] (--output-skb-cb). */
	uint32_t skb_cb[5];
	/* PWRU_EV_SKB_METADATA (--output-skb-metadata): nskb_metadata values,
	 * each with its expression ("skb->dev->ifindex"), the expression's
	 * last field name ("ifindex"), the raw value (the field's bytes,
	 * bitfields shifted down, zero-extended) and its text as the field's
	 * BTF type prints it (decimal, enum names, 0x pointers). */
	uint32_t nskb_metadata;
	const char *const *skb_metadata_exprs;
	const char *const *skb_metadata_names;
	const uint64_t *skb_metadata_raw;
	const char *const *skb_metadata_text;
	/* PWRU_EV_TUNNEL: the inner tuple of a tunnelled packet (from
	 * head + inner_network_header; all zero when the skb has none). */
	struct pwru_tuple_v1 tunnel_tuple;
	/* PWRU_EV_SKB_BTF / PWRU_EV_SHINFO_BTF: bpf_snprintf_btf() text of the
	 * struct sk_buff and of its struct skb_shared_info (several lines, no
	 * trailing newline), or "" when the kernel could not print it. */
	const char *skb_btf;
	const char *shinfo_btf;
	/* ABI 1.5, PWRU_EV_BPFMAP (--output-bpfmap): the BPF map operation this
	 * event is (an update, delete or lookup traced as a non-skb function):
	 * the map's id, name, key and value sizes, and up to 256 bytes each of
	 * the key and the value. bpfmap_key_len / bpfmap_value_len say how many
	 * bytes were read: 0 when there are none (a delete has no value, a
	 * lookup that found nothing has none). */
	uint32_t bpfmap_id;
	uint32_t bpfmap_key_size;
	uint32_t bpfmap_value_size;
	uint32_t bpfmap_key_len;
	uint32_t bpfmap_value_len;
	uint32_t reserved3;
	const char *bpfmap_name;
	const uint8_t *bpfmap_key;
	const uint8_t *bpfmap_value;
};

/* One attached probe point; pwru_event_v1.probe_id indexes these. */
struct pwru_probe_v1 {
	uint32_t size;
	uint32_t kind;         /* enum pwru_probe_kind */
	const char *name;      /* function or tracepoint name */
	uint64_t addr;         /* kernel address, 0 for tracepoints */
};

/*
 * What a sink learns when the trace starts.
 * Owner: host. Lifetime: from open() until close() returns.
 */
struct pwru_session_v1 {
	uint32_t size;
	uint32_t nprobes;
	const struct pwru_probe_v1 *const *probes; /* nprobes pointers */
	const struct pwru_writer_v1 *out;          /* where this sink writes */
	const char *backend;                       /* "tracepoint", "kprobe", ... */
	const char *pwru_version;
	int64_t mono_to_wall_ns;                   /* wall_ns = ktime_ns + this */
};

/* pwru_sink_needs_v1.flags (ABI 1.2) */
#define PWRU_NEED_PACKET (1u << 0) /* packet bytes in each event (PWRU_EV_PACKET) */
/* The sink writes one binary stream that only makes sense whole (pcapng):
 * the host truncates its file instead of appending, and never rotates it
 * (--output-file-max-size etc. do not apply to it). */
#define PWRU_NEED_WHOLE_STREAM (1u << 1)

/*
 * ABI 1.2. What a sink needs the kernel side to capture for it, asked once
 * through pwru_sink_ops_v1.needs after create() and before the kernel
 * program is loaded. The host takes the union over all sinks: packet bytes
 * are captured when any sink sets PWRU_NEED_PACKET, up to the largest
 * snaplen asked for, clamped to what this pwru can capture (512 bytes). A
 * sink that wants fewer bytes than another one cuts each packet itself:
 * pwru_event_v1.caplen is at most the host's snap length, not the sink's.
 * Owner: host (zeroed, `size` set by the host). Lifetime: the needs() call.
 */
struct pwru_sink_needs_v1 {
	uint32_t size;     /* Set by the host: sizeof(struct pwru_sink_needs_v1) as it saw it. */
	uint32_t flags;    /* Plugin sets: PWRU_NEED_* */
	uint32_t snaplen;  /* Plugin sets with PWRU_NEED_PACKET: bytes per packet, >= 1 */
	uint32_t reserved; /* 0 */
};

/* Sink functions. Owner: plugin (static storage). */
struct pwru_sink_ops_v1 {
	uint32_t size;
	/* Required. Called once before the first event (header goes here). */
	int (*open)(void *inst, const struct pwru_session_v1 *session, struct pwru_error *err);
	/* Required. A batch of n events, in order. */
	int (*write)(void *inst, const struct pwru_event_v1 *const *events, size_t n,
		     struct pwru_error *err);
	/* Optional. The host calls it when the event stream goes idle. */
	int (*flush)(void *inst, struct pwru_error *err);
	/* Optional. Called once at the end (also after errors if open succeeded). */
	int (*close)(void *inst, struct pwru_error *err);
	/*
	 * ABI 1.2. Optional (NULL: needs nothing beyond the default event).
	 * Called once after create(), before open(), only when the plugin's
	 * descriptor says abi_minor >= 2 and this table's size covers it. Fill
	 * *needs (see struct pwru_sink_needs_v1).
	 */
	int (*needs)(void *inst, struct pwru_sink_needs_v1 *needs, struct pwru_error *err);
};

/* Where spliced filter code goes (pwru_filter_code_v1.slot). */
enum pwru_filter_slot {
	PWRU_SLOT_PCAP_L2 = 1, /* packet from the MAC header (Ethernet) */
	PWRU_SLOT_PCAP_L3 = 2, /* packet from the network header (raw IPv4/IPv6) */
	/* ABI 1.4: the inner packet of a tunnelled skb (vxlan, geneve ...):
	 * from head + inner_mac_header (Ethernet) and head + inner_network_header
	 * (raw IP). A packet without inner headers is not filtered by them. */
	PWRU_SLOT_TUNNEL_L2 = 3,
	PWRU_SLOT_TUNNEL_L3 = 4,
};

/* pwru_filter_code_v1.mode */
enum pwru_filter_code_mode {
	PWRU_CODE_INSNS = 1,      /* use insns[] */
	PWRU_CODE_ACCEPT_ALL = 2, /* every packet matches */
	PWRU_CODE_REJECT_ALL = 3, /* no packet matches (e.g. `arp` at L3) */
};

/*
 * eBPF code for one slot. The instructions form the complete body of a BPF
 * subprogram that the host splices into its kernel program. Calling
 * convention (the host's twin is bpf/pwru_filter.bpf.h):
 *   r1 = pointer to the packet bytes (a map value of env.pkt_buf_size bytes)
 *   r2 = caplen: valid bytes at r1 (<= env.pkt_buf_size)
 *   r3 = wirelen: the packet's full length from the same header
 *   return r0 != 0 to accept, r0 == 0 to reject.
 * The body bounds-checks every load against the constant env.pkt_buf_size
 * and against caplen, calls no helper, uses no map, keeps r6-r9 intact (save
 * them on its own stack if it needs them), uses at most 128 bytes of stack
 * and ends with BPF_EXIT.
 */
struct pwru_filter_code_v1 {
	uint32_t size;
	uint32_t slot;               /* enum pwru_filter_slot */
	uint32_t mode;               /* enum pwru_filter_code_mode */
	uint32_t insn_cnt;
	const struct bpf_insn *insns; /* owner: plugin instance, until destroy() */
	const char *what;            /* human text for logs, e.g. the expression */
};

/* Values a BPF C filter receives as a0..a3 (pwru_bpf_object_v1.args). */
#define PWRU_BPF_FILTER_NARGS 4

/*
 * ABI 1.3. In-kernel filter code written in BPF C.
 *
 * `elf` is a BPF ELF object, as `clang -target bpf -g -O2 -c` makes it
 * (pwru_add_plugin(... BPF_SOURCES f.bpf.c) builds and embeds it), that
 * defines the global, non-weak function declared in <pwru/bpf/filter.bpf.h>:
 *
 *   int pwru_bpf_filter(__u64 skb, __u64 a0, __u64 a1, __u64 a2, __u64 a3);
 *
 * skb is the address of the struct sk_buff (read it with BPF_CORE_READ),
 * a0..a3 are `args` below; a nonzero return keeps the packet. The host links
 * the object into its own kernel program with libbpf's static linker before
 * loading it (no freplace is needed), after the cheap metadata checks and
 * before packet bytes are copied, so a rejected packet costs one call.
 * The kernel verifies pwru_bpf_filter on its own, as a global function: it
 * may call helpers allowed in tracing programs (bpf_probe_read_kernel ...),
 * read its own maps and global data, and must not define BPF programs
 * (SEC("kprobe/...") etc.). One filter per trace can bring an object.
 * Owner: plugin instance; valid until destroy().
 */
struct pwru_bpf_object_v1 {
	uint32_t size;      /* sizeof(struct pwru_bpf_object_v1) */
	uint32_t reserved;  /* 0 */
	const void *elf;    /* the ELF object's bytes */
	size_t elf_size;
	uint64_t args[PWRU_BPF_FILTER_NARGS]; /* passed as a0..a3 */
	const char *what;   /* human text for logs, e.g. "skb->len in [500, 1500]" */
};

/* pwru_filter_spec_v1.meta_flags */
#define PWRU_META_MARK (1u << 0)
#define PWRU_META_NETNS (1u << 1)
#define PWRU_META_IFINDEX (1u << 2)

/*
 * A filter's result: cheap metadata checks the host's kernel program already
 * knows how to do, plus code for packet slots. The host ANDs all filters.
 * Owner: plugin instance; valid until destroy().
 */
struct pwru_filter_spec_v1 {
	uint32_t size;
	uint32_t meta_flags;
	uint32_t mark;        /* PWRU_META_MARK: (skb->mark & mark_mask) == mark */
	uint32_t mark_mask;
	uint32_t netns;       /* PWRU_META_NETNS: netns inode */
	uint32_t ifindex;     /* PWRU_META_IFINDEX */
	uint32_t ncode;
	const struct pwru_filter_code_v1 *const *code; /* ncode pointers */
	/* ABI 1.3: BPF C code to link into the kernel program, or NULL. The
	 * host reads it only when the plugin declares abi_minor >= 3. */
	const struct pwru_bpf_object_v1 *bpf_object;
};

/* What the host tells a filter about the kernel program it builds. */
struct pwru_filter_env_v1 {
	uint32_t size;
	uint32_t pkt_buf_size;  /* bytes addressable at r1 in spliced code */
	uint32_t self_netns;    /* inode of pwru's own network namespace */
	uint32_t reserved;
};

/* Filter functions. Owner: plugin (static storage). */
struct pwru_filter_ops_v1 {
	uint32_t size;
	/* Required. Fill *spec (host zeroes it and sets spec->size first). */
	int (*build)(void *inst, const struct pwru_filter_env_v1 *env,
		     struct pwru_filter_spec_v1 *spec, struct pwru_error *err);
};

/*
 * ABI 1.1. One probe point the core can attach (pwru_selector_ops_v1.select
 * input). The core builds the list from the kernel's BTF: functions with a
 * struct sk_buff * parameter that are traceable (available_filter_functions),
 * and tracepoints with an skb argument.
 * Owner: host. Lifetime: during the select() call that passes it.
 */
struct pwru_candidate_v1 {
	uint32_t size;
	uint32_t kind;        /* PWRU_PROBE_KPROBE: kernel function; PWRU_PROBE_TRACEPOINT: tracepoint */
	const char *name;     /* function or tracepoint name as in BTF (e.g. "ip_rcv") */
	const char *module;   /* "vmlinux" or the module name ("veth") */
	uint64_t addr;        /* kallsyms address, 0 if the name is not in kallsyms */
	uint32_t skb_pos;     /* 1..5: position of the struct sk_buff * argument */
	uint32_t reason_pos;  /* 0 or 1..5: enum skb_drop_reason argument */
	uint32_t nargs;
	uint32_t reserved;
};

/* ABI 1.1. Selector functions. Owner: plugin (static storage). */
struct pwru_selector_ops_v1 {
	uint32_t size;
	/* Required. Sets chosen[i] = 1 for each candidate to attach (host zeroes `chosen`). */
	int (*select)(void *inst, const struct pwru_candidate_v1 *const *cands, size_t n,
		      uint8_t *chosen, struct pwru_error *err);
};

/*
 * The plugin descriptor returned by the entry symbol.
 * Owner: plugin (static storage). Lifetime: while the library is loaded.
 */
struct pwru_plugin_v1 {
	uint32_t size;
	uint16_t abi_major;       /* PWRU_ABI_MAJOR the plugin was built with */
	uint16_t abi_minor;       /* PWRU_ABI_MINOR the plugin was built with */
	uint32_t kind;            /* enum pwru_plugin_kind */
	uint32_t reserved;
	const char *name;         /* short name, the TOML `plugin = "name"` */
	const char *version;      /* plugin version, free form */
	const char *description;  /* one line */
	const char *config_doc;   /* documented TOML keys, one per line */
	/*
	 * Required. Creates an instance from the plugin's own TOML table
	 * (`config_toml`, possibly empty). `origin` names where the table came
	 * from ("--config trace.toml [[sink]] #2", "command line") for messages.
	 * Unknown keys must be rejected. Returns NULL and fills *err on failure.
	 */
	void *(*create)(const struct pwru_host_v1 *host, const char *config_toml,
			const char *origin, struct pwru_error *err);
	/* Required. Frees an instance. Never fails. */
	void (*destroy)(void *inst);
	/* Required. By kind: struct pwru_sink_ops_v1 *, struct pwru_filter_ops_v1 *
	 * or (ABI 1.1) struct pwru_selector_ops_v1 *. */
	const void *ops;
};

typedef const struct pwru_plugin_v1 *(*pwru_plugin_entry_v1_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PWRU_PLUGIN_H */
