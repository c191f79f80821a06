// SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unistd.h>
#include <iostream>
#include <limits>

#include "config/options.h"
#include "util/error.h"

namespace pwru::config {
namespace {

// One line, naming the value: CLI11's own messages can span lines.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

uint64_t parse_u64(const std::string& flag, const std::string& v) {
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out, 10);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size())
    throw UsageError("invalid " + flag + " value '" + v + "': must be a non-negative integer");
  return out;
}

template <typename T>
T parse_uint_flag(const std::string& flag, const std::string& v) {
  uint64_t n = parse_u64(flag, v);
  if (n > std::numeric_limits<T>::max())
    throw UsageError("invalid " + flag + " value '" + v + "': must be at most " +
                     std::to_string(std::numeric_limits<T>::max()));
  return static_cast<T>(n);
}

}  // namespace

ParseStatus parse_command_line(int argc, char** argv, Options& o) {
  CLI::App app{"pwru: trace a packet through the Linux kernel (drops, drop reasons, path)", "pwru"};
  app.footer("pcap-filter: see \"man 7 pcap-filter\"");
  app.set_version_flag("--version", std::string("pwru ") + PWRU_VERSION);
  app.get_formatter()->column_width(36);

  std::vector<std::string> words;
  std::string limit = "0", max_size = "100", max_backups = "0", max_age = "0", netns_len = "16";
  app.add_option("pcap-filter", words, "pcap-filter expression (words are joined with spaces)");

  auto* flt = "Filters";
  app.add_option("--filter-mark", o.filter_mark, "filter skb mark (format: mark[/mask], e.g. 0xa00/0xf00)")
      ->group(flt);
  app.add_option("--filter-netns", o.filter_netns,
                 "filter netns (\"/proc/<pid>/ns/net\", \"/run/netns/NAME\", \"inode:<inode>\")")
      ->group(flt);
  app.add_option("--filter-ifname", o.filter_ifname,
                 "filter skb ifname in --filter-netns (if not specified, use current netns)")
      ->group(flt);

  std::string batch = "10";
  app.add_option("--backend", o.backend,
                 "Tracing backend: auto, kprobe-multi, kprobe or tracepoint (default auto)")
      ->group("Probes");
  app.add_option("--filter-func", o.filter_func, "filter kernel functions to be probed by name (exact match, supports RE2 regular expression)")
      ->group("Probes");
  app.add_option("--kmods", o.kmods, "list of kernel modules names to attach to (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group("Probes");
  app.add_flag("--all-kmods", o.all_kmods, "attach to all available kernel modules")->group("Probes");
  app.add_option("--kernel-btf", o.kernel_btf, "specify kernel BTF file")->group("Probes");
  app.add_option("--filter-kprobe-batch", batch, "batch size for kprobe attaching/detaching (default 10)")
      ->group("Probes");

  auto* out = "Output";
  app.add_flag("--output-meta", o.output_meta, "print skb metadata (default true)")->group(out);
  app.add_flag("--output-tuple", o.output_tuple, "print L4 tuple (default true)")->group(out);
  app.add_flag("--output-tcp-flags", o.output_tcp_flags, "print TCP flags")->group(out);
  app.add_flag("--output-caller", o.output_caller, "print caller function name (kprobe backends)")->group(out);
  app.add_flag("--output-stack", o.output_stack, "print stack")->group(out);
  app.add_flag("--output-netns-names", o.output_netns_names, "print the names of network namespaces (/run/netns)")
      ->group(out);
  app.add_option("--netns-names-max-length", netns_len, "max length of netns names to print (default 16, min 10)")
      ->group(out);
  app.add_flag("--output-json", o.output_json, "print output as JSON, one object per line")->group(out);
  app.add_option("--timestamp", o.timestamp,
                 "print timestamp per skb (\"current\", \"relative\", \"absolute\", \"none\")")
      ->group(out);
  app.add_option("--output-limit-lines", limit, "exit the program after the number of events has been received/printed")
      ->group(out);
  app.add_option("--output-file", o.output_file, "write traces to file (appended; rotated by size)")->group(out);
  app.add_option("--output-file-max-size", max_size, "max size of the output file in MB before it is rotated (default 100)")
      ->group(out);
  app.add_option("--output-file-max-backups", max_backups, "max number of rotated files to keep (default 0: all)")
      ->group(out);
  app.add_option("--output-file-max-age", max_age, "max days to keep rotated files (default 0: forever)")->group(out);
  app.add_flag("--output-file-compress", o.output_file_compress, "gzip rotated files")->group(out);
  std::string pcapng_snaplen;
  app.add_option("--output-pcapng", o.output_pcapng,
                 "also write each traced packet to a pcapng FILE (\"-\" = stdout: the text goes only to --output-file)")
      ->group(out);
  app.add_option("--output-pcapng-snaplen", pcapng_snaplen,
                 "bytes of each packet kept in the pcapng output, 1..512 (default 256)")
      ->group(out);
  app.add_option("--sink", o.sinks,
                 "add a sink plugin: PLUGIN (stdout) or PLUGIN:FILE, e.g. --sink json:trace.json (repeatable)")
      ->allow_extra_args(false)  // one value per --sink; later words are the pcap filter
      ->group(out);
  app.add_option("--ready-file", o.ready_file, "create file after all BPF programs are attached")->group(out);

  app.add_flag("--list-plugins", o.list_plugins, "list the plugins pwru can load, and exit")->group("Plugins");
  app.add_flag("--debug", o.debug, "enable debug logging")->group("Misc");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return ParseStatus::kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return ParseStatus::kExitOk;
  } catch (const CLI::ExtrasError& e) {
    throw UsageError(one_line(e.what()) + " (see pwru --help)");
  } catch (const CLI::ParseError& e) {
    throw UsageError(one_line(e.what()));
  }

  o.output_limit_lines = parse_u64("--output-limit-lines", limit);
  o.filter_kprobe_batch = parse_uint_flag<uint32_t>("--filter-kprobe-batch", batch);
  if (o.filter_kprobe_batch == 0)
    throw UsageError("invalid --filter-kprobe-batch value '0': must be at least 1");
  for (const auto& m : o.kmods)
    if (m.empty() || m.find('/') != std::string::npos || m == "." || m == "..")
      throw UsageError("invalid --kmods value '" + m + "': must be a module name such as veth");
  if (!o.kernel_btf.empty() && ::access(o.kernel_btf.c_str(), R_OK) != 0)
    throw UsageError("invalid --kernel-btf value '" + o.kernel_btf + "': " + std::strerror(errno));
  o.output_file_max_size = parse_uint_flag<uint32_t>("--output-file-max-size", max_size);
  o.output_file_max_backups = parse_uint_flag<uint32_t>("--output-file-max-backups", max_backups);
  o.output_file_max_age = parse_uint_flag<uint32_t>("--output-file-max-age", max_age);
  // pwru clamps to at least 10 (and the flag is a uint8).
  o.netns_names_max_length = std::max<uint32_t>(10, parse_uint_flag<uint8_t>("--netns-names-max-length", netns_len));
  if (o.timestamp != "none" && o.timestamp != "current" && o.timestamp != "relative" && o.timestamp != "absolute")
    // cilium/pwru treats any other value as "current"; a typo deserves an error.
    throw UsageError("invalid --timestamp value '" + o.timestamp + "': must be none, current, relative or absolute");
  if (app.count("--output-pcapng") != 0 && o.output_pcapng.empty())
    throw UsageError("invalid --output-pcapng value '': must be a file name or - (stdout)");
  if (!pcapng_snaplen.empty()) {
    // Twin of the pcapng sink's own range check (plugins/sink-pcapng) and of
    // PWRU_PKT_BUF (bpf/pwru_event.h), the most the kernel side captures.
    constexpr uint32_t kMaxSnaplen = 512;
    o.output_pcapng_snaplen = parse_uint_flag<uint32_t>("--output-pcapng-snaplen", pcapng_snaplen);
    if (o.output_pcapng_snaplen < 1 || o.output_pcapng_snaplen > kMaxSnaplen)
      throw UsageError("invalid --output-pcapng-snaplen value '" + pcapng_snaplen + "': must be 1.." +
                       std::to_string(kMaxSnaplen));
  }
  for (const auto& s : o.sinks) {
    auto colon = s.find(':');
    std::string name = s.substr(0, colon);
    if (name.empty() || (colon != std::string::npos && colon + 1 == s.size()))
      throw UsageError("invalid --sink value '" + s + "': expected PLUGIN or PLUGIN:FILE");
  }
  o.pcap_filter.clear();
  for (const auto& w : words) {
    if (!o.pcap_filter.empty()) o.pcap_filter += ' ';
    o.pcap_filter += w;
  }
  return ParseStatus::kRun;
}

}  // namespace pwru::config
