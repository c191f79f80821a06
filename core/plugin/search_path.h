// SPDX-License-Identifier: Apache-2.0
// The plugin search path: PWRU_PLUGIN_PATH, the build tree, the install dir.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pwru::plugin {

// The environment variable that prepends directories to the search path.
inline constexpr const char* kPluginPathEnv = "PWRU_PLUGIN_PATH";

// One directory of the search path and why it is there, for messages:
// "PWRU_PLUGIN_PATH", "next to the executable" or "install dir".
struct SearchDir {
  std::filesystem::path dir;
  std::string source;

  bool operator==(const SearchDir&) const = default;
};
using SearchPath = std::vector<SearchDir>;

// Builds the search path in order; the first directory holding a plugin's
// file wins:
//  1. each entry of `env_value` (PWRU_PLUGIN_PATH, colon-separated). Empty
//     entries are skipped: unlike $PATH they do not mean ".", because pwru
//     runs as root and must not load code from wherever it was started.
//     Relative entries are made absolute against the current directory.
//  2. `exe_dir`/plugins, where the build tree puts its plugins (skipped when
//     `exe_dir` is empty, i.e. unknown).
//  3. `install_dir` (skipped when empty).
// Repeated directories are kept only at their first place.
SearchPath make_search_path(std::string_view env_value, const std::filesystem::path& exe_dir,
                            const std::filesystem::path& install_dir);

// make_search_path(getenv(PWRU_PLUGIN_PATH), executable_dir(),
// PWRU_INSTALL_PLUGIN_DIR).
SearchPath default_search_path();

// The directory of /proc/self/exe, or empty if it cannot be read.
std::filesystem::path executable_dir();

// One line for messages and --list-plugins:
// "/a (PWRU_PLUGIN_PATH), /b/plugins (next to the executable, missing), ...".
std::string format_search_path(const SearchPath& path);

}  // namespace pwru::plugin
