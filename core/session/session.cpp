// SPDX-License-Identifier: Apache-2.0
//
// The life of one trace, in one direction (ARCHITECTURE.md §1):
//   options -> plugins (filters, sinks) -> kernel view -> backend choice ->
//   kernel program (rodata + spliced filters) -> attach -> ready -> events
// and teardown in reverse: links, sinks, program, libraries. Everything
// that can be wrong with the user's input is checked before anything is
// attached, so bad input never leaves a trace of itself in the kernel.
#include "session/session.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include <toml++/toml.h>

#include "attach/backend.h"
#include "attach/prog_tracer.h"
#include "attach/tracking.h"
#include "bpf/core_program.h"
#include "bpf/libbpf_log.h"
#include "decode/decoder.h"
#include "decode/resolvers.h"
#include "kernel/bpf_helpers.h"
#include "kernel/bpf_progs.h"
#include "kernel/btf.h"
#include "kernel/features.h"
#include "kernel/kallsyms.h"
#include "kernel/skb_expr.h"
#include "kernel/skb_funcs.h"
#include "plugin/candidates.h"
#include "plugin/plugin_host.h"
#include "pwru_event.h"
#include "session/writer.h"
#include "transport/ring_reader.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/privileges.h"

namespace pwru::session {
namespace {

constexpr size_t kBatch = 256;
// How long the stream may stay quiet before sinks are asked to flush.
constexpr int kIdleFlushMs = 200;

void setup_logging(bool debug) {
  auto logger = spdlog::stderr_logger_mt("pwru");
  logger->set_pattern("pwru: %v");
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
  bpf::install_libbpf_logger();
}

std::string toml_text(const toml::table& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

int64_t mono_to_wall_offset() {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  auto ns = [](const timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000LL + t.tv_nsec; };
  return ns(real) - ns(mono);
}

// The filters' combined verdict for the kernel program.
struct FilterPlan {
  pwru_bpf_config cfg{};
  std::optional<bpf::SlotCode> l2, l3;
  // ABI 1.3: the one filter that brought BPF C code, and pwru's kernel
  // object with it linked in.
  std::string bpf_owner;
  std::vector<uint8_t> linked_object;
  // --filter-tunnel-pcap-l2/-l3: the inner packet's slots (ABI 1.4).
  std::optional<bpf::SlotCode> tunnel_l2, tunnel_l3;
};

void merge_spec(const std::string& plugin, const pwru_filter_spec_v1& s, FilterPlan& plan) {
  auto& c = plan.cfg;
  if (s.meta_flags & PWRU_META_MARK) {
    if (c.filter_mark) throw UsageError("filter '" + plugin + "': a mark filter is already set");
    c.filter_mark = 1;
    c.mark = s.mark & s.mark_mask;
    c.mark_mask = s.mark_mask;
  }
  if (s.meta_flags & PWRU_META_NETNS) {
    // --filter-ifname implies a netns check too (an ifindex is only unique
    // within a namespace): the same namespace twice is fine.
    if (c.filter_netns && c.netns != s.netns)
      throw UsageError("filter '" + plugin + "': network namespace inode " + std::to_string(s.netns) +
                       " conflicts with the namespace of another filter (inode " + std::to_string(c.netns) +
                       "); no packet could match both");
    c.filter_netns = 1;
    c.netns = s.netns;
  }
  if (s.meta_flags & PWRU_META_IFINDEX) {
    if (c.filter_ifindex) throw UsageError("filter '" + plugin + "': an ifindex filter is already set");
    c.filter_ifindex = 1;
    c.ifindex = s.ifindex;
  }
  for (uint32_t i = 0; i < s.ncode; ++i) {
    const pwru_filter_code_v1& code = *s.code[i];
    const bool tunnel = code.slot == PWRU_SLOT_TUNNEL_L2 || code.slot == PWRU_SLOT_TUNNEL_L3;
    auto& slot = code.slot == PWRU_SLOT_PCAP_L2   ? plan.l2
                 : code.slot == PWRU_SLOT_PCAP_L3 ? plan.l3
                 : code.slot == PWRU_SLOT_TUNNEL_L2 ? plan.tunnel_l2
                                                    : plan.tunnel_l3;
    if (slot)
      throw UsageError("filter '" + plugin + "': the " + (tunnel ? "tunnel " : "") + "packet filter slot is already taken");
    bpf::SlotCode sc;
    sc.mode = code.mode;
    if (code.mode == PWRU_CODE_INSNS) sc.insns.assign(code.insns, code.insns + code.insn_cnt);
    slot = std::move(sc);
    if (!tunnel) c.filter_pcap = 1;
  }
  if (s.size >= offsetof(pwru_filter_spec_v1, bpf_object) + sizeof(s.bpf_object) && s.bpf_object != nullptr) {
    // One linked object per program: a second would define pwru_bpf_filter again.
    if (c.filter_bpf)
      throw UsageError("filter '" + plugin + "': filter '" + plan.bpf_owner +
                       "' already brings BPF C code; one filter with BPF C code per trace");
    const pwru_bpf_object_v1& o = *s.bpf_object;
    try {
      // Linked now, before anything is loaded or announced: a broken object
      // is a one-line error about the plugin the user chose (exit 2).
      plan.linked_object = bpf::link_core_with_filter(static_cast<const uint8_t*>(o.elf), o.elf_size);
    } catch (const Error& e) {
      throw UsageError("filter '" + plugin + "': " + e.what());
    }
    plan.bpf_owner = plugin;
    c.filter_bpf = 1;
    for (size_t i = 0; i < PWRU_BPF_FILTER_NARGS; ++i) c.bpf_filter_args[i] = o.args[i];
    spdlog::debug("filter '{}': BPF C code ({} bytes): {}", plugin, o.elf_size, o.what != nullptr ? o.what : "");
  }
}

// The kernel's features, with the kprobe backends also requiring the
// function scan to work (available_filter_functions and kallsyms readable).
class ScanGatedFeatures final : public kernel::Features {
 public:
  ScanGatedFeatures(const kernel::Features& base, std::function<std::string()> scan_error)
      : base_(base), scan_error_(std::move(scan_error)) {}
  kernel::FeatureResult kprobe() const override { return gate(base_.kprobe()); }
  kernel::FeatureResult kprobe_multi() const override { return gate(base_.kprobe_multi()); }
  kernel::FeatureResult raw_tp_cookie() const override { return base_.raw_tp_cookie(); }

 private:
  kernel::FeatureResult gate(kernel::FeatureResult r) const {
    if (!r.ok) return r;
    std::string e = scan_error_();
    if (!e.empty()) return {false, e};
    return r;
  }
  const kernel::Features& base_;
  std::function<std::string()> scan_error_;
};

// Blocks SIGINT/SIGTERM (so a second Ctrl-C during detach cannot kill us
// half-way) and delivers them through a signalfd the event loop waits on.
class SignalGate {
 public:
  SignalGate() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    fd_ = UniqueFd(signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw Error(sys_error("signalfd"));
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~SignalGate() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalGate(const SignalGate&) = delete;
  SignalGate& operator=(const SignalGate&) = delete;
  int fd() const { return fd_.get(); }
  // The pending signal, or 0.
  int take() const {
    signalfd_siginfo si{};
    if (::read(fd_.get(), &si, sizeof(si)) == static_cast<ssize_t>(sizeof(si))) return static_cast<int>(si.ssi_signo);
    return 0;
  }

 private:
  sigset_t set_{}, old_{};
  UniqueFd fd_;
};

// A sink plugin instance with its own writer.
struct SinkRun {
  Writer writer;
  plugin::SinkInstance inst;
};

// Decodes records into a batch and hands full batches to every sink.
class EventPump {
 public:
  EventPump(decode::Decoder& dec, std::vector<SinkRun>& sinks, uint64_t limit)
      : dec_(dec), sinks_(sinks), limit_(limit), slots_(kBatch) {
    ptrs_.reserve(kBatch);
  }

  static int on_record(void* ctx, void* data, size_t size) {
    return static_cast<EventPump*>(ctx)->record(data, size);
  }

  int record(const void* data, size_t size) {
    if (done_) return -ECANCELED;
    if (!dec_.decode(data, size, slots_[ptrs_.size()])) return 0;
    ptrs_.push_back(&slots_[ptrs_.size()].ev);
    ++total_;
    if (limit_ != 0 && total_ >= limit_) {
      done_ = true;
      deliver();
      return -ECANCELED;
    }
    if (ptrs_.size() == kBatch) deliver();
    return 0;
  }

  void deliver() {
    if (ptrs_.empty()) return;
    for (auto& s : sinks_) s.inst.write(ptrs_.data(), ptrs_.size());
    ptrs_.clear();
    dirty_ = true;
  }

  void flush() {
    for (auto& s : sinks_) s.inst.flush();
    dirty_ = false;
  }

  bool done() const { return done_; }
  bool dirty() const { return dirty_; }
  uint64_t total() const { return total_; }
  bool broken_pipe() const {
    for (const auto& s : sinks_)
      if (s.writer.broken_pipe()) return true;
    return false;
  }

 private:
  decode::Decoder& dec_;
  std::vector<SinkRun>& sinks_;
  uint64_t limit_;
  std::vector<decode::EventSlot> slots_;
  std::vector<const pwru_event_v1*> ptrs_;
  uint64_t total_ = 0;
  bool done_ = false;
  bool dirty_ = false;
};

// A sink failed while writing: the writer knows why in plainer words
// (e.g. which rotation failed) than the sink's "writing output: ...".
[[noreturn]] void rethrow_with_writer_error(const std::vector<SinkRun>& sinks) {
  for (const auto& s : sinks)
    if (!s.writer.error().empty()) throw Error(s.writer.error());
  throw;
}

void touch_ready_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw Error(sys_error("cannot create ready file '" + path + "'"));
}

int list_plugins(const config::Options& opts) {
  plugin::PluginHost host(plugin::default_search_path(), plugin::make_trust_check(opts.allow_untrusted_plugins));
  std::cout << plugin::format_plugin_table(host.list());
  std::cout << "search path: " << plugin::format_search_path(host.search_path()) << "\n";
  return 0;
}

// --plugin-doc [KIND:]NAME: every plugin of that name (of that kind).
int plugin_doc(const config::Options& opts) {
  plugin::PluginHost host(plugin::default_search_path(), plugin::make_trust_check(opts.allow_untrusted_plugins));
  const std::string& spec = opts.plugin_doc;
  std::string name = spec;
  std::vector<plugin::Kind> kinds = {plugin::Kind::sink, plugin::Kind::filter, plugin::Kind::selector};
  if (const auto colon = spec.find(':'); colon != std::string::npos) {
    const auto kind = plugin::parse_kind(spec.substr(0, colon));
    if (!kind)
      throw UsageError("invalid --plugin-doc '" + spec + "': '" + spec.substr(0, colon) +
                       "' is not sink, filter or selector");
    kinds = {*kind};
    name = spec.substr(colon + 1);
  }
  if (!plugin::is_valid_plugin_name(name))
    throw UsageError("invalid --plugin-doc '" + spec + "': '" + name +
                     "' is not a plugin name (letters, digits, '-' and '_')");
  std::string out;
  for (const auto kind : kinds) {
    try {
      host.find(kind, name);
    } catch (const plugin::PluginError&) {
      continue;  // no plugin of this kind with that name
    }
    try {
      if (!out.empty()) out += "\n";
      out += plugin::format_plugin_doc(*host.load(kind, name));
    } catch (const plugin::PluginError& e) {
      throw UsageError(e.what());
    }
  }
  if (out.empty())
    throw UsageError("invalid --plugin-doc '" + spec + "': no such plugin in " +
                     plugin::format_search_path(host.search_path()) + " (see pwru --list-plugins)");
  std::cout << out;
  return 0;
}

// One sink to open: which plugin, its table, where it writes.
struct SinkSpec {
  std::string plugin;
  std::string path;  // "" = stdout
  std::string text;  // the plugin's TOML table
  std::string origin;
};

// The output options ([output] / --output-*) as the table of a built-in
// sink. Other plugins get an empty table: they would reject keys they do
// not know.
// True when the output flag is on ([output] / the flag) or a [[sink]] table
// turns it on for its own sink.
bool any_sink_key(const config::Options& o, const char* key, bool from_output) {
  if (from_output) return true;
  for (const auto& pc : o.sinks)
    if (pc.table[key].value_or(false)) return true;
  return false;
}

toml::table output_table(const std::string& plugin, const config::Options& o) {
  if (plugin == "pcapng") {
    return toml::table{{"snaplen", static_cast<int64_t>(o.output_pcapng_snaplen)},
                       {"linktype", o.output_pcapng_linktype}};
  }
  if (plugin != "text" && plugin != "json") return {};
  toml::table t{{"output-meta", o.output_meta},
                {"output-tuple", o.output_tuple},
                {"output-tcp-flags", o.output_tcp_flags},
                {"output-caller", o.output_caller},
                {"output-netns-names", o.output_netns_names},
                {"output-skb-cb", o.output_skb_cb},
                {"output-tunnel", o.output_tunnel},
                {"timestamp", o.timestamp}};
  if (plugin == "text") t.insert("netns-names-max-length", static_cast<int64_t>(o.netns_names_max_length));
  return t;
}

// A plugin table from the config file (or --sink) as the text the plugin
// parses: the file's layout when there is one, so the plugin's messages
// point at the right line; then `defaults` for the keys the table lacks.
std::string plugin_text(const config::PluginConfig& pc, const toml::table& defaults = {}) {
  std::string text = !pc.text.empty() ? pc.text : toml_text(pc.table);
  toml::table extra;
  for (auto&& [k, v] : defaults)
    if (!pc.table.contains(k.str())) extra.insert(k, v);
  if (!extra.empty()) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += toml_text(extra);
  }
  return text;
}

std::vector<SinkSpec> sink_specs(const config::Options& o) {
  std::vector<SinkSpec> out;
  const std::string main = o.output_json ? "json" : "text";
  // `--output-pcapng -` takes stdout for the packets (pwru ... | tshark -r -):
  // the text (or JSON) then goes only where --output-file sends it, if anywhere.
  const bool pcapng_on_stdout = o.output_pcapng == "-";
  if (!pcapng_on_stdout || !o.output_file.empty())
    out.push_back({main, o.output_file, toml_text(output_table(main, o)), "command line"});
  if (!o.output_pcapng.empty())
    out.push_back({"pcapng", o.output_pcapng, toml_text(output_table("pcapng", o)), "--output-pcapng " + o.output_pcapng});
  // [[sink]] tables and --sink: the [output] settings are the built-in
  // sinks' defaults, and a table's own keys override them for that sink.
  for (const auto& pc : o.sinks) out.push_back({pc.plugin, pc.file, plugin_text(pc, output_table(pc.plugin, o)), pc.origin});
  // Two sinks interleaving lines in one stream would corrupt both.
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t j = i + 1; j < out.size(); ++j) {
      auto canon = [](const std::string& p) {
        if (p.empty() || p == "-") return std::string("stdout");
        std::error_code ec;
        auto c = std::filesystem::weakly_canonical(p, ec);
        return ec ? p : c.string();
      };
      if (canon(out[i].path) == canon(out[j].path))
        throw UsageError("sinks '" + out[i].plugin + "' and '" + out[j].plugin + "' both write to " +
                         canon(out[i].path) + "; give one of them a file (--sink PLUGIN:FILE, or file = in [[sink]])");
    }
  return out;
}


// The kprobe backend holds two fds per function (perf event + link):
// ~1600 functions need more than the usual soft limit of 1024.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) spdlog::debug("raising RLIMIT_NOFILE: {}", std::strerror(errno));
}

}  // namespace

