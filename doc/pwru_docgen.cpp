// SPDX-License-Identifier: Apache-2.0
// pwru-docgen: the build-time generator of pwru's man page and bash
// completion. Both come from describe_command_line() (config/cli.h): the
// CLI11 App that prints `pwru --help`, built from the option table. A
// template (doc/pwru.8.in, doc/pwru.bash.in) holds the prose or shell code;
// @NAME@ placeholders are filled in from the command-line model, the
// preset files and the built plugins, so neither file can drift from
// --help. Not installed.
//
//   pwru-docgen man  TEMPLATE OUT CONFIG_DIR PLUGIN_DIR
//   pwru-docgen bash TEMPLATE OUT
//
// Exit status: 0, 1 (I/O or a plugin that cannot be listed), 2 (bad
// arguments, or a template placeholder it does not know).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/cli.h"
#include "config/config_file.h"
#include "plugin/plugin_host.h"
#include "util/error.h"

#ifndef PWRU_INSTALL_SBIN_DIR
#error "PWRU_INSTALL_SBIN_DIR must be defined (doc/CMakeLists.txt)"
#endif
#ifndef PWRU_INSTALL_COMPLETION_FILE
#error "PWRU_INSTALL_COMPLETION_FILE must be defined (doc/CMakeLists.txt)"
#endif

