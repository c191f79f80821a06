// SPDX-License-Identifier: Apache-2.0
// Reading and printing pwru's TOML config file (see config_file.h).
#include "config/config_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/option_table.h"
#include "util/error.h"

namespace pwru::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPluginArrays[] = {"selector", "filter", "sink"};

std::string position(const std::string& source, const toml::source_region& r) {
  std::string s = source;
  if (r.begin.line != 0) {
    s.append(":").append(std::to_string(r.begin.line));
    s.append(":").append(std::to_string(r.begin.column));
  }
  return s;
}

[[noreturn]] void fail(const std::string& source, const toml::source_region& r, const std::string& key,
                       const std::string& why) {
  throw UsageError(position(source, r) + ": " + key + ": " + why);
}

// Marks every table inside `t` inline, so that printing `t` never opens a
// [section] that would end the [[array]] entry it is printed under.
void make_nested_inline(toml::table& t) {
  for (auto&& [k, v] : t) {
    if (auto* sub = v.as_table()) {
      sub->is_inline(true);
      make_nested_inline(*sub);
    } else if (auto* arr = v.as_array()) {
      for (auto& e : *arr)
        if (auto* et = e.as_table()) {
          et->is_inline(true);
          make_nested_inline(*et);
        }
    }
  }
}

// "key = value" as toml++ writes it (key quoted when it must be).
std::string key_value_text(const toml::key& k, const toml::node& v) {
  toml::table one;
  one.insert(k, v);
  make_nested_inline(one);
  std::ostringstream os;
  os << toml::toml_formatter(one, toml::toml_formatter::default_flags & ~(toml::format_flags::indentation | toml::format_flags::allow_literal_strings));
  std::string s = os.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

PluginConfig read_plugin(const std::string& array, const toml::node& n, size_t index, const std::string& source) {
  const std::string label = "[[" + array + "]] #" + std::to_string(index + 1);
  const toml::table* t = n.as_table();
  if (t == nullptr) fail(source, n.source(), array, "must be an array of tables ([[" + array + "]])");
  PluginConfig pc;
  pc.origin = source;
  toml::table rest;
  const toml::node* name = t->get("plugin");
  if (name == nullptr) fail(source, t->source(), label, "missing plugin = \"NAME\"");
  if (!name->is_string() || name->value<std::string>()->empty())
    fail(source, name->source(), array + ".plugin", "must be a plugin name (a non-empty string)");
  pc.plugin = *name->value<std::string>();
  for (auto&& [k, v] : *t) {
    if (k == "plugin") continue;
    if (array == "sink" && k == "file") {
      if (!v.is_string()) fail(source, v.source(), "sink.file", "must be a string (a path), not another type");
      pc.file = *v.value<std::string>();
      if (pc.file == "-") pc.file.clear();
      continue;
    }
    // Moves would keep the source positions, but the parsed document is
    // const here: copy, and lay the text out from the original.
    rest.insert(k, v);
  }
  // The text keeps the file's layout: built from the original table, whose
  // nodes still carry their positions, minus the host's keys.
  std::set<std::string> skip{"plugin"};
  if (array == "sink") skip.insert("file");
  pc.text = positioned_text(*t, skip);
  pc.table = std::move(rest);
  return pc;
}

}  // namespace

bool is_preset_name(std::string_view arg) {
  return !arg.empty() && arg.find('/') == std::string_view::npos && !arg.ends_with(".toml");
}

std::vector<std::string> preset_dirs(const std::string& exe_dir) {
  std::vector<std::string> dirs;
  auto add = [&](const fs::path& p) {
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    if (std::find(dirs.begin(), dirs.end(), s) == dirs.end()) dirs.push_back(s);
  };
  std::error_code ec;
  bool build_tree = false;
#if defined(PWRU_BUILD_DIR) && defined(PWRU_SOURCE_CONFIG_DIR)
  build_tree = !exe_dir.empty() && fs::equivalent(exe_dir, PWRU_BUILD_DIR, ec);
  if (build_tree) add(PWRU_SOURCE_CONFIG_DIR);
#endif
#ifdef PWRU_INSTALL_CONFIG_DIR
  add(PWRU_INSTALL_CONFIG_DIR);
#endif
  // An installed tree moved elsewhere (sbin/pwru next to share/pwru/configs).
  if (!exe_dir.empty() && !build_tree) add(fs::path(exe_dir) / ".." / "share" / "pwru" / "configs");
  return dirs;
}

