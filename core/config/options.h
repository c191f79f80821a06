// SPDX-License-Identifier: Apache-2.0
// The effective configuration of one pwru run: defaults, then a --config
// TOML file, then the command line (which wins). Every field below that a
// pwru flag sets has one row in option_table.cpp, which is where its flag,
// TOML key, help text and checks live; the initializers here are the
// defaults (cilium/pwru's), and --help and --print-config read them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace pwru::config {

// One plugin instance from the config file ([[selector]], [[filter]],
// [[sink]]) or from --sink PLUGIN[:FILE].
struct PluginConfig {
  std::string plugin;  // the plugin's name ("json", "pcapng", ...)
  std::string file;    // sinks: where it writes ("" = stdout); the host's key, not the plugin's
  toml::table table;   // the plugin's own keys (without `plugin` and `file`)
  // The plugin's keys as TOML text laid out so that each key stands at the
  // line and column it had in the config file: the plugin's own messages
  // (which name line:column in the text they get) then point into the file.
  std::string text;
  std::string origin;  // the config file's path, or "--sink json:x.json"

  // The same plugin with the same settings (where it came from aside).
  bool operator==(const PluginConfig& o) const {
    return plugin == o.plugin && file == o.file && table == o.table;
  }
};

struct Options {
  // Filters (each one given becomes a filter plugin; all must match)
  std::string pcap_filter;           // positional words joined with " " -> plugin "pcap"
  std::string filter_mark;           // mark[/mask]  -> plugin "mark"
  std::string filter_netns;          // path, NAME or inode:<n> -> plugin "netns"
  std::string filter_ifname;         // interface name -> plugin "ifname"
  std::string filter_skb_expr;       // skb->FIELD OP CONSTANT (core/kernel/skb_expr.h)
  std::string filter_xdp_expr;       // xdp->FIELD OP CONSTANT (core/kernel/skb_expr.h)
  std::string filter_tunnel_pcap_l2;  // plugin "pcap", layer tunnel-l2
  std::string filter_tunnel_pcap_l3;  // plugin "pcap", layer tunnel-l3
  // Probes
  std::string backend;      // "" = auto
  std::string filter_func;  // --filter-func regex (RE2, whole-name match) -> selector "skb-funcs"
  std::vector<std::string> kmods;  // --kmods: also scan these modules' BTF
  bool all_kmods = false;          // --all-kmods
  std::string kernel_btf;          // --kernel-btf FILE instead of /sys/kernel/btf/vmlinux
  uint32_t filter_kprobe_batch = 10;  // --filter-kprobe-batch: concurrent kprobe attach/detach
  std::vector<std::string> filter_non_skb_funcs;  // kprobe backends; implies by-stackid tracking
  bool filter_track_bpf_helpers = false;          // kprobe backends; adds non-skb funcs
  bool filter_trace_tc = false;
  bool filter_trace_xdp = false;
  // Tracking
  bool filter_track_skb = false;              // follow a matched skb by address until it is freed
  bool filter_track_skb_by_stackid = false;   // and any skb on the stack of a traced, live skb
  // Output
  bool output_meta = true;
  bool output_tuple = true;
  bool output_tcp_flags = false;
  bool output_caller = false;  // kprobe backends: the calling function
  bool output_stack = false;   // the kernel stack of each event
  bool output_netns_names = false;
  uint32_t netns_names_max_length = 16;  // clamped to >= 10, as pwru does
  std::string timestamp = "none";
  bool output_json = false;  // the main sink is "json" instead of "text"
  uint64_t output_limit_lines = 0;
  bool output_tunnel = false;                    // TUNNEL / tunnel_tuple
  bool output_skb = false;                       // bpf_snprintf_btf of the sk_buff
  bool output_skb_shared_info = false;           // ... and of its skb_shared_info
  bool output_skb_cb = false;                    // qdisc_skb_cb data
  std::vector<std::string> output_skb_metadata;  // up to 4 skb field paths
  std::vector<std::string> output_xdp_metadata;  // up to 4 xdp field paths
  bool output_bpfmap = false;                    // map ops among the non-skb funcs
  // Sizes pwru's --output-skb buffers only: accepted (and checked) so pwru
  // command lines paste unchanged; it has no effect in this build (the
  // text has a fixed PWRU_BTF_TEXT region in each event).
  uint32_t set_percpu_buf = 4096;
  std::string output_file;              // main sink's file ("" = stdout)
  uint64_t output_file_max_size = 100;  // MB; applies to every file a sink writes
  uint32_t output_file_max_backups = 0;
  uint32_t output_file_max_age = 0;  // days
  bool output_file_compress = false;
  // --output-pcapng FILE: the pcapng sink ("-" = stdout; then the main text
  // or JSON sink is not opened unless --output-file gives it a file).
  std::string output_pcapng;
  // --output-pcapng-snaplen: bytes kept per packet (1..PWRU_PKT_BUF = 512).
  uint32_t output_pcapng_snaplen = 256;
  // --output-pcapng-linktype: "auto" (each capture's own) or "ethernet"
  // (one link type for the whole file, for libpcap/tcpdump).
  std::string output_pcapng_linktype = "auto";
  std::string ready_file;
  bool debug = false;
  // Load plugin files or directories writable by group/others or not owned
  // by root, with a warning each (core/plugin/trust.h).
  bool allow_untrusted_plugins = false;

  // Plugin instances beyond the ones the flags above imply: config file
  // tables first, then each --sink (which adds a sink; it never replaces
  // the file's).
  std::vector<PluginConfig> selectors;
  std::vector<PluginConfig> filters;
  std::vector<PluginConfig> sinks;

  // What this invocation does besides tracing (never in a config file).
  std::string config_file;  // --config as resolved ("" = none)
  bool print_config = false;
  bool list_plugins = false;
  std::string plugin_doc;  // --plugin-doc [KIND:]NAME ("" = not asked)

  bool operator==(const Options&) const = default;
};

enum class ParseStatus { kRun, kExitOk };

// Parses argv (and the --config file it names). Prints --help, --version
// and --print-config itself (kExitOk). Throws pwru::UsageError with one
// line for bad input.
ParseStatus parse_command_line(int argc, char** argv, Options& out);

}  // namespace pwru::config