namespace {

using pwru::Error;
using pwru::UsageError;
using pwru::config::CliModel;
using pwru::config::CliOption;
using pwru::config::describe_command_line;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(pwru::sys_error("cannot read " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  // Written next to OUT and renamed: an interrupted build never leaves half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(pwru::sys_error("cannot write " + tmp));
    out << text;
    out.flush();
    if (!out) throw Error(pwru::sys_error("cannot write " + tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(pwru::sys_error("cannot rename " + tmp));
}

// Replaces every @NAME@ in `tmpl`; an unknown placeholder is an error, and
// so is a value that was given but not used (the template lost it).
std::string fill(const std::string& tmpl, const std::map<std::string, std::string>& values,
                 const std::string& tmpl_path) {
  std::string out;
  std::set<std::string> used;
  size_t pos = 0;
  while (true) {
    const size_t at = tmpl.find('@', pos);
    if (at == std::string::npos) break;
    const size_t end = tmpl.find('@', at + 1);
    const std::string name = end == std::string::npos ? "" : tmpl.substr(at + 1, end - at - 1);
    const bool is_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || c == '_';
    });
    if (!is_name) {  // a lone '@' (an e-mail address, ...)
      out.append(tmpl, pos, at + 1 - pos);
      pos = at + 1;
      continue;
    }
    auto it = values.find(name);
    if (it == values.end()) throw UsageError(tmpl_path + ": unknown placeholder @" + name + "@");
    out.append(tmpl, pos, at - pos);
    out += it->second;
    used.insert(name);
    pos = end + 1;
  }
  out.append(tmpl, pos);
  for (const auto& [name, value] : values)
    if (!used.contains(name)) throw UsageError(tmpl_path + ": placeholder @" + name + "@ is missing");
  return out;
}

// ---------------------------------------------------------------------------
// roff

// Text for a roff line: backslashes and hyphens escaped ("\-" is the ASCII
// hyphen-minus a flag needs to be copied from the page), a leading '.' or
// '\'' not taken for a request.
std::string roff(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string sentence(std::string s) {
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

// The tag of an option: "\fB\-\-filter\-mark\fR \fIMARK[/MASK]\fR".
std::string roff_tag(const CliOption& o) {
  std::string tag;
  for (const auto& n : o.names) {
    if (!tag.empty()) tag += ", ";
    tag += (o.positional ? "\\fI" : "\\fB") + roff(n) + "\\fR";
  }
  if (!o.value_name.empty() && !o.positional) tag += " \\fI" + roff(o.value_name) + "\\fR";
  if (o.repeatable) tag += " .\\|.\\|.";
  return tag;
}

std::string roff_option(const CliOption& o) {
  std::string s = ".TP\n" + roff_tag(o) + "\n";
  if (!o.available) s += "\\fB[not available in this build yet]\\fR\n";
  s += roff(sentence(o.help)) + "\n";
  if (!o.default_text.empty()) s += "Default: \\fB" + roff(o.default_text) + "\\fR.\n";
  if (o.spec != nullptr) s += "Config key: \\fB" + roff(o.spec->dotted_key()) + "\\fR.\n";
  return s;
}

std::string man_options(const CliModel& m) {
  std::string s;
  if (!m.positionals.empty()) {
    s += ".SS Positionals\n";
    for (const auto& o : m.positionals) s += roff_option(o);
  }
  for (const auto& g : m.groups) {
    s += ".SS " + roff(g.name) + "\n";
    for (const auto& o : g.options) s += roff_option(o);
  }
  return s;
}

// A preset's description: the first comment paragraph of its file, minus
// the "NAME.toml: " it starts with.
std::string preset_summary(const pwru::config::Preset& p) {
  std::istringstream in(read_file(p.path));
  std::string line, text;
  while (std::getline(in, line)) {
    if (line == "#" || !line.starts_with("# ")) break;
    text += (text.empty() ? "" : " ") + line.substr(2);
  }
  if (const std::string lead = p.name + ".toml: "; text.starts_with(lead)) text.erase(0, lead.size());
  if (text.empty()) throw UsageError(p.path + ": no description (a first comment paragraph '# " + p.name + ".toml: ...')");
  return text;
}

std::string man_presets(const std::string& config_dir) {
  const auto presets = pwru::config::find_presets({config_dir});
  if (presets.empty()) throw UsageError("no presets (*.toml) in " + config_dir);
  std::string s;
  for (const auto& p : presets) s += ".TP\n\\fB" + roff(p.name) + "\\fR\n" + roff(sentence(preset_summary(p))) + "\n";
  return s;
}

std::string man_plugins(const std::string& plugin_dir) {
  namespace pl = pwru::plugin;
  pl::PluginHost host(pl::make_search_path("", {}, plugin_dir));
  const auto plugins = host.list();
  if (plugins.empty()) throw Error("no plugins in " + plugin_dir);
  std::string s;
  for (const auto& p : plugins) {
    if (!p.ok()) throw Error(p.path.string() + ": " + p.error);
    s += ".TP\n\\fB" + roff(p.name) + "\\fR (" + std::string(pl::to_string(*p.kind)) + ", \\fI" +
         roff(p.path.filename().string()) + "\\fR)\n" + roff(sentence(p.description)) + "\n";
  }
  return s;
}

std::string man_page(const std::string& tmpl_path, const std::string& config_dir, const std::string& plugin_dir) {
  const CliModel m = describe_command_line();
  std::string what = m.description;
  if (what.starts_with("pwru: ")) what.erase(0, 6);
  return fill(read_file(tmpl_path),
              {{"VERSION", PWRU_VERSION},
               {"WHAT", roff(what)},
               {"OPTIONS", man_options(m)},
               {"PRESETS", man_presets(config_dir)},
               {"PLUGINS", man_plugins(plugin_dir)},
               {"SBIN_DIR", roff(PWRU_INSTALL_SBIN_DIR)},
               {"PLUGIN_DIR", roff(PWRU_INSTALL_PLUGIN_DIR)},
               {"CONFIG_DIR", roff(PWRU_INSTALL_CONFIG_DIR)},
               {"COMPLETION_FILE", roff(PWRU_INSTALL_COMPLETION_FILE)}},
              tmpl_path);
}

// ---------------------------------------------------------------------------
// bash

// How the value of each flag completes, for _pwru_values in pwru.bash.in.
// Flags with a completion of their own; each must still be a pwru flag.
const std::map<std::string, std::string> kSpecialValues = {
    {"--config", "config"},        // presets (pwru --list-presets) and files
    {"--sink", "sink"},            // sink plugins (pwru --list-plugins), then :FILE
    {"--plugin-doc", "plugin"},    // plugin names, KIND:NAME
    {"--filter-netns", "netns"},   // /run/netns names, inode:, paths
    {"--filter-ifname", "ifname"}  // interfaces
};

std::string value_completion(const CliOption& o) {
  for (const auto& n : o.names)
    if (auto it = kSpecialValues.find(n); it != kSpecialValues.end()) return it->second;
  if (o.spec != nullptr && !o.spec->choices.empty()) {
    std::string s = "choices";
    for (auto c : o.spec->choices) s += " " + std::string(c);
    return s;
  }
  if (o.value_name.find("FILE") != std::string::npos) return "file";
  return "none";
}

std::string bash_completion(const std::string& tmpl_path) {
  const CliModel m = describe_command_line();
  std::string flags, bool_flags, cases;
  std::set<std::string> seen;
  for (const auto& g : m.groups)
    for (const auto& o : g.options) {
      for (const auto& n : o.names) {
        flags += (flags.empty() ? "" : " ") + n;
        seen.insert(n);
      }
      if (o.spec != nullptr && std::holds_alternative<bool pwru::config::Options::*>(o.spec->field))
        for (const auto& n : o.names) bool_flags += (bool_flags.empty() ? "" : " ") + n;
      if (o.value_name.empty()) continue;
      std::string pattern;
      for (const auto& n : o.names) pattern += (pattern.empty() ? "" : "|") + n;
      cases += "\t" + pattern + ") echo '" + value_completion(o) + "' ;;\n";
    }
  for (const auto& [flag, how] : kSpecialValues)
    if (!seen.contains(flag)) throw UsageError("bash completion: " + flag + " is not a pwru flag any more");
  if (!cases.empty()) cases.pop_back();  // the template's line has its own newline
  return fill(read_file(tmpl_path),
              {{"VERSION", PWRU_VERSION}, {"FLAGS", flags}, {"BOOL_FLAGS", bool_flags}, {"VALUE_CASES", cases}},
              tmpl_path);
}

int usage() {
  std::fprintf(stderr,
               "pwru-docgen: usage: pwru-docgen man TEMPLATE OUT CONFIG_DIR PLUGIN_DIR | "
               "pwru-docgen bash TEMPLATE OUT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 5 && args[0] == "man") {
      write_file(args[2], man_page(args[1], args[3], args[4]));
    } else if (args.size() == 3 && args[0] == "bash") {
      write_file(args[2], bash_completion(args[1]));
    } else {
      return usage();
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "pwru-docgen: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pwru-docgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
