// SPDX-License-Identifier: Apache-2.0
// The effective configuration of one pwru run (command line for now; the
// TOML file maps onto the same struct).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pwru::config {

struct Options {
  // Filters (each given one becomes a filter plugin; all must match)
  std::string pcap_filter;  // positional words joined with " "
  std::string filter_mark;    // mark[/mask]  -> plugin "mark"
  std::string filter_netns;   // path, NAME or inode:<n> -> plugin "netns"
  std::string filter_ifname;  // interface name -> plugin "ifname"
  // Probes
  std::string backend;      // "" = auto
  std::string filter_func;  // --filter-func regex (RE2, whole-name match) -> selector "skb-funcs"
  std::vector<std::string> kmods;  // --kmods: also scan these modules' BTF
  bool all_kmods = false;          // --all-kmods
  std::string kernel_btf;          // --kernel-btf FILE instead of /sys/kernel/btf/vmlinux
  uint32_t filter_kprobe_batch = 10;  // --filter-kprobe-batch: concurrent kprobe attach/detach
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
  std::string output_file;  // main sink's file ("" = stdout)
  uint64_t output_file_max_size = 100;  // MB; applies to every file a sink writes
  uint32_t output_file_max_backups = 0;
  uint32_t output_file_max_age = 0;  // days
  bool output_file_compress = false;
  // --output-pcapng FILE: the pcapng sink ("-" = stdout; then the main text
  // or JSON sink is not opened unless --output-file gives it a file).
  std::string output_pcapng;
  // --output-pcapng-snaplen: bytes kept per packet, 1..512; 0 = the sink's default (256).
  uint32_t output_pcapng_snaplen = 0;
  // Extra sinks: "PLUGIN" (stdout) or "PLUGIN:FILE" (our addition).
  std::vector<std::string> sinks;
  std::string ready_file;
  // Misc
  bool debug = false;
  bool list_plugins = false;
};

enum class ParseStatus { kRun, kExitOk };

// Parses argv. Prints --help/--version itself (kExitOk). Throws
// pwru::UsageError with one line for bad input.
ParseStatus parse_command_line(int argc, char** argv, Options& out);

}  // namespace pwru::config
