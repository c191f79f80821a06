// SPDX-License-Identifier: Apache-2.0
// The rows of every pwru option (see option_table.h for the design) and
// the setters that check a value the same way wherever it came from.
#include "config/option_table.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <sstream>

namespace pwru::config {
namespace {

constexpr std::string_view kFilters = "Filters";
constexpr std::string_view kProbes = "Probes";
constexpr std::string_view kTracking = "Tracking";
constexpr std::string_view kOutput = "Output";
constexpr std::string_view kOutputFile = "Output file";
constexpr std::string_view kMisc = "Misc";

constexpr std::array<std::string_view, 4> kBackends{"auto", "kprobe-multi", "kprobe", "tracepoint"};
constexpr std::array<std::string_view, 4> kTimestamps{"none", "current", "relative", "absolute"};
constexpr std::array<std::string_view, 2> kPcapngLinktypes{"auto", "ethernet"};

std::string check_module_name(const std::string& m) {
  if (m.empty() || m.find('/') != std::string::npos || m == "." || m == "..")
    return "must be a module name such as veth";
  return "";
}

// --filter-non-skb-funcs items: kernel symbol names (foo, foo.isra.0).
std::string check_func_name(const std::string& f) {
  if (f.empty()) return "must be a kernel function name such as fib_table_lookup";
  for (char c : f)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'))
      return "must be a kernel function name such as fib_table_lookup (letters, digits, '_' and '.')";
  return "";
}

std::string check_readable(const std::string& path) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return "";
  return std::strerror(errno);
}

constexpr auto kNotYet = Availability::kNotYet;
constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();

// Keys are the flag's name without its group's prefix ("--filter-mark" is
// packet.mark, "--output-tcp-flags" output.tcp-flags), except where that
// would be ambiguous (probe.filter-func, the selector plugin's own key).
const OptionSpec kOptionTable[] = {
    // Filters: which packets.
    {.flag = "pcap-filter", .table = "packet", .key = "pcap", .field = &Options::pcap_filter, .group = kFilters,
     .help = "pcap-filter expression, see \"man 7 pcap-filter\" (the words are joined with spaces)"},
    {.flag = "--filter-mark", .table = "packet", .key = "mark", .field = &Options::filter_mark, .group = kFilters,
     .help = "only skbs whose mark matches (MARK[/MASK], decimal or 0x hex, e.g. 0xa00/0xf00)",
     .value_name = "MARK[/MASK]"},
    {.flag = "--filter-netns", .table = "packet", .key = "netns", .field = &Options::filter_netns, .group = kFilters,
     .help = "only skbs of one network namespace (/proc/<pid>/ns/net, /run/netns/NAME, NAME or inode:<n>)",
     .value_name = "NS"},
    {.flag = "--filter-ifname", .table = "packet", .key = "ifname", .field = &Options::filter_ifname,
     .group = kFilters, .help = "only skbs on this interface of --filter-netns (default: pwru's own namespace)",
     .value_name = "NAME"},
    {.flag = "--filter-skb-expr", .table = "packet", .key = "skb-expr", .field = &Options::filter_skb_expr,
     .group = kFilters,
     .help = "only skbs for which 'skb->FIELD OP CONSTANT' holds (OP: = == != < <= > >=; CONSTANT: a number "
             "or an enumerator), e.g. 'skb->len > 100', 'skb->dev->ifindex == 1'",
     .value_name = "EXPR"},
    {.flag = "--filter-xdp-expr", .table = "packet", .key = "xdp-expr", .field = &Options::filter_xdp_expr,
     .group = kFilters,
     .help = "only XDP buffers (--filter-trace-xdp) for which 'xdp->FIELD OP CONSTANT' holds, as "
             "--filter-skb-expr, e.g. 'xdp->rxq->dev->ifindex == 2'",
     .value_name = "EXPR"},
    {.flag = "--filter-tunnel-pcap-l2", .table = "packet", .key = "tunnel-pcap-l2",
     .field = &Options::filter_tunnel_pcap_l2, .group = kFilters,
     .help = "pcap-filter on the inner Ethernet header of vxlan/geneve packets", .value_name = "EXPR"},
    {.flag = "--filter-tunnel-pcap-l3", .table = "packet", .key = "tunnel-pcap-l3",
     .field = &Options::filter_tunnel_pcap_l3, .group = kFilters,
     .help = "pcap-filter on the inner IP header of vxlan/geneve packets", .value_name = "EXPR"},
    // Probes: where to look.
    {.flag = "--backend", .table = "probe", .key = "backend", .field = &Options::backend, .group = kProbes,
     .help = "tracing backend: auto, kprobe-multi, kprobe or tracepoint (default auto)", .value_name = "NAME",
     .choices = kBackends},
    {.flag = "--filter-func", .table = "probe", .key = "filter-func", .field = &Options::filter_func,
     .group = kProbes, .help = "only kernel functions whose whole name matches this RE2 regular expression",
     .value_name = "REGEX"},
    {.flag = "--kmods", .table = "probe", .key = "kmods", .field = &Options::kmods, .group = kProbes,
     .help = "also trace the functions of these kernel modules (comma-separated)", .value_name = "MODS",
     .check = check_module_name},
    {.flag = "--all-kmods", .table = "probe", .key = "all-kmods", .field = &Options::all_kmods, .group = kProbes,
     .help = "also trace the functions of every kernel module with BTF"},
    {.flag = "--kernel-btf", .table = "probe", .key = "kernel-btf", .field = &Options::kernel_btf,
     .group = kProbes, .help = "read the kernel's BTF from FILE instead of /sys/kernel/btf/vmlinux",
     .value_name = "FILE", .check = check_readable},
    {.flag = "--filter-kprobe-batch", .table = "probe", .key = "kprobe-batch",
     .field = &Options::filter_kprobe_batch, .group = kProbes,
     .help = "kprobes attached/detached at once (kprobe backend)", .min = 1, .max = kU32},
    {.flag = "--filter-non-skb-funcs", .table = "probe", .key = "non-skb-funcs",
     .field = &Options::filter_non_skb_funcs, .group = kProbes,
     .help = "also trace these functions without an skb argument, for the skb traced last on the same "
             "stack (comma-separated; kprobe backends; implies --filter-track-skb-by-stackid)",
     .value_name = "FUNCS", .check = check_func_name},
    {.flag = "--filter-track-bpf-helpers", .table = "probe", .key = "track-bpf-helpers",
     .field = &Options::filter_track_bpf_helpers, .group = kProbes,
     .help = "also trace the BPF helpers, kfuncs and map operations the loaded BPF programs call, for the skb "
             "traced last on the same stack (kprobe backends; implies --filter-track-skb-by-stackid)"},
    {.flag = "--filter-trace-tc", .table = "probe", .key = "trace-tc", .field = &Options::filter_trace_tc,
     .group = kProbes, .help = "also trace the tc BPF programs loaded now (fentry; those with BTF); implies --output-skb-cb"},
    {.flag = "--filter-trace-xdp", .table = "probe", .key = "trace-xdp", .field = &Options::filter_trace_xdp,
     .group = kProbes, .help = "also trace the XDP programs loaded now (fentry; those with BTF)"},
    // Tracking: follow a packet after it stops matching.
    {.flag = "--filter-track-skb", .table = "track", .key = "skb", .field = &Options::filter_track_skb,
     .group = kTracking,
     .help = "keep tracing an skb that matched once (after NAT, decapsulation, ...) until it is freed; "
             "kprobe backends also follow its clones and copies"},
    {.flag = "--filter-track-skb-by-stackid", .table = "track", .key = "skb-by-stackid",
     .field = &Options::filter_track_skb_by_stackid, .group = kTracking,
     .help = "also trace any skb on the same kernel stack (task, or a CPU's interrupt stack) as a traced skb "
             "that is still alive"},
    // Output: what each event line shows.
    {.flag = "--output-meta", .table = "output", .key = "meta", .field = &Options::output_meta, .group = kOutput,
     .help = "print netns, mark, interface, protocol, MTU and length"},
    {.flag = "--output-tuple", .table = "output", .key = "tuple", .field = &Options::output_tuple,
     .group = kOutput, .help = "print the L3/L4 tuple"},
    {.flag = "--output-tcp-flags", .table = "output", .key = "tcp-flags", .field = &Options::output_tcp_flags,
     .group = kOutput, .help = "print TCP flags in the tuple"},
    {.flag = "--output-caller", .table = "output", .key = "caller", .field = &Options::output_caller,
     .group = kOutput, .help = "print the calling function (kprobe backends)"},
    {.flag = "--output-stack", .table = "output", .key = "stack", .field = &Options::output_stack,
     .group = kOutput, .help = "print the kernel stack of each event"},
    {.flag = "--output-netns-names", .table = "output", .key = "netns-names", .field = &Options::output_netns_names,
     .group = kOutput, .help = "print the /run/netns name of the packet's namespace"},
    {.flag = "--netns-names-max-length", .table = "output", .key = "netns-names-max-length",
     .field = &Options::netns_names_max_length, .group = kOutput,
     .help = "width of the netns name column (at least 10)", .max = 255, .clamp_min = 10},
    {.flag = "--timestamp", .table = "output", .key = "timestamp", .field = &Options::timestamp, .group = kOutput,
     .help = "timestamp per event: none, current, relative or absolute", .value_name = "KIND",
     .choices = kTimestamps},
    {.flag = "--output-json", .table = "output", .key = "json", .field = &Options::output_json, .group = kOutput,
     .help = "print one JSON object per line instead of text"},
    {.flag = "--output-limit-lines", .table = "output", .key = "limit-lines",
     .field = &Options::output_limit_lines, .group = kOutput, .help = "exit after N events (0 = never)"},
    {.flag = "--output-tunnel", .table = "output", .key = "tunnel", .field = &Options::output_tunnel,
     .group = kOutput, .help = "print the inner tuple of tunnelled packets"},
    {.flag = "--output-skb", .table = "output", .key = "skb", .field = &Options::output_skb, .group = kOutput,
     .help = "print the whole struct sk_buff (bpf_snprintf_btf)"},
    {.flag = "--output-skb-shared-info", .table = "output", .key = "skb-shared-info",
     .field = &Options::output_skb_shared_info, .group = kOutput, .help = "print the skb's struct skb_shared_info"},
    {.flag = "--output-skb-cb", .table = "output", .key = "skb-cb", .field = &Options::output_skb_cb,
     .group = kOutput, .help = "print skb->cb (the 5 words of qdisc_skb_cb data, __sk_buff->cb[])"},
    {.flag = "--output-skb-metadata", .table = "output", .key = "skb-metadata",
     .field = &Options::output_skb_metadata, .group = kOutput,
     .help = "print up to 4 skb fields (at most 8 bytes each), e.g. skb->mark,skb->dev->ifindex",
     .value_name = "EXPRS"},
    {.flag = "--output-xdp-metadata", .table = "output", .key = "xdp-metadata",
     .field = &Options::output_xdp_metadata, .group = kOutput,
     .help = "print up to 4 XDP buffer fields (--filter-trace-xdp events; at most 8 bytes each), e.g. "
             "xdp->rxq->queue_index,xdp->rxq->dev->ifindex",
     .value_name = "EXPRS"},
    {.flag = "--output-bpfmap", .table = "output", .key = "bpfmap", .field = &Options::output_bpfmap,
     .group = kOutput,
     .help = "print the map, key and value of BPF map updates, deletes and lookups traced as non-skb funcs "
             "(kprobe backends)"},
    {.flag = "--set-percpu-buf", .table = "output", .key = "set-percpu-buf", .field = &Options::set_percpu_buf,
     .group = kOutput,
     .help = "buffer size for --output-skb/--output-skb-shared-info (no effect in this build: their text "
             "travels in a fixed 4096-byte region of each event)",
     .max = kU32},
    // Output file: where the main sink writes (and how files rotate).
    {.flag = "--output-pcapng", .table = "output", .key = "pcapng", .field = &Options::output_pcapng,
     .group = kOutput,
     .help = "also write each traced packet to a pcapng FILE (\"-\" = stdout: the text then goes only to "
             "--output-file)",
     .value_name = "FILE"},  // "" (the default) = no pcapng output, as --output-file "" = stdout
    // Twin of the pcapng sink's own range check and of PWRU_PKT_BUF
    // (bpf/pwru_event.h), the most the kernel side captures.
    {.flag = "--output-pcapng-snaplen", .table = "output", .key = "pcapng-snaplen",
     .field = &Options::output_pcapng_snaplen, .group = kOutput,
     .help = "bytes of each packet kept in the pcapng output", .value_name = "BYTES", .min = 1, .max = 512},
    {.flag = "--output-pcapng-linktype", .table = "output", .key = "pcapng-linktype",
     .field = &Options::output_pcapng_linktype, .group = kOutput,
     .help = "pcapng link types: auto (Ethernet or raw IP, as captured; Wireshark) or ethernet (raw IP "
             "packets get a synthetic Ethernet header: one link type, as libpcap/tcpdump need)",
     .value_name = "TYPE", .choices = kPcapngLinktypes},
    {.flag = "--output-file", .table = "output", .key = "file", .field = &Options::output_file,
     .group = kOutputFile, .help = "append the trace to FILE, rotating it by size (default stdout)",
     .value_name = "FILE"},
    {.flag = "--output-file-max-size", .table = "output", .key = "file-max-size",
     .field = &Options::output_file_max_size, .group = kOutputFile,
     .help = "rotate the file before it grows past this many MB (0 = 100)", .value_name = "MB", .max = kU32},
    {.flag = "--output-file-max-backups", .table = "output", .key = "file-max-backups",
     .field = &Options::output_file_max_backups, .group = kOutputFile,
     .help = "keep the newest N rotated files (0 = all)", .max = kU32},
    {.flag = "--output-file-max-age", .table = "output", .key = "file-max-age",
     .field = &Options::output_file_max_age, .group = kOutputFile,
     .help = "delete rotated files older than this many days (0 = never)", .value_name = "DAYS", .max = kU32},
    {.flag = "--output-file-compress", .table = "output", .key = "file-compress",
     .field = &Options::output_file_compress, .group = kOutputFile, .help = "gzip rotated files"},
    // Misc.
    {.flag = "--ready-file", .table = "run", .key = "ready-file", .field = &Options::ready_file, .group = kMisc,
     .help = "create FILE once every probe is attached", .value_name = "FILE"},
    {.flag = "--debug", .table = "run", .key = "debug", .field = &Options::debug, .group = kMisc,
     .help = "debug logging (libbpf's messages included)"},
    {.flag = "--allow-untrusted-plugins", .table = "run", .key = "allow-untrusted-plugins",
     .field = &Options::allow_untrusted_plugins, .group = kMisc,
     .help = "load plugin files or directories that are writable by group/others or not owned by root "
             "(warns for each)"},
};

std::string join_choices(std::span<const std::string_view> c) {
  std::string s;
  for (size_t i = 0; i < c.size(); ++i) {
    if (i != 0) s += i + 1 == c.size() ? " or " : ", ";
    s += c[i];
  }
  return s;
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

std::string set_uint(const OptionSpec& spec, uint64_t n, Options& o) {
  if (n < spec.min) return "must be at least " + std::to_string(spec.min);
  if (n > spec.max) return "must be at most " + std::to_string(spec.max);
  n = std::max(n, spec.clamp_min);
  if (auto* f = std::get_if<uint32_t Options::*>(&spec.field)) {
    if (n > std::numeric_limits<uint32_t>::max())
      return "must be at most " + std::to_string(std::numeric_limits<uint32_t>::max());
    o.*(*f) = static_cast<uint32_t>(n);
  } else {
    o.*std::get<uint64_t Options::*>(spec.field) = n;
  }
  return "";
}

std::string set_string(const OptionSpec& spec, const std::string& v, Options& o) {
  const Options defaults;
  const bool is_default = v == defaults.*std::get<std::string Options::*>(spec.field);
  if (!spec.choices.empty() && !is_default) {
    bool ok = false;
    for (auto c : spec.choices) ok = ok || v == c;
    if (!ok) return "must be " + join_choices(spec.choices);
  }
  if (spec.check != nullptr) {
    if (auto why = spec.check(v); !why.empty()) return why;
  }
  o.*std::get<std::string Options::*>(spec.field) = v;
  return "";
}

}  // namespace

std::span<const OptionSpec> option_table() { return kOptionTable; }

std::vector<std::string_view> option_tables() {
  std::vector<std::string_view> out;
  for (const auto& s : kOptionTable)
    if (out.empty() || out.back() != s.table) {
      bool seen = false;
      for (auto t : out) seen = seen || t == s.table;
      if (!seen) out.push_back(s.table);
    }
  return out;
}

const OptionSpec* find_option(std::string_view table, std::string_view key) {
  for (const auto& s : kOptionTable)
    if (s.table == table && s.key == key) return &s;
  return nullptr;
}

std::string set_bool(const OptionSpec& spec, bool v, Options& o) {
  auto* f = std::get_if<bool Options::*>(&spec.field);
  if (f == nullptr) return "is not a boolean";
  o.*(*f) = v;
  return "";
}

std::string set_text(const OptionSpec& spec, const std::string& v, Options& o) {
  if (std::holds_alternative<std::string Options::*>(spec.field)) return set_string(spec, v, o);
  if (std::holds_alternative<uint32_t Options::*>(spec.field) ||
      std::holds_alternative<uint64_t Options::*>(spec.field)) {
    // Decimal only, like pflag's uint flags.
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n, 10);
    if (v.empty() || p != v.data() + v.size()) return "must be a non-negative integer";
    if (ec == std::errc::result_out_of_range) return "must be at most " + std::to_string(spec.max);
    if (ec != std::errc()) return "must be a non-negative integer";
    return set_uint(spec, n, o);
  }
  if (std::holds_alternative<bool Options::*>(spec.field)) {
    if (v == "true" || v == "1") return set_bool(spec, true, o);
    if (v == "false" || v == "0") return set_bool(spec, false, o);
    return "must be true or false";
  }
  return set_list(spec, {v}, o);
}