std::vector<Preset> find_presets(const std::vector<std::string>& dirs) {
  std::map<std::string, std::string> found;  // name -> path of the first dir that has it
  for (const auto& d : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      std::error_code fec;
      if (p.extension() != ".toml" || !fs::is_regular_file(p, fec)) continue;
      const std::string name = p.stem().string();
      if (is_preset_name(name)) found.try_emplace(name, p.string());
    }
  }
  std::vector<Preset> out;
  for (auto& [name, path] : found) out.push_back(Preset{name, path});
  return out;
}

std::string format_presets(const std::vector<Preset>& presets, const std::vector<std::string>& dirs) {
  size_t width = 4;
  for (const auto& p : presets) width = std::max(width, p.name.size());
  auto row = [&](const std::string& name, const std::string& path) {
    return name + std::string(width + 2 - name.size(), ' ') + path + "\n";
  };
  std::string s = row("NAME", "PATH");
  for (const auto& p : presets) s += row(p.name, p.path);
  std::string where;
  for (const auto& d : dirs) {
    std::error_code ec;
    where += (where.empty() ? "" : ", ") + d + (fs::is_directory(d, ec) ? "" : " (missing)");
  }
  return s + "search path: " + (where.empty() ? "(no directories)" : where) + "\n";
}

std::string resolve_config(const std::string& arg, const std::vector<std::string>& dirs) {
  if (!is_preset_name(arg)) return arg;
  for (const auto& d : dirs) {
    fs::path p = fs::path(d) / (arg + ".toml");
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  std::string where, names;
  for (const auto& d : dirs) where += (where.empty() ? "" : ", ") + d;
  for (const auto& p : find_presets(dirs)) names += (names.empty() ? "" : ", ") + p.name;
  throw UsageError("invalid --config value '" + arg + "': no preset " + arg + ".toml in " + where +
                   (names.empty() ? std::string(" (no presets there)") : " (presets: " + names + ")") +
                   "; a file path needs a '/' or the .toml suffix");
}

void load_config_file(const std::string& path, Options& o, Origins& origins) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("invalid --config value '" + path + "': " + errno_text(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw UsageError("invalid --config value '" + path + "': read error");
  load_config_text(ss.str(), path, o, origins);
}

void load_config_text(std::string_view text, const std::string& source, Options& o, Origins& origins) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::string d(e.description());
    std::replace(d.begin(), d.end(), '\n', ' ');
    throw UsageError(position(source, e.source()) + ": " + d);
  }

  const toml::node* version = doc.get("version");
  if (version == nullptr)
    throw UsageError(source + ":1:1: version: missing; a pwru config file starts with version = " +
                     std::to_string(kConfigVersion));
  if (!version->is_integer())
    fail(source, version->source(), "version", "must be an integer (this pwru reads version " +
                                                   std::to_string(kConfigVersion) + ")");
  if (*version->value<int64_t>() != kConfigVersion)
    fail(source, version->source(), "version",
         "unsupported version " + std::to_string(*version->value<int64_t>()) + " (this pwru reads version " +
             std::to_string(kConfigVersion) + ")");

  const auto tables = option_tables();
  for (auto&& [k, v] : doc) {
    const std::string key(k.str());
    if (key == "version") continue;
    if (std::find(std::begin(kPluginArrays), std::end(kPluginArrays), key) != std::end(kPluginArrays)) {
      const toml::array* arr = v.as_array();
      if (arr == nullptr) fail(source, k.source(), key, "must be an array of tables ([[" + key + "]])");
      auto& list = key == "selector" ? o.selectors : key == "filter" ? o.filters : o.sinks;
      for (size_t i = 0; i < arr->size(); ++i) list.push_back(read_plugin(key, *arr->get(i), i, source));
      continue;
    }
    if (std::find(tables.begin(), tables.end(), key) == tables.end())
      fail(source, k.source(), key, "unknown key (tables: packet, probe, track, output, run; plugin arrays: "
                                    "[[selector]], [[filter]], [[sink]])");
    const toml::table* t = v.as_table();
    if (t == nullptr) fail(source, k.source(), key, "must be a table ([" + key + "])");
    for (auto&& [ik, iv] : *t) {
      const OptionSpec* spec = find_option(key, ik.str());
      const std::string dotted = key + "." + std::string(ik.str());
      if (spec == nullptr) fail(source, ik.source(), dotted, "unknown key");
      if (auto why = set_node(*spec, iv, o); !why.empty()) fail(source, iv.source(), dotted, why);
      origins[dotted] = position(source, iv.source()) + ": " + dotted + " (" + std::string(spec->flag) + ")";
    }
  }
}