int run(const config::Options& opts) {
  setup_logging(opts.debug);
  raise_fd_limit();
  if (opts.list_plugins) return list_plugins(opts);
  if (!opts.plugin_doc.empty()) return plugin_doc(opts);
  if (auto why = missing_privileges(); !why.empty()) throw UsageError(why);
  if (opts.set_percpu_buf != config::Options{}.set_percpu_buf)
    spdlog::warn("--set-percpu-buf {}: no effect in this build (the --output-skb and --output-skb-shared-info "
                 "text travels in a fixed {}-byte region of each event)",
                 opts.set_percpu_buf, PWRU_BTF_TEXT);

  // 1. Plugins: filters and sinks are complete (and have judged their
  //    input) before anything touches the kernel.
  plugin::PluginHost host(plugin::default_search_path(), plugin::make_trust_check(opts.allow_untrusted_plugins));
  auto as_usage = [](const plugin::PluginError& e) { return UsageError(e.what()); };

  FilterPlan plan;
  std::vector<plugin::FilterInstance> filters;
  pwru_filter_env_v1 env{};
  env.size = sizeof(env);
  env.pkt_buf_size = PWRU_PKT_BUF;
  env.self_netns = decode::netns_inode("/proc/self/ns/net");
  try {
    // Cheap metadata checks first (the kernel program runs them in cost
    // order anyway); each given filter is its own plugin.
    if (!opts.filter_mark.empty())
      filters.push_back(host.create_filter("mark", toml_text(toml::table{{"mark", opts.filter_mark}}), "command line"));
    if (!opts.filter_netns.empty())
      filters.push_back(
          host.create_filter("netns", toml_text(toml::table{{"netns", opts.filter_netns}}), "command line"));
    if (!opts.filter_ifname.empty()) {
      toml::table t{{"ifname", opts.filter_ifname}};
      if (!opts.filter_netns.empty()) t.insert("netns", opts.filter_netns);
      filters.push_back(host.create_filter("ifname", toml_text(t), "command line"));
    }
    if (!opts.pcap_filter.empty()) {
      filters.push_back(host.create_filter("pcap", toml_text(toml::table{{"expr", opts.pcap_filter}}),
                                           "command line"));
    }
    // The tunnel's inner packet: the pcap plugin again, for the tunnel slots.
    if (!opts.filter_tunnel_pcap_l2.empty())
      filters.push_back(host.create_filter(
          "pcap", toml_text(toml::table{{"expr", opts.filter_tunnel_pcap_l2}, {"layer", "tunnel-l2"}}),
          "--filter-tunnel-pcap-l2"));
    if (!opts.filter_tunnel_pcap_l3.empty())
      filters.push_back(host.create_filter(
          "pcap", toml_text(toml::table{{"expr", opts.filter_tunnel_pcap_l3}, {"layer", "tunnel-l3"}}),
          "--filter-tunnel-pcap-l3"));
    // Filter plugins from the config file's [[filter]] tables come last.
    for (const auto& pc : opts.filters) filters.push_back(host.create_filter(pc.plugin, plugin_text(pc), pc.origin));
    for (auto& f : filters) merge_spec(f.name(), f.build(env), plan);
  } catch (const plugin::PluginError& e) {
    throw as_usage(e);
  }

  // The probe-set selectors: created now, used once the backend is chosen
  // and the kernel's candidates (functions or tracepoints) are known.
  std::vector<plugin::SelectorInstance> selectors;
  try {
    // The built-in skb-funcs selector (--filter-func), unless the config
    // file names its own [[selector]] tables: a function is then traced
    // when any of them picks it.
    if (opts.selectors.empty()) {
      toml::table t;
      if (!opts.filter_func.empty()) t.insert("filter-func", opts.filter_func);
      selectors.push_back(host.create_selector("skb-funcs", toml_text(t), "command line"));
    } else if (!opts.filter_func.empty()) {
      throw UsageError("--filter-func '" + opts.filter_func + "' (probe.filter-func) configures the built-in " +
                       "skb-funcs selector, which [[selector]] tables replace: give filter-func in a [[selector]] " +
                       "table with plugin = \"skb-funcs\" instead");
    }
    for (const auto& pc : opts.selectors)
      selectors.push_back(host.create_selector(pc.plugin, plugin_text(pc), pc.origin));
  } catch (const plugin::PluginError& e) {
    throw as_usage(e);
  }

  // What sinks are opened with must outlive them (plugin.h: until close()
  // returns), so it is declared first and destroyed after the sinks.
  std::vector<pwru_probe_v1> probe_abi;
  std::vector<const pwru_probe_v1*> probe_ptrs;
  std::vector<pwru_session_v1> sessions;
  std::vector<SinkRun> sinks;
  try {
    // Every plugin first, then the files: a refused sink leaves no file behind.
    std::vector<plugin::SinkInstance> insts;
    const auto specs = sink_specs(opts);
    for (const auto& spec : specs) insts.push_back(host.create_sink(spec.plugin, spec.text, spec.origin));
    RotateOptions ro;
    ro.max_size_mb = opts.output_file_max_size;
    ro.max_backups = opts.output_file_max_backups;
    ro.max_age_days = opts.output_file_max_age;
    ro.compress = opts.output_file_compress;
    // ABI 1.2: packet bytes and snap length for the kernel side (the
    // largest any sink asks for), and binary streams that must stay whole.
    std::vector<pwru_sink_needs_v1> needs;
    for (size_t i = 0; i < specs.size(); ++i) {
      needs.push_back(insts[i].needs());
      const auto& n = needs.back();
      if (n.flags & PWRU_NEED_PACKET) {
        plan.cfg.output_packet = 1;
        plan.cfg.snaplen = std::min<uint32_t>(std::max(plan.cfg.snaplen, n.snaplen), PWRU_PKT_BUF);
      }
      const auto& p = specs[i].path;
      if ((n.flags & PWRU_NEED_WHOLE_STREAM) && (p.empty() || p == "-") && ::isatty(STDOUT_FILENO))
        throw UsageError("refusing to write " + specs[i].plugin +
                         " to a terminal: pipe it (pwru --output-pcapng - ... | tshark -r -) or give a file");
    }
    for (size_t i = 0; i < specs.size(); ++i) {
      RotateOptions sro = ro;
      sro.binary = (needs[i].flags & PWRU_NEED_WHOLE_STREAM) != 0;
      sinks.push_back(SinkRun{Writer::open(specs[i].path, sro), std::move(insts[i])});
    }
  } catch (const plugin::PluginError& e) {
    throw as_usage(e);
  }

  // 2. The kernel: BTF, features, probe set, backend.
  // tc and XDP programs (--filter-trace-tc/-xdp): fentry on each, so this
  // kernel must load fentry programs; asked before anything is loaded or
  // announced.
  std::optional<attach::ProgTracer> tracer;
  if (opts.filter_trace_tc || opts.filter_trace_xdp) {
    const std::string flags = opts.filter_trace_tc && opts.filter_trace_xdp ? "--filter-trace-tc/--filter-trace-xdp"
                              : opts.filter_trace_tc                       ? "--filter-trace-tc"
                                                                           : "--filter-trace-xdp";
    if (auto f = kernel::probe_fentry(); !f.ok)
      throw UsageError(flags + ": this kernel does not let pwru attach fentry programs to BPF programs (" + f.why +
                       ")");
    tracer.emplace(opts.filter_trace_tc, opts.filter_trace_xdp,
                   [](const std::string& line) { spdlog::debug("{}", line); });
    if (opts.filter_trace_tc && tracer->count(bpf::FentryKind::kTc) == 0)
      spdlog::info("--filter-trace-tc: no tc program with BTF is loaded; none is traced");
    if (opts.filter_trace_xdp && tracer->count(bpf::FentryKind::kXdp) == 0)
      spdlog::info("--filter-trace-xdp: no XDP program with BTF is loaded; none is traced");
  }

  auto btf = kernel::KernelBtf::load(opts.kernel_btf);
  // Output flags (issue 8): checked against the kernel's BTF now, before
  // anything is loaded or attached.
  pwru_outflags_config ocfg{};
  std::vector<kernel::SkbExpr> metadata;
  std::vector<kernel::SkbExpr> xdp_metadata;
  {
    const bool want_skb_cb = any_sink_key(opts, "output-skb-cb", opts.output_skb_cb);
    const bool want_tunnel = any_sink_key(opts, "output-tunnel", opts.output_tunnel);
    if (opts.output_skb || opts.output_skb_shared_info) {
      if (!kernel::has_bpf_helper(*btf, "snprintf_btf"))
        throw UsageError(std::string(opts.output_skb ? "--output-skb" : "--output-skb-shared-info") +
                         ": this kernel has no bpf_snprintf_btf helper (BPF_FUNC_snprintf_btf is not in " +
                         btf->path() + "; Linux 5.10 or later has it)");
    }
    ocfg.output_skb_btf = opts.output_skb;
    ocfg.output_shinfo_btf = opts.output_skb_shared_info;
    ocfg.output_skb_cb = want_skb_cb;
    ocfg.output_tunnel = want_tunnel;
    if (opts.output_skb_metadata.size() > PWRU_SKB_METADATA_MAX)
      throw UsageError("invalid --output-skb-metadata '" + opts.output_skb_metadata[PWRU_SKB_METADATA_MAX] +
                       "': at most " + std::to_string(PWRU_SKB_METADATA_MAX) + " expressions");
    for (const auto& x : opts.output_skb_metadata) {
      if (x.empty()) continue;
      try {
        metadata.push_back(kernel::parse_skb_field(*btf, x));
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {
        throw UsageError("invalid --output-skb-metadata '" + x + "': " + e.what());
      }
    }
    ocfg.nmetadata = static_cast<uint8_t>(metadata.size());
    for (size_t i = 0; i < metadata.size(); ++i) ocfg.metadata[i] = metadata[i].k;
    if (!opts.filter_skb_expr.empty()) {
      try {
        ocfg.skb_expr = kernel::parse_skb_filter(*btf, opts.filter_skb_expr).k;
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {
        throw UsageError("invalid --filter-skb-expr '" + opts.filter_skb_expr + "': " + e.what());
      }
      ocfg.filter_skb_expr = 1;
    }
    // The xdp forms: from struct xdp_buff, applied to the XDP events of
    // --filter-trace-xdp only (without it they have nothing to act on, as
    // in cilium/pwru).
    if (opts.output_xdp_metadata.size() > PWRU_SKB_METADATA_MAX)
      throw UsageError("invalid --output-xdp-metadata '" + opts.output_xdp_metadata[PWRU_SKB_METADATA_MAX] +
                       "': at most " + std::to_string(PWRU_SKB_METADATA_MAX) + " expressions");
    for (const auto& x : opts.output_xdp_metadata) {
      if (x.empty()) continue;
      try {
        xdp_metadata.push_back(kernel::parse_field(*btf, x, kernel::kXdpRoot));
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {
        throw UsageError("invalid --output-xdp-metadata '" + x + "': " + e.what());
      }
    }
    ocfg.nxdp_metadata = static_cast<uint8_t>(xdp_metadata.size());
    for (size_t i = 0; i < xdp_metadata.size(); ++i) ocfg.xdp_metadata[i] = xdp_metadata[i].k;
    if (!opts.filter_xdp_expr.empty()) {
      try {
        ocfg.xdp_expr = kernel::parse_filter(*btf, opts.filter_xdp_expr, kernel::kXdpRoot).k;
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {
        throw UsageError("invalid --filter-xdp-expr '" + opts.filter_xdp_expr + "': " + e.what());
      }
      ocfg.filter_xdp_expr = 1;
    }
    ocfg.filter_tunnel = plan.tunnel_l2 || plan.tunnel_l3;
  }
  kernel::KernelFeatures base_features;
  // The kprobe backends also need the function scan (available_filter_
  // functions, kallsyms). It runs only when a kprobe backend is possible.
  std::optional<kernel::SkbFuncScan> scan;
  auto scan_once = [&]() -> const kernel::SkbFuncScan& {
    if (!scan) {
      kernel::ScanOptions so;
      so.kernel_btf = opts.kernel_btf;
      so.kmods = opts.kmods;
      so.all_kmods = opts.all_kmods;
      scan = kernel::scan_skb_funcs(so, btf.get());
      spdlog::debug("skb functions: {} in BTF, {} traceable, {} not traceable ({} renamed), {} not in kallsyms",
                    scan->btf_total, scan->funcs.size(), scan->not_traceable, scan->renamed, scan->not_in_kallsyms);
    }
    return *scan;
  };
  ScanGatedFeatures features(base_features, [&]() -> std::string { return scan_once().error; });
  auto choice = attach::choose_backend(attach::parse_backend(opts.backend), features);
  // Skb tracking. --filter-non-skb-funcs implies by-stackid (cilium/pwru),
  // and either kind works without --filter-track-skb.
  const bool track_skb = opts.filter_track_skb;
  const bool want_non_skb = !opts.filter_non_skb_funcs.empty() || opts.filter_track_bpf_helpers;
  bool want_bpfmap = false;  // --output-bpfmap with a map op among the non-skb funcs
  const bool track_stack = opts.filter_track_skb_by_stackid || want_non_skb;
  attach::require_kprobe_backend(opts.filter_non_skb_funcs, choice, opts.filter_track_bpf_helpers);
  if (!choice.notice.empty()) spdlog::info("{}", choice.notice);
  if (opts.output_bpfmap && choice.kind == attach::BackendKind::kTracepoint)
    spdlog::warn("--output-bpfmap shows BPF map operations traced as functions, which the tracepoint backend "
                 "cannot trace: nothing to show");

  std::unique_ptr<attach::Backend> backend;
  bool raw_tp_instances = false;
  if (choice.kind == attach::BackendKind::kTracepoint) {
    raw_tp_instances = !base_features.raw_tp_cookie().ok;
    if (raw_tp_instances)
      spdlog::info("this kernel has no raw tracepoint cookies (Linux < 6.10): loading one program per tracepoint");
    // The selectors judge the tracepoints here (--filter-func narrows a
    // tracepoint trace as it narrows a function trace).
    const auto& tps = btf->skb_tracepoints();
    auto cands = plugin::make_candidates({}, tps);
    std::vector<size_t> chosen;
    try {
      chosen = plugin::select_union(selectors, cands);
    } catch (const plugin::PluginError& e) {
      throw UsageError(e.what());
    }
    std::vector<kernel::SkbTracepoint> picked;
    for (size_t i : chosen)
      if (i < tps.size()) picked.push_back(tps[i]);
    if (picked.empty()) {
      std::string names;
      for (const auto& tp : tps) names += (names.empty() ? "" : " ") + tp.name;
      throw UsageError("the probe selection" +
                       (opts.filter_func.empty() ? std::string() : " (--filter-func '" + opts.filter_func + "')") +
                       " matches no skb tracepoint, and the tracepoint backend traces only these: " + names);
    }
    if (picked.size() < tps.size())
      spdlog::debug("tracing {} of {} skb tracepoints", picked.size(), tps.size());
    // Tracking: kfree_skb/consume_skb end an skb's tracking after their event.
    backend = attach::make_tracepoint_backend(std::move(picked), raw_tp_instances,
                                              track_skb || track_stack ? attach::end_of_life_tracepoints()
                                                                       : std::vector<std::string>{});
  } else {
    const auto& sc = scan_once();
    auto cands = plugin::make_candidates(sc.funcs, btf->skb_tracepoints());
    std::vector<size_t> chosen;
    try {
      chosen = plugin::select_union(selectors, cands);
    } catch (const plugin::PluginError& e) {
      throw UsageError(e.what());
    }
    const bool multi = choice.kind == attach::BackendKind::kKprobeMulti;
    std::vector<attach::Probe> probes;
    for (size_t i : chosen) {
      if (i >= sc.funcs.size()) continue;  // tracepoints: the tracepoint backend's
      const kernel::SkbFunc& f = sc.funcs[i];
      attach::Probe p;
      p.name = f.module == "vmlinux" ? f.name : f.name + "[" + f.module + "]";
      p.skb_pos = f.skb_pos;
      p.reason_pos = f.reason_pos;
      p.addr = f.addr;
      p.kernel_name = f.name;
      if (multi && f.addrs.size() > 1) {
        // Every copy of a static name: kprobe-multi attaches by address.
        for (uint64_t a : f.addrs) {
          p.addr = a;
          probes.push_back(p);
        }
      } else {
        probes.push_back(std::move(p));
      }
    }
    if (probes.empty())
      throw UsageError(opts.filter_func.empty()
                           ? std::string("cannot find a matching kernel function")
                           : "cannot find a matching kernel function: no traceable function with an skb "
                             "argument matches --filter-func '" + opts.filter_func + "'");
    if (want_non_skb) {
      // Functions without an skb, traced by stack id (attach::Probe::skb_pos 0).
      const std::string aff = kernel::read_available_filter_functions(sc.tracefs_used, nullptr);
      const auto ksyms = kernel::Kallsyms::load();
      std::vector<std::string> names = opts.filter_non_skb_funcs;
      if (opts.filter_track_bpf_helpers) {
        // What the BPF programs loaded now call, from their xlated code
        // (kernel/bpf_helpers.h), before pwru loads its own.
        const auto found = kernel::scan_bpf_helpers(ksyms);
        if (found.calls > 0 && found.hidden == found.calls)
          spdlog::warn("--filter-track-bpf-helpers: the kernel hides the call targets in BPF programs' "
                       "instructions (bpf_dump_raw_ok: CAP_SYS_ADMIN and kernel.kptr_restrict < 2 are needed); "
                       "no helper is traced");
        std::vector<std::string> dropped;
        const auto helpers = attach::select_helper_funcs(
            found.names, aff, [&](const std::string& n) { return btf->has_func(n); }, &dropped);
        spdlog::info("--filter-track-bpf-helpers: {} BPF program{} call{} {} kernel function{}, {} of them traceable",
                     found.programs, found.programs == 1 ? "" : "s", found.programs == 1 ? "s" : "",
                     found.names.size(), found.names.size() == 1 ? "" : "s", helpers.size());
        for (const auto& d : dropped) spdlog::debug("--filter-track-bpf-helpers: {} cannot be traced", d);
        names.insert(names.end(), helpers.begin(), helpers.end());
      }
      auto extra = attach::resolve_non_skb_funcs(names, aff, ksyms, probes, multi);
      if (opts.output_bpfmap) {
        attach::mark_bpfmap_probes(extra, [&](const std::string& n) { return btf->bpfmap_op(n); });
        size_t ops = 0;
        for (const auto& p : extra) ops += p.bpfmap_op != 0 && !p.retprobe;
        spdlog::debug("--output-bpfmap: {} map operations among the non-skb funcs", ops);
        if (ops == 0)
          spdlog::warn("--output-bpfmap: no BPF map operation is traced (name one with --filter-non-skb-funcs, "
                       "e.g. htab_map_update_elem, or use --filter-track-bpf-helpers)");
        want_bpfmap = ops > 0;
      }
      spdlog::debug("--filter-non-skb-funcs: {} probes", extra.size());
      for (auto& p : extra) probes.push_back(std::move(p));
    }
    backend = multi ? attach::make_kprobe_multi_backend(std::move(probes))
                    : attach::make_kprobe_backend(std::move(probes), opts.filter_kprobe_batch);
  }

  // 3. The kernel program.
  bpf::ProgramOptions po;
  po.cfg = plan.cfg;
  // What the kernel side captures is what any sink prints: [output] (the
  // flags) or a [[sink]] table's own key that turns an output on.
  auto any_sink_wants = [&](const char* key, bool from_output) {
    if (from_output) return true;
    for (const auto& pc : opts.sinks)
      if (pc.table[key].value_or(false)) return true;
    return false;
  };
  const bool want_netns_names = any_sink_wants("output-netns-names", opts.output_netns_names);
  const bool want_caller = any_sink_wants("output-caller", opts.output_caller);
  po.cfg.output_meta = any_sink_wants("output-meta", opts.output_meta) || want_netns_names;
  po.cfg.output_tuple = any_sink_wants("output-tuple", opts.output_tuple);
  po.cfg.output_caller = want_caller && choice.kind != attach::BackendKind::kTracepoint;
  po.cfg.output_stack = opts.output_stack;
  // --filter-track-skb follows a matched XDP buffer into its skb when XDP
  // programs are traced (fexit on each; bpf/pwru.bpf.c "XDP to skb").
  const bool track_xdp = track_skb && tracer && tracer->count(bpf::FentryKind::kXdp) > 0;
  po.cfg.track = (track_skb ? PWRU_TRACK_SKB : 0) | (track_stack ? PWRU_TRACK_STACK : 0) |
                 (track_xdp ? PWRU_TRACK_XDP : 0);
  // by-stackid tells task stacks from interrupt stacks by THREAD_SIZE:
  // 16 KiB on x86-64, 32 KiB with KASAN.
  po.cfg.stack_shift = btf->has_func("kasan_check_range") ? 15 : 14;
  spdlog::debug("packet bytes for sinks: {} (snap length {})", po.cfg.output_packet ? "yes" : "no", po.cfg.snaplen);
  po.pcap_l2 = plan.l2;
  po.pcap_l3 = plan.l3;
  po.linked_object = std::move(plan.linked_object);
  po.ocfg = ocfg;
  po.tunnel_l2 = plan.tunnel_l2;
  po.tunnel_l3 = plan.tunnel_l3;
  po.kernel_btf = opts.kernel_btf;
  po.want_raw_tp = choice.kind == attach::BackendKind::kTracepoint;
  po.raw_tp_instances = raw_tp_instances;
  po.want_kprobe = choice.kind == attach::BackendKind::kKprobe;
  po.want_kprobe_multi = choice.kind == attach::BackendKind::kKprobeMulti;
  po.want_untrack = track_skb || track_stack;
  po.want_track_clones = track_skb && choice.kind != attach::BackendKind::kTracepoint;
  po.want_non_skb = want_non_skb;
  po.want_bpfmap = want_bpfmap;
  if (want_caller && choice.kind == attach::BackendKind::kTracepoint)
    spdlog::warn("--output-caller needs a kprobe backend; the tracepoint backend has no caller");
  if (tracer) {
    po.tc_template = tracer->template_target(bpf::FentryKind::kTc);
    po.xdp_template = tracer->template_target(bpf::FentryKind::kXdp);
    po.xdp_exit = track_xdp;
  }
  auto prog = bpf::CoreProgram::load(po);

  // 4. Attach. From here on every exit path detaches (RAII: the backend
  //    dies before the program). Tracking first, so that no skb is
  //    tracked before the probes that end its tracking are in place; then
  //    tc/XDP programs, as cilium/pwru does: their probe ids follow the
  //    backend's.
  SignalGate signals;
  attach::TrackingRequest treq;
  treq.backend = choice.kind;
  treq.track_skb = track_skb;
  treq.track_stack = track_stack;
  treq.probes = &backend->probes();
  treq.tracepoint_nargs = [&](const std::string& tp) { return btf->tracepoint_nargs(tp); };
  attach::Tracker tracker(attach::plan_tracking(treq));
  tracker.attach(*prog);
  std::vector<attach::Probe> probes = backend->probes();
  if (tracer) {
    const auto first = static_cast<uint32_t>(probes.size());
    auto more = tracer->probes();
    probes.insert(probes.end(), more.begin(), more.end());
    tracer->attach(*prog, first, track_xdp);
    spdlog::debug("attached fentry to {} tc and {} XDP programs", tracer->count(bpf::FentryKind::kTc),
                  tracer->count(bpf::FentryKind::kXdp));
  }
  backend->attach(*prog);
  spdlog::debug("attached {} {} probes", backend->attached(), backend->name());

  decode::Decoder decoder(probes, btf->drop_reasons(), mono_to_wall_offset());
  if (want_netns_names) decoder.enable_netns_names();
  if (want_caller || opts.output_stack)
    decoder.enable_symbols(std::make_shared<const kernel::Kallsyms>(kernel::Kallsyms::load()));
  decoder.set_record_regions(po.cfg.output_packet != 0, po.cfg.output_stack != 0);
  {
    const kernel::KernelBtf* kb = btf.get();
    auto spec = [kb](const std::vector<kernel::SkbExpr>& exprs) {
      decode::MetadataSpec ms;
      std::vector<uint32_t> types;
      for (const auto& m : exprs) {
        ms.exprs.push_back(m.path);
        ms.names.push_back(m.last);
        types.push_back(m.type_id);
      }
      ms.format = [kb, types](size_t i, uint64_t raw) { return kernel::format_skb_value(*kb, types.at(i), raw); };
      return ms;
    };
    decoder.set_outflags(ocfg, spec(metadata), spec(xdp_metadata));
  }
  probe_abi.resize(probes.size());
  for (size_t i = 0; i < probe_abi.size(); ++i) {
    const auto& p = probes[i];
    probe_abi[i] = pwru_probe_v1{sizeof(pwru_probe_v1), p.kind, p.name.c_str(), p.addr};
    probe_ptrs.push_back(&probe_abi[i]);
  }
  sessions.resize(sinks.size());
  for (size_t i = 0; i < sinks.size(); ++i) {
    auto& s = sessions[i];
    s.size = sizeof(s);
    s.nprobes = static_cast<uint32_t>(probe_ptrs.size());
    s.probes = probe_ptrs.data();
    s.out = sinks[i].writer.abi();
    s.backend = backend->name();
    s.pwru_version = PWRU_VERSION;
    s.mono_to_wall_ns = mono_to_wall_offset();
    sinks[i].inst.open(s);
  }

  EventPump pump(decoder, sinks, opts.output_limit_lines);
  transport::RingReader ring(prog->events_fd(), &EventPump::on_record, &pump);

  UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
  if (!ep) throw Error(sys_error("epoll_create1"));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = ring.epoll_fd();
  epoll_ctl(ep.get(), EPOLL_CTL_ADD, ring.epoll_fd(), &ev);
  ev.data.fd = signals.fd();
  epoll_ctl(ep.get(), EPOLL_CTL_ADD, signals.fd(), &ev);

  if (!opts.ready_file.empty()) touch_ready_file(opts.ready_file);
  std::string traced;
  if (tracer)
    traced = ", " + std::to_string(tracer->count(bpf::FentryKind::kTc)) + " tc and " +
             std::to_string(tracer->count(bpf::FentryKind::kXdp)) + " XDP programs";
  spdlog::info("listening for events ({} {} probes{}; Ctrl-C to stop)", backend->attached(), backend->name(), traced);

  // 5. The event loop: sleeps in epoll until the kernel has records or a
  //    signal arrives; flushes sinks when the stream goes quiet.
  int signo = 0;
  auto consume = [&] {
    int r = ring.consume();
    if (r < 0 && r != -ECANCELED) throw Error(sys_error("reading the ring buffer", r));
    pump.deliver();
  };
  try {
    while (signo == 0 && !pump.done() && !pump.broken_pipe()) {
      std::array<epoll_event, 4> evs{};
      int n = epoll_wait(ep.get(), evs.data(), static_cast<int>(evs.size()), pump.dirty() ? kIdleFlushMs : -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error(sys_error("epoll_wait"));
      }
      if (n == 0) {
        pump.flush();
        continue;
      }
      for (int i = 0; i < n; ++i)
        if (evs[i].data.fd == signals.fd()) signo = signals.take();
      consume();
    }
  } catch (const plugin::PluginError& e) {
    if (!pump.broken_pipe()) rethrow_with_writer_error(sinks);
  }

  // 6. Teardown: detach first, then drain what the kernel already emitted.
  if (signo != 0) spdlog::info("received {}, exiting", strsignal(signo));
  if (tracer) tracer->detach();
  backend->detach();
  if (!pump.done() && !pump.broken_pipe()) {
    try {
      consume();
    } catch (const plugin::PluginError&) {
      if (!pump.broken_pipe()) rethrow_with_writer_error(sinks);
    }
  }
  if (!pump.broken_pipe()) {
    pump.flush();
    for (auto& s : sinks) s.inst.close();
  }

  uint64_t lost = 0;
  std::string per_cpu;
  auto lost_cpu = prog->lost_per_cpu();
  for (size_t cpu = 0; cpu < lost_cpu.size(); ++cpu) {
    lost += lost_cpu[cpu];
    if (lost_cpu[cpu] != 0) per_cpu += " cpu" + std::to_string(cpu) + "=" + std::to_string(lost_cpu[cpu]);
  }
  const uint64_t misses = prog->recursion_misses();
  spdlog::info("{} events, {} lost (ring buffer full{}{}), {} untraced (BPF recursion misses)", pump.total(),
               lost, per_cpu.empty() ? "" : ":", per_cpu, misses);
  if (decoder.malformed() != 0) spdlog::warn("{} malformed records skipped", decoder.malformed());
  return 0;
}

}  // namespace pwru::session
