// SPDX-License-Identifier: Apache-2.0
// The command line: CLI11 gets one flag per row of the option table
// (option_table.cpp), plus the flags that are about this invocation rather
// than the trace (--config, --print-config, --list-presets, --list-plugins,
// --plugin-doc, --sink). The same App prints --help and, through
// describe_command_line(), feeds the man page and the bash completion. The
// effective Options are built in one direction: defaults, then the --config
// file, then every flag that was given (the command line wins).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "config/cli.h"
#include "config/config_file.h"
#include "config/option_table.h"
#include "config/options.h"
#include "util/error.h"

namespace pwru::config {
namespace {

// One line, naming the value: CLI11's own messages can span lines.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string exe_dir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

// What CLI11 stores for one row until the file has been read.
struct RawValue {
  bool b = false;
  std::string s;
  std::vector<std::string> list;
  CLI::Option* opt = nullptr;
};

std::string help_of(const OptionSpec& spec, const Options& defaults) {
  std::string h(spec.help);
  if (auto d = default_text(spec, defaults); !d.empty() && spec.table != "packet")
    h += " (default " + d + ")";
  if (spec.availability == Availability::kNotYet) h += " [not available in this build yet]";
  return h;
}

void add_row(CLI::App& app, const OptionSpec& spec, RawValue& raw, const Options& defaults) {
  const std::string flag(spec.flag), help = help_of(spec, defaults);
  if (std::holds_alternative<bool Options::*>(spec.field)) {
    raw.opt = app.add_flag(flag, raw.b, help);
  } else if (std::holds_alternative<std::vector<std::string> Options::*>(spec.field)) {
    // pflag's string slices: comma-separated, and repeatable.
    raw.opt = app.add_option(flag, raw.list, help)->delimiter(',')->allow_extra_args(false);
  } else {
    raw.opt = app.add_option(flag, raw.s, help);
    if (!std::holds_alternative<std::string Options::*>(spec.field)) raw.opt->type_name("UINT");
  }
  if (!spec.value_name.empty()) raw.opt->type_name(std::string(spec.value_name));
  raw.opt->group(std::string(spec.group));
}

// Applies a flag that was given; throws the one-line error.
void apply_flag(const OptionSpec& spec, const RawValue& raw, Options& o) {
  const std::string flag(spec.flag);
  std::string why;
  if (std::holds_alternative<bool Options::*>(spec.field)) {
    why = set_bool(spec, raw.b, o);
  } else if (std::holds_alternative<std::vector<std::string> Options::*>(spec.field)) {
    if (spec.check != nullptr)
      for (const auto& item : raw.list)
        if (auto w = spec.check(item); !w.empty())
          throw UsageError("invalid " + flag + " value '" + item + "': " + w);
    why = set_list(spec, raw.list, o);
  } else {
    why = set_text(spec, raw.s, o);
    if (!why.empty()) throw UsageError("invalid " + flag + " value '" + raw.s + "': " + why);
  }
  if (!why.empty()) throw UsageError("invalid " + flag + " value: " + why);
}

PluginConfig sink_from_flag(const std::string& s) {
  auto colon = s.find(':');
  PluginConfig pc;
  pc.plugin = s.substr(0, colon);
  if (pc.plugin.empty() || (colon != std::string::npos && colon + 1 == s.size()))
    throw UsageError("invalid --sink value '" + s + "': expected PLUGIN or PLUGIN:FILE");
  pc.file = colon == std::string::npos ? "" : s.substr(colon + 1);
  if (pc.file == "-") pc.file.clear();
  pc.origin = "--sink " + s;
  return pc;
}

// Everything CLI11 fills in while parsing, until the file has been read.
struct CliState {
  explicit CliState(size_t rows) : raw(rows) {}
  std::vector<RawValue> raw;  // one per option table row
  CLI::Option* words_opt = nullptr;
  std::vector<std::string> words;
  std::string config;
  std::vector<std::string> sink_args;
  bool print_config = false, list_plugins = false, list_presets = false;
  std::string plugin_doc;
};

// The whole command line: one flag per option table row (in the table's
// groups) plus the flags about this invocation. --help, the man page and
// the bash completion (describe_command_line) all read this one App.
void build_app(CLI::App& app, CliState& st) {
  app.footer(
      "pcap-filter: see \"man 7 pcap-filter\". Every option also has a key in a --config file "
      "(pwru --print-config shows them all).");
  app.set_version_flag("--version", std::string("pwru ") + PWRU_VERSION);
  app.get_formatter()->column_width(40);

  const Options defaults;
  const auto rows = option_table();

  // Help groups: pwru's (filters, probes, tracking, output), then ours
  // (config and plugins), then the odds and ends.
  auto add_rows = [&](bool misc) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if ((rows[i].group == "Misc") != misc) continue;
      if (rows[i].positional())
        st.words_opt = app.add_option(std::string(rows[i].flag), st.words, std::string(rows[i].help));
      else
        add_row(app, rows[i], st.raw[i], defaults);
    }
  };
  add_rows(false);
  const std::string cfg = "Config and plugins";
  app.add_option("--config", st.config,
                 "read options and plugin tables from a TOML file, or a preset NAME (e.g. drops); "
                 "flags given here override it")
      ->type_name("FILE|NAME")
      ->group(cfg);
  app.add_flag("--print-config", st.print_config,
               "print the effective configuration (file + flags) as a config file, and exit")
      ->group(cfg);
  app.add_flag("--list-presets", st.list_presets,
               "list the presets --config NAME can read (name and file), and exit")
      ->group(cfg);
  app.add_flag("--list-plugins", st.list_plugins, "list the plugins pwru can load, and exit")->group(cfg);
  app.add_option("--plugin-doc", st.plugin_doc,
                 "print a plugin's TOML keys as a [[kind]] table to paste into a config file, and exit "
                 "(NAME, or KIND:NAME when a sink and a filter share the name)")
      ->type_name("[KIND:]NAME")
      ->allow_extra_args(false)
      ->group(cfg);
  app.add_option("--sink", st.sink_args,
                 "add a sink plugin: PLUGIN (stdout) or PLUGIN:FILE, e.g. --sink json:trace.json "
                 "(repeatable; adds to the config file's [[sink]] tables)")
      ->type_name("PLUGIN[:FILE]")
      ->allow_extra_args(false)  // one value per --sink; later words are the pcap filter
      ->group(cfg);
  add_rows(true);
}

