// SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>

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

}  // namespace

ParseStatus parse_command_line(int argc, char** argv, Options& o) {
  CLI::App app{"pwru: trace a packet through the Linux kernel (drops, drop reasons, path)", "pwru"};
  app.footer("pcap-filter: see \"man 7 pcap-filter\"");
  app.set_version_flag("--version", std::string("pwru ") + PWRU_VERSION);
  app.get_formatter()->column_width(36);

  std::vector<std::string> words;
  std::string limit = "0";
  app.add_option("pcap-filter", words, "pcap-filter expression (words are joined with spaces)");

  app.add_option("--backend", o.backend,
                 "Tracing backend: auto, kprobe-multi, kprobe or tracepoint (default auto)")
      ->group("Probes");

  auto* out = "Output";
  app.add_flag("--output-meta", o.output_meta, "print skb metadata (default true)")->group(out);
  app.add_flag("--output-tuple", o.output_tuple, "print L4 tuple (default true)")->group(out);
  app.add_flag("--output-tcp-flags", o.output_tcp_flags, "print TCP flags")->group(out);
  app.add_option("--timestamp", o.timestamp,
                 "print timestamp per skb (\"current\", \"relative\", \"absolute\", \"none\")")
      ->group(out);
  app.add_option("--output-limit-lines", limit, "exit the program after the number of events has been received/printed")
      ->group(out);
  app.add_option("--output-file", o.output_file, "write traces to file")->group(out);
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
  o.pcap_filter.clear();
  for (const auto& w : words) {
    if (!o.pcap_filter.empty()) o.pcap_filter += ' ';
    o.pcap_filter += w;
  }
  return ParseStatus::kRun;
}

}  // namespace pwru::config
