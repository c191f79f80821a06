// SPDX-License-Identifier: Apache-2.0
// pwru's TOML config file: reading it onto Options, finding named presets,
// and printing an Options back as a file that reads back to the same.
//
// The file (version 1):
//   version = 1                 # required, first; other versions are refused
//   [packet] / [probe] / [track] / [output] / [run]
//                               # one key per option (option_table.cpp)
//   [[selector]] / [[filter]] / [[sink]]
//                               # one table per plugin instance: plugin = "name",
//                               # sinks also file = "PATH" (default stdout), and
//                               # the plugin's own keys, which it judges itself
// Unknown keys, wrong types and bad values are errors naming the file,
// line, column and key.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/options.h"

namespace pwru::config {

inline constexpr int64_t kConfigVersion = 1;

// Where each option's value came from, by dotted key ("output.skb"):
// "FILE:LINE:COL: output.skb" or "--output-skb". Options not set are absent.
using Origins = std::map<std::string, std::string>;

// A --config argument without '/' that does not end in ".toml" names a
// preset: NAME.toml in one of preset_dirs(). Anything else is a path.
bool is_preset_name(std::string_view arg);

// Where presets are looked for, in order: the source tree's configs/ when
// this pwru runs from its build tree, then the installed configs directory
// (PWRU_INSTALL_CONFIG_DIR) and ../share/pwru/configs next to the binary.
// `exe_dir` is the running binary's directory.
std::vector<std::string> preset_dirs(const std::string& exe_dir);

// A preset: NAME.toml in one of preset_dirs().
struct Preset {
  std::string name;  // "drops"
  std::string path;  // the file --config NAME reads
};

// Every preset in `dirs`, by name; a name in several dirs is the first
// dir's (the one --config NAME reads).
std::vector<Preset> find_presets(const std::vector<std::string>& dirs);

// `pwru --list-presets`: a NAME PATH table, then "search path: DIR, DIR
// (missing), ...".
std::string format_presets(const std::vector<Preset>& presets, const std::vector<std::string>& dirs);

// The file a --config argument names (a preset's path, or the argument).
// Throws UsageError for an unknown preset, listing the dirs and presets.
std::string resolve_config(const std::string& arg, const std::vector<std::string>& dirs);

// Reads a config file onto `o` (over what is there). Throws UsageError
// with one line "FILE:LINE:COL: key: why".
void load_config_file(const std::string& path, Options& o, Origins& origins);
// The same for text in memory; `source` names it in messages.
void load_config_text(std::string_view text, const std::string& source, Options& o, Origins& origins);

// The effective configuration as a config file (every key, defaults too).
std::string to_toml(const Options& o);

// A plugin table as TOML text with each key at the line and column it had
// in its source (blank lines and spaces before it), so that a plugin's
// "TEXT:LINE:COL" messages point into the user's file. Keys without a
// source position follow at the end.
std::string positioned_text(const toml::table& t, const std::set<std::string>& skip = {});

}  // namespace pwru::config
