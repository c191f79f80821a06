// SPDX-License-Identifier: Apache-2.0
#include "plugin/search_path.h"

#include <cstdlib>
#include <system_error>

#ifndef PWRU_INSTALL_PLUGIN_DIR
#error "PWRU_INSTALL_PLUGIN_DIR must be defined (a compile definition of pwru_core)"
#endif

namespace pwru::plugin {

namespace fs = std::filesystem;

namespace {

void add_unique(SearchPath& out, fs::path dir, const char* source) {
  dir = dir.lexically_normal();
  // "/a/b/" and "/a/b" are the same directory: drop the empty last element.
  if (!dir.has_filename() && dir.has_parent_path() && dir != dir.root_path())
    dir = dir.parent_path();
  for (const auto& d : out)
    if (d.dir == dir) return;
  out.push_back(SearchDir{std::move(dir), source});
}

}  // namespace

SearchPath make_search_path(std::string_view env_value, const fs::path& exe_dir,
                            const fs::path& install_dir) {
  SearchPath out;
  while (!env_value.empty()) {
    const auto colon = env_value.find(':');
    const std::string_view entry = env_value.substr(0, colon);
    env_value = colon == std::string_view::npos ? std::string_view{} : env_value.substr(colon + 1);
    if (entry.empty()) continue;
    fs::path p{std::string(entry)};
    if (p.is_relative()) {
      std::error_code ec;
      fs::path abs = fs::absolute(p, ec);
      if (!ec) p = std::move(abs);
    }
    add_unique(out, std::move(p), kPluginPathEnv);
  }
  if (!exe_dir.empty()) add_unique(out, exe_dir / "plugins", "next to the executable");
  if (!install_dir.empty()) add_unique(out, install_dir, "install dir");
  return out;
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

SearchPath default_search_path() {
  const char* env = std::getenv(kPluginPathEnv);
  return make_search_path(env != nullptr ? env : "", executable_dir(), PWRU_INSTALL_PLUGIN_DIR);
}

std::string format_search_path(const SearchPath& path) {
  if (path.empty()) return "(no directories)";
  std::string s;
  for (const auto& d : path) {
    if (!s.empty()) s += ", ";
    std::error_code ec;
    const bool missing = !fs::is_directory(d.dir, ec);
    s += d.dir.string() + " (" + d.source + (missing ? ", missing)" : ")");
  }
  return s;
}

}  // namespace pwru::plugin