std::string set_list(const OptionSpec& spec, const std::vector<std::string>& v, Options& o) {
  auto* f = std::get_if<std::vector<std::string> Options::*>(&spec.field);
  if (f == nullptr) return "is not a list";
  if (spec.check != nullptr)
    for (const auto& item : v)
      if (auto why = spec.check(item); !why.empty()) return "'" + item + "' " + why;
  o.*(*f) = v;
  return "";
}

std::string set_node(const OptionSpec& spec, const toml::node& n, Options& o) {
  return std::visit(
      [&](auto field) -> std::string {
        using T = std::remove_cvref_t<decltype(o.*field)>;
        if constexpr (std::is_same_v<T, bool>) {
          if (!n.is_boolean()) return std::string("must be a boolean (true or false), not ") + type_name(n);
          return set_bool(spec, *n.value<bool>(), o);
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!n.is_string()) return std::string("must be a string, not ") + type_name(n);
          return set_string(spec, *n.value<std::string>(), o);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          const toml::array* a = n.as_array();
          if (a == nullptr) return std::string("must be an array of strings, not ") + type_name(n);
          std::vector<std::string> items;
          for (const auto& e : *a) {
            if (!e.is_string()) return std::string("must be an array of strings, not of ") + type_name(e) + "s";
            items.push_back(*e.value<std::string>());
          }
          return set_list(spec, items, o);
        } else {
          if (!n.is_integer()) return std::string("must be an integer, not ") + type_name(n);
          int64_t v = *n.value<int64_t>();
          if (v < 0) return "must be a non-negative integer";
          return set_uint(spec, static_cast<uint64_t>(v), o);
        }
      },
      spec.field);
}