constexpr const char* kAppDescription = "pwru: trace a packet through the Linux kernel (drops, drop reasons, path)";

}  // namespace

CliModel describe_command_line() {
  CLI::App app{kAppDescription, "pwru"};
  CliState st(option_table().size());
  build_app(app, st);
  const Options defaults;
  const auto rows = option_table();

  auto describe = [&](const CLI::Option* opt) {
    CliOption c;
    for (const auto& n : opt->get_snames()) c.names.push_back("-" + n);
    for (const auto& n : opt->get_lnames()) c.names.push_back("--" + n);
    c.positional = opt->get_positional();
    if (c.positional) c.names.push_back(opt->get_name());
    if (opt->get_type_size() != 0) {
      c.value_name = opt->get_type_name();
      c.repeatable = opt->get_expected_max() == CLI::detail::expected_max_vector_size;
    }
    c.description = opt->get_description();
    c.help = c.description;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (opt != st.raw[i].opt && !(rows[i].positional() && opt == st.words_opt)) continue;
      c.spec = &rows[i];
      c.help = std::string(rows[i].help);
      if (rows[i].table != "packet") c.default_text = default_text(rows[i], defaults);
      c.available = rows[i].availability == Availability::kAvailable;
    }
    return c;
  };

  CliModel m;
  m.description = app.get_description();
  m.footer = app.get_footer();
  for (const CLI::Option* opt : app.get_options([](const CLI::Option* o) { return o->get_positional(); }))
    m.positionals.push_back(describe(opt));
  // Groups in --help's order (CLI11's Formatter::make_groups).
  for (const std::string& group : app.get_groups()) {
    if (group.empty()) continue;  // hidden
    CliGroup g{group, {}};
    for (const CLI::Option* opt : app.get_options(
             [&](const CLI::Option* o) { return o->get_group() == group && o->nonpositional(); }))
      g.options.push_back(describe(opt));
    if (!g.options.empty()) m.groups.push_back(std::move(g));
  }
  return m;
}

ParseStatus parse_command_line(int argc, char** argv, Options& out) {
  CLI::App app{kAppDescription, "pwru"};
  const auto rows = option_table();
  CliState st(rows.size());
  build_app(app, st);
  const Options defaults;
  auto& raw = st.raw;
  auto& words = st.words;

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return ParseStatus::kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return ParseStatus::kExitOk;
  } catch (const CLI::ExtrasError& e) {
    throw UsageError(one_line(e.what()) + " (see pwru --help)");
  } catch (const CLI::ParseError& e) {
    throw UsageError(one_line(e.what()));
  }

  if (st.list_presets) {
    const auto dirs = preset_dirs(exe_dir());
    std::cout << format_presets(find_presets(dirs), dirs);
    return ParseStatus::kExitOk;
  }

  // Defaults, then the file, then the flags that were given.
  Options o;
  Origins origins;
  if (!st.config.empty()) {
    o.config_file = resolve_config(st.config, preset_dirs(exe_dir()));
    load_config_file(o.config_file, o, origins);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const OptionSpec& spec = rows[i];
    if (spec.positional()) {
      if (words.empty()) continue;
      std::string joined;
      for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
      if (auto why = set_text(spec, joined, o); !why.empty())
        throw UsageError("invalid pcap-filter '" + joined + "': " + why);
    } else {
      if (raw[i].opt->count() == 0) continue;
      apply_flag(spec, raw[i], o);
    }
    origins[spec.dotted_key()] = std::string(spec.flag);
  }
  for (const auto& s : st.sink_args) o.sinks.push_back(sink_from_flag(s));
  apply_implied_options(o);

  // Options this build parses but cannot honour yet: never silently ignored.
  for (const auto& spec : rows) {
    if (spec.availability != Availability::kNotYet || same_value(spec, o, defaults)) continue;
    auto it = origins.find(spec.dotted_key());
    const std::string from = it != origins.end() ? it->second : std::string(spec.flag);
    throw UsageError(from + ": not available in this build yet");
  }

  o.print_config = st.print_config;
  o.list_plugins = st.list_plugins;
  o.plugin_doc = st.plugin_doc;
  if (st.print_config) {
    std::cout << to_toml(o);
    return ParseStatus::kExitOk;
  }
  out = std::move(o);
  return ParseStatus::kRun;
}

}  // namespace pwru::config