std::string to_toml(const Options& o) {
  std::ostringstream os;
  os << "# pwru " << PWRU_VERSION << ": the effective configuration (pwru --config FILE reads it back)\n";
  os << "version = " << kConfigVersion << "\n";
  for (auto table : option_tables()) {
    os << "\n[" << table << "]\n";
    for (const auto& spec : option_table()) {
      if (spec.table != table) continue;
      toml::table t;
      insert_value(spec, o, t);
      for (auto&& [k, v] : t) os << key_value_text(k, v) << "\n";
    }
  }
  auto plugins = [&](std::string_view array, const std::vector<PluginConfig>& list) {
    for (const auto& pc : list) {
      os << "\n[[" << array << "]]\n";
      os << key_value_text(toml::key("plugin"), toml::value<std::string>(pc.plugin)) << "\n";
      if (array == "sink") os << key_value_text(toml::key("file"), toml::value<std::string>(pc.file)) << "\n";
      for (auto&& [k, v] : pc.table) os << key_value_text(k, v) << "\n";
    }
  };
  plugins("selector", o.selectors);
  plugins("filter", o.filters);
  plugins("sink", o.sinks);
  return os.str();
}

std::string positioned_text(const toml::table& t, const std::set<std::string>& skip) {
  std::vector<std::pair<const toml::key*, const toml::node*>> keys;
  for (auto&& [k, v] : t)
    if (!skip.contains(std::string(k.str()))) keys.emplace_back(&k, &v);
  // Keys without a position (line 0) go last.
  auto pos = [](const toml::key* k) {
    const auto b = k->source().begin;
    return std::pair(b.line == 0 ? UINT32_MAX : b.line, b.column);
  };
  std::stable_sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) { return pos(a.first) < pos(b.first); });

  std::string out;
  uint32_t line = 1, col = 1;  // where the next character of `out` goes
  auto emit = [&](const std::string& s) {
    out += s;
    for (char c : s) {
      if (c == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  for (const auto& [k, v] : keys) {
    const auto kb = k->source().begin;
    const auto vb = v->source().begin;
    if (col != 1) emit("\n");
    // Blank lines up to the key's line and spaces up to its column; a key
    // whose place is already taken (or unknown) simply follows.
    if (kb.line != 0) {
      while (line < kb.line) emit("\n");
      if (line == kb.line && col < kb.column) emit(std::string(kb.column - col, ' '));
    }
    const std::string kv = key_value_text(*k, *v);
    // toml++ writes "key = value"; where the file had more room between
    // the key and its value, keep the value at its own column as well.
    const std::string probe = key_value_text(*k, toml::value<int64_t>(0));
    const std::string key_text = probe.substr(0, probe.size() - 4);  // "key = 0" -> "key"
    const uint32_t value_col = col + static_cast<uint32_t>(key_text.size()) + 3;
    if (kb.line != 0 && vb.line == line && vb.column > value_col && kv.starts_with(key_text + " = ")) {
      emit(key_text + " =" + std::string(vb.column - value_col + 1, ' ') + kv.substr(key_text.size() + 3));
    } else {
      emit(kv);
    }
  }
  if (col != 1) emit("\n");
  return out;
}

}  // namespace pwru::config