void insert_value(const OptionSpec& spec, const Options& o, toml::table& t) {
  std::visit(
      [&](auto field) {
        using T = std::remove_cvref_t<decltype(o.*field)>;
        const T& v = o.*field;
        const std::string key(spec.key);
        if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          toml::array a;
          for (const auto& s : v) a.push_back(s);
          t.insert_or_assign(key, std::move(a));
        } else if constexpr (std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>) {
          // TOML integers are signed 64-bit; every row's max fits.
          t.insert_or_assign(key, static_cast<int64_t>(v));
        } else {
          t.insert_or_assign(key, v);
        }
      },
      spec.field);
}

std::string default_text(const OptionSpec& spec, const Options& d) {
  return std::visit(
      [&](auto field) -> std::string {
        using T = std::remove_cvref_t<decltype(d.*field)>;
        const T& v = d.*field;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string s;
          for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
          return s;
        } else {
          return v == 0 ? "" : std::to_string(v);
        }
      },
      spec.field);
}

void apply_implied_options(Options& o) {
  // cilium/pwru's Parse(): the helpers and non-skb functions are found
  // through the stack id, so either one turns by-stackid tracking on.
  if (!o.filter_non_skb_funcs.empty() || o.filter_track_bpf_helpers) o.filter_track_skb_by_stackid = true;
  // cilium/pwru prints the cb column whenever tc programs are traced (a
  // tc program's __sk_buff->cb[] is where it keeps its own state).
  if (o.filter_trace_tc) o.output_skb_cb = true;
}

bool same_value(const OptionSpec& spec, const Options& a, const Options& b) {
  return std::visit([&](auto field) { return a.*field == b.*field; }, spec.field);
}

}  // namespace pwru::config
