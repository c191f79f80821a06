// SPDX-License-Identifier: Apache-2.0
// The effective configuration of one pwru run (command line for now; the
// TOML file maps onto the same struct).
#pragma once

#include <cstdint>
#include <string>

namespace pwru::config {

struct Options {
  // Filters
  std::string pcap_filter;  // positional words joined with " "
  // Probes
  std::string backend;      // "" = auto
  // Output
  bool output_meta = true;
  bool output_tuple = true;
  bool output_tcp_flags = false;
  std::string timestamp = "none";
  uint64_t output_limit_lines = 0;
  std::string output_file;
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
