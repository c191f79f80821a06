// SPDX-License-Identifier: Apache-2.0
// The option table: one row per pwru option, the single source of truth
// for its command-line flag, its TOML key, its type and checks, its help
// text and group, and whether this build implements it.
//
// Design. Every consumer derives from the rows instead of naming options
// again: the CLI11 parser (cli.cpp) registers one flag per row, the config
// file reader (config_file.cpp) accepts exactly the rows' keys, and
// --print-config writes every row's key with its effective value; a man
// page can be generated from the same rows. Defaults are not in the rows:
// they are the initializers of struct Options (options.h), read through a
// default-constructed Options. Values from the command line (text) and from
// the file (TOML nodes) go through the same setters below, so both are
// checked alike and fail with the same reason; only the prefix differs
// ("invalid --flag value 'v': ..." versus "FILE:LINE:COL: table.key: ...").
// Adding an option is one field in Options and one row in kOptionTable.
//
// Rows marked kNotYet are parsed and stored like any other (so a pasted
// cilium/pwru command line and a full trace.toml are read), but a value
// other than the default ends the run with "--X: not available in this
// build yet" (exit code 2): such a flag is never silently ignored.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <toml++/toml.h>

#include "config/options.h"

namespace pwru::config {

// Where a row's value lives in Options; also says the value's type.
using Field = std::variant<bool Options::*, std::string Options::*, uint32_t Options::*, uint64_t Options::*,
                           std::vector<std::string> Options::*>;

enum class Availability { kAvailable, kNotYet };

struct OptionSpec {
  std::string_view flag;   // "--filter-mark"; "pcap-filter" for the positional words
  std::string_view table;  // TOML table: "packet", "probe", "track", "output", "run"
  std::string_view key;    // key in that table: "mark"
  Field field;
  std::string_view group;  // --help section
  std::string_view help;
  std::string_view value_name = {};  // --help's name of the value ("MARK[/MASK]"); "" = from the type
  Availability availability = Availability::kAvailable;
  // Integers: the accepted range; clamp_min raises smaller values (pwru's
  // --netns-names-max-length minimum of 10) instead of refusing them.
  uint64_t min = 0;
  uint64_t max = UINT64_MAX;
  uint64_t clamp_min = 0;
  // Strings: the only values accepted (empty = any).
  std::span<const std::string_view> choices = {};
  // Strings and list items: an extra check; returns "" or why the value is bad.
  std::string (*check)(const std::string& value) = nullptr;

  bool positional() const { return !flag.starts_with("-"); }
  std::string dotted_key() const { return std::string(table) + "." + std::string(key); }
};

// Every row, in --help and --print-config order.
std::span<const OptionSpec> option_table();

// The TOML tables of the rows, in order ("packet", "probe", ...).
std::vector<std::string_view> option_tables();

// The row of a TOML table.key, or nullptr.
const OptionSpec* find_option(std::string_view table, std::string_view key);

// Setters. Each returns "" on success or why the value is refused (without
// the flag or key: the caller says where the value came from).
std::string set_bool(const OptionSpec& spec, bool v, Options& o);
// Strings, choices and integers (decimal) as typed on the command line.
std::string set_text(const OptionSpec& spec, const std::string& v, Options& o);
// A list (already split on commas).
std::string set_list(const OptionSpec& spec, const std::vector<std::string>& v, Options& o);
// A TOML value of the row's type.
std::string set_node(const OptionSpec& spec, const toml::node& v, Options& o);

// Inserts the row's value in `o` into `t` under the row's key.
void insert_value(const OptionSpec& spec, const Options& o, toml::table& t);

// The value as --help shows a default ("" when it is false, zero or empty,
// which --help does not mention, like pflag).
std::string default_text(const OptionSpec& spec, const Options& defaults);

// Turns on the options that others imply, as cilium/pwru does once its
// flags are parsed: --filter-trace-tc turns on --output-skb-cb, and
// --filter-non-skb-funcs (or --filter-track-bpf-helpers) turns on
// --filter-track-skb-by-stackid. Applied after the file and the flags are
// merged, so that --print-config and the run see what is really in effect.
void apply_implied_options(Options& o);

// True when `a` and `b` hold the same value for this row.
bool same_value(const OptionSpec& spec, const Options& a, const Options& b);

}  // namespace pwru::config
