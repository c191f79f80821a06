// SPDX-License-Identifier: Apache-2.0
#include "plugin/plugin_host.h"

#include <algorithm>
#include <exception>
#include <set>
#include <system_error>
#include <utility>

namespace pwru::plugin {

namespace fs = std::filesystem;

PluginHost::PluginHost(SearchPath search_path, TrustCheck trust)
    : search_path_(std::move(search_path)), trust_(std::move(trust)) {}

fs::path PluginHost::find(Kind kind, std::string_view name) const {
  const std::string what = std::string(to_string(kind)) + " plugin '" + std::string(name) + "'";
  if (!is_valid_plugin_name(name))
    throw PluginError("invalid " + std::string(to_string(kind)) + " plugin name '" +
                      std::string(name) + "': use letters, digits, '-' and '_'");
  const std::string file = plugin_file_name(kind, name);
  for (const auto& d : search_path_) {
    fs::path candidate = d.dir / file;
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate;
  }
  throw PluginError("no " + what + ": " + file + " is in none of the plugin directories " +
                    format_search_path(search_path_) + "; set " + kPluginPathEnv +
                    " or see pwru --list-plugins");
}

std::shared_ptr<const Library> PluginHost::load(Kind kind, std::string_view name) {
  const std::string key = plugin_file_name(kind, name);
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second;
  const fs::path file = find(kind, name);
  auto lib = Library::load(file, trust_, file.parent_path());
  loaded_.emplace(key, lib);
  return lib;
}

SinkInstance PluginHost::create_sink(std::string_view name, std::string_view toml_text,
                                     std::string_view origin) {
  return SinkInstance::create(load(Kind::sink, name), toml_text, origin);
}

FilterInstance PluginHost::create_filter(std::string_view name, std::string_view toml_text,
                                         std::string_view origin) {
  return FilterInstance::create(load(Kind::filter, name), toml_text, origin);
}

SelectorInstance PluginHost::create_selector(std::string_view name, std::string_view toml_text,
                                             std::string_view origin) {
  return SelectorInstance::create(load(Kind::selector, name), toml_text, origin);
}

std::vector<PluginInfo> PluginHost::list() const {
  std::vector<PluginInfo> out;
  std::set<std::string, std::less<>> seen;
  for (const auto& d : search_path_) {
    std::error_code ec;
    if (!fs::is_directory(d.dir, ec)) continue;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(d.dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string fname = it->path().filename().string();
      if (fname.starts_with("pwru-") && fname.ends_with(".so")) files.push_back(it->path());
    }
    if (ec) {
      // Not silently skipped: --list-plugins says which directory it could not read.
      PluginInfo info;
      info.path = d.dir;
      info.error = "plugin directory " + d.dir.string() + ": cannot read it: " + ec.message();
      out.push_back(std::move(info));
    }
    std::sort(files.begin(), files.end());

    for (const auto& file : files) {
      PluginInfo info;
      info.path = file;
      const std::string fname = file.filename().string();
      if (auto parsed = parse_plugin_file_name(fname)) {
        info.name = parsed->name;
        info.kind = parsed->kind;
      }
      info.shadowed = !seen.insert(fname).second;
      try {
        if (fs::is_directory(file, ec))
          throw PluginError("plugin " + file.string() + ": is a directory, not a library");
        const auto lib = Library::load(file, trust_, d.dir);
        info.name = lib->name();
        info.kind = lib->kind();
        info.version = lib->version();
        info.abi = lib->abi();
        info.description = lib->description();
      } catch (const std::exception& e) {
        info.error = e.what();
      }
      out.push_back(std::move(info));
    }
  }
  return out;
}

std::string format_plugin_table(const std::vector<PluginInfo>& plugins) {
  struct Row {
    std::string cols[5];
  };
  std::vector<Row> rows;
  rows.push_back({{"NAME", "KIND", "VERSION", "ABI", "PATH"}});
  const auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  for (const auto& p : plugins) {
    std::string path = p.path.string();
    if (p.shadowed) path += " (shadowed)";
    rows.push_back({{or_dash(p.name), p.kind ? std::string(to_string(*p.kind)) : "-",
                     or_dash(p.version), or_dash(p.abi), path}});
  }
  std::size_t width[4] = {};
  for (const auto& r : rows)
    for (std::size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], r.cols[i].size());

  std::string out;
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < 4; ++i) {
      out += r.cols[i];
      out.append(width[i] - r.cols[i].size() + 2, ' ');
    }
    out += r.cols[4];
    out += '\n';
  }
  if (plugins.empty()) out += "(no plugin files found)\n";
  for (const auto& p : plugins)
    if (!p.ok()) out += "error: " + p.error + "\n";
  return out;
}

std::string format_plugin_doc(const Library& lib) {
  const std::string kind(to_string(lib.kind()));
  std::string out = "# " + kind + " \"" + lib.name() + "\" " + (lib.version().empty() ? "-" : lib.version()) +
                    " (plugin ABI " + lib.abi() + "): " + lib.path().string() + "\n";
  if (!lib.description().empty()) out += "# " + lib.description() + "\n";
  out += "[[" + kind + "]]\nplugin = \"" + lib.name() + "\"\n";
  std::string doc = lib.config_doc();
  while (!doc.empty() && (doc.back() == '\n' || doc.back() == ' ')) doc.pop_back();
  out += doc.empty() ? std::string("# (no keys of its own)") : doc;
  out += "\n";
  return out;
}

}  // namespace pwru::plugin
