// SPDX-License-Identifier: Apache-2.0
// The command line as data: every option `pwru --help` prints, in its
// groups and order, with the option table row behind it. pwru-docgen
// (doc/) generates the man page and the bash completion from this, so
// neither can drift from --help: all three read the same CLI11 App, which
// is built from the option table (option_table.h) plus the flags about the
// invocation itself (--config, --list-plugins, --help, ...).
#pragma once

#include <string>
#include <vector>

#include "config/option_table.h"

namespace pwru::config {

struct CliOption {
  std::vector<std::string> names;  // "-h", "--help"; a positional's name ("pcap-filter")
  std::string value_name;          // as --help shows it ("MARK[/MASK]", "UINT"); "" = no value
  bool repeatable = false;         // several values (--help's "...")
  bool positional = false;
  std::string help;          // the text, without default and availability
  std::string default_text;  // the default --help shows ("" = none)
  bool available = true;     // false: Availability::kNotYet
  std::string description;   // exactly what --help prints (help, default, availability)
  const OptionSpec* spec = nullptr;  // its option table row, or nullptr
};

struct CliGroup {
  std::string name;  // "Options", "Filters", ...
  std::vector<CliOption> options;
};

struct CliModel {
  std::string description;  // --help's first line
  std::string footer;       // --help's last line
  std::vector<CliOption> positionals;
  std::vector<CliGroup> groups;  // in --help's order
};

CliModel describe_command_line();

}  // namespace pwru::config
