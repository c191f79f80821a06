// SPDX-License-Identifier: Apache-2.0
// PluginHost: finds plugin files on the search path, loads them once and
// creates instances; lists every plugin file for `pwru --list-plugins`.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/instance.h"
#include "plugin/library.h"
#include "plugin/plugin_error.h"
#include "plugin/plugin_file.h"
#include "plugin/search_path.h"
#include "plugin/trust.h"

namespace pwru::plugin {

// One plugin file as --list-plugins shows it.
struct PluginInfo {
  std::string name;          // from the descriptor, else from the file name, else ""
  std::optional<Kind> kind;  // likewise; nullopt if the file name does not parse
  std::string version;       // "" when the plugin could not be loaded
  std::string abi;           // "1.1"; "" when the plugin could not be loaded
  std::filesystem::path path;
  std::string description;
  std::string error;      // the one-line refusal; "" for a usable plugin
  bool shadowed = false;  // an earlier directory has the same file name

  bool ok() const noexcept { return error.empty(); }
};

// Not thread-safe. Instances it creates may outlive it.
class PluginHost {
 public:
  explicit PluginHost(SearchPath search_path = default_search_path(),
                      TrustCheck trust = check_plugin_trust);

  const SearchPath& search_path() const noexcept { return search_path_; }

  // The first pwru-<kind>-<name>.so on the search path. Throws PluginError
  // for an invalid name or, naming every directory searched, when no
  // directory has the file.
  std::filesystem::path find(Kind kind, std::string_view name) const;

  // find() + Library::load(), once per kind and name: later calls return
  // the same library. A failed load is not cached.
  std::shared_ptr<const Library> load(Kind kind, std::string_view name);

  // load() + create the instance from the plugin's TOML table (text, maybe
  // empty); `origin` says where the table came from, for the plugin's
  // messages ("--config trace.toml [[sink]] #2", "command line").
  SinkInstance create_sink(std::string_view name, std::string_view toml_text,
                           std::string_view origin);
  FilterInstance create_filter(std::string_view name, std::string_view toml_text,
                               std::string_view origin);
  SelectorInstance create_selector(std::string_view name, std::string_view toml_text,
                                   std::string_view origin);

  // Every pwru-*.so in every existing directory of the search path, in
  // search order (by file name within a directory). Each is loaded to read
  // its descriptor; nothing is skipped: a file that cannot be used is
  // listed with its error, a later file with the same name as an earlier
  // one is marked shadowed. Does not touch the load() cache.
  std::vector<PluginInfo> list() const;

 private:
  SearchPath search_path_;
  TrustCheck trust_;
  std::map<std::string, std::shared_ptr<const Library>, std::less<>> loaded_;
};

// The --list-plugins table: a header NAME KIND VERSION ABI PATH, one row per
// plugin ("-" for what a broken file lacks, "(shadowed)" after shadowed
// paths), then one "error: ..." line per unusable file.
std::string format_plugin_table(const std::vector<PluginInfo>& plugins);

// `pwru --plugin-doc`: the plugin's documented TOML keys as a config-file
// snippet that can be pasted as is:
//   # sink "good" 1.2.3 (plugin ABI 1.2): /path/pwru-sink-good.so
//   # <description>
//   [[sink]]
//   plugin = "good"
//   <config_doc, or "# (no keys of its own)">
std::string format_plugin_doc(const Library& lib);

}  // namespace pwru::plugin
