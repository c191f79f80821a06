// SPDX-License-Identifier: Apache-2.0
// The option table, the config file and --print-config: every flag through
// the parser, every shipped config through a round trip, and the messages
// for bad files (with their line and column).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "config/config_file.h"
#include "config/option_table.h"
#include "config/options.h"
#include "util/error.h"

using namespace pwru::config;
namespace fs = std::filesystem;

namespace {

const std::string kConfigs = PWRU_TEST_SOURCE_DIR "/../configs";

ParseStatus parse(std::vector<std::string> args, Options& o) {
  args.insert(args.begin(), "pwru");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), o);
}

std::string error_of(std::vector<std::string> args) {
  Options o;
  try {
    parse(std::move(args), o);
  } catch (const pwru::UsageError& e) {
    return e.what();
  }
  return "";
}

Options from_text(const std::string& text, const std::string& source = "t.toml") {
  Options o;
  Origins origins;
  load_config_text(text, source, o, origins);
  return o;
}

std::string text_error(const std::string& text) {
  try {
    from_text(text);
  } catch (const pwru::UsageError& e) {
    return e.what();
  }
  return "";
}

// A file that removes itself.
struct TempFile {
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/pwru-config-test.XXXXXX";
    int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path = std::string(tmpl) + ".toml";
    fs::rename(tmpl, path);
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
  std::string path;
};

// A value for one row, different from its default, that the row accepts:
// the flag's command-line words and the TOML text of the same value.
struct Sample {
  std::vector<std::string> args;
  std::string toml;
};

Sample sample_for(const OptionSpec& spec, const Options& d) {
  const std::string flag(spec.flag);
  return std::visit(
      [&](auto field) -> Sample {
        using T = std::remove_cvref_t<decltype(d.*field)>;
        if constexpr (std::is_same_v<T, bool>) {
          // --flag turns a false default on; --flag=false turns a true one off.
          if (d.*field) return {{flag + "=false"}, "false"};
          return {{flag}, "true"};
        } else if constexpr (std::is_same_v<T, std::string>) {
          std::string v = "sample value";
          if (!spec.choices.empty()) v = std::string(spec.choices.back());
          if (spec.key == "kernel-btf") v = "/sys/kernel/btf/vmlinux";
          if (spec.positional()) return {{"tcp", "port", "8080"}, "\"tcp port 8080\""};
          return {{flag, v}, "\"" + v + "\""};
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          return {{flag, "veth,bridge"}, "[\"veth\", \"bridge\"]"};
        } else {
          const uint64_t v = std::max<uint64_t>(spec.min, 1) + 11;  // 12 (above the clamp of 10)
          return {{flag, std::to_string(v)}, std::to_string(v)};
        }
      },
      spec.field);
}

// The row a row turns on besides its own (apply_implied_options), or "".
std::string_view implied_by(std::string_view flag) {
  if (flag == "--filter-trace-tc") return "--output-skb-cb";
  if (flag == "--filter-non-skb-funcs") return "--filter-track-skb-by-stackid";
  if (flag == "--filter-track-bpf-helpers") return "--filter-track-skb-by-stackid";
  return "";
}

}  // namespace

// Every row: its flag sets its field (and no other but the one it implies), its TOML key sets the
// same, and --print-config of the result reads back to the same options.
// Rows not available yet are parsed, and then refused with one line.
TEST(OptionTable, EveryFlagThroughTheParser) {
  const Options defaults;
  size_t available = 0, not_yet = 0;
  for (const auto& spec : option_table()) {
    SCOPED_TRACE(std::string(spec.flag));
    const Sample s = sample_for(spec, defaults);
    if (spec.availability == Availability::kNotYet) {
      ++not_yet;
      EXPECT_EQ(error_of(s.args), std::string(spec.flag) + ": not available in this build yet");
      // The file says where: FILE:LINE:COL: table.key (--flag).
      TempFile f("version = 1\n[" + std::string(spec.table) + "]\n" + std::string(spec.key) + " = " + s.toml + "\n");
      std::string e = error_of({"--config", f.path});
      EXPECT_EQ(e, f.path + ":3:" + std::to_string(spec.key.size() + 4) + ": " + spec.dotted_key() + " (" +
                       std::string(spec.flag) + "): not available in this build yet");
      // The default value is accepted (trace.toml lists every key).
      Options o;
      const std::string def = std::visit(
          [&](auto field) -> std::string {
            using T = std::remove_cvref_t<decltype(defaults.*field)>;
            if constexpr (std::is_same_v<T, bool>) return defaults.*field ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::string>) return "\"" + defaults.*field + "\"";
            else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "[]";
            else return std::to_string(defaults.*field);
          },
          spec.field);
      TempFile g("version = 1\n[" + std::string(spec.table) + "]\n" + std::string(spec.key) + " = " + def + "\n");
      EXPECT_NO_THROW(parse({"--config", g.path}, o));
      continue;
    }
    ++available;
    Options o;
    ASSERT_EQ(parse(s.args, o), ParseStatus::kRun);
    for (const auto& other : option_table())
      EXPECT_EQ(same_value(other, o, defaults), &other != &spec && implied_by(spec.flag) != other.flag)
          << "after " << spec.flag << ": " << other.flag;
    // The same value from the file.
    Options f = from_text("version = 1\n[" + std::string(spec.table) + "]\n" + std::string(spec.key) + " = " +
                          s.toml + "\n");
    EXPECT_TRUE(same_value(spec, o, f));
    // And back through --print-config.
    Options back = from_text(to_toml(o));
    EXPECT_EQ(back, o);
  }
  EXPECT_GE(available, 47u);
  // Every cilium/pwru flag is in this build; the kNotYet path stays for rows
  // added before their feature.
  EXPECT_EQ(not_yet, 0u);
}

TEST(OptionTable, KeysAndFlagsAreUnique) {
  std::set<std::string> flags, keys;
  for (const auto& spec : option_table()) {
    EXPECT_TRUE(flags.insert(std::string(spec.flag)).second) << spec.flag;
    EXPECT_TRUE(keys.insert(spec.dotted_key()).second) << spec.dotted_key();
    EXPECT_EQ(find_option(spec.table, spec.key), &spec);
  }
}

// cilium/pwru's flags, all accepted (its §1 list plus --filter-kprobe-batch,
// --set-percpu-buf and --debug).
TEST(OptionTable, EveryPwruFlagIsThere) {
  for (const char* f :
       {"--filter-netns", "--filter-mark", "--filter-ifname", "--filter-func", "--filter-skb-expr",
        "--filter-xdp-expr", "--filter-tunnel-pcap-l2", "--filter-tunnel-pcap-l3", "--kmods", "--all-kmods",
        "--kernel-btf", "--filter-non-skb-funcs", "--filter-track-bpf-helpers", "--filter-trace-tc",
        "--filter-trace-xdp", "--filter-kprobe-batch", "--backend", "--filter-track-skb",
        "--filter-track-skb-by-stackid", "--output-meta", "--output-tuple", "--output-tcp-flags", "--output-tunnel",
        "--output-skb", "--output-skb-shared-info", "--output-stack", "--output-caller", "--output-skb-cb",
        "--output-skb-metadata", "--output-xdp-metadata", "--output-bpfmap", "--output-netns-names",
        "--netns-names-max-length", "--timestamp", "--output-json", "--output-limit-lines", "--output-file",
        "--output-file-max-size", "--output-file-max-backups", "--output-file-max-age", "--output-file-compress",
        "--set-percpu-buf", "--ready-file", "--debug"}) {
    bool found = false;
    for (const auto& spec : option_table()) found = found || spec.flag == f;
    EXPECT_TRUE(found) << f;
  }
}

TEST(OptionTable, SetPercpuBufIsAcceptedAndChecked) {
  Options o;
  parse({"--set-percpu-buf", "8192"}, o);
  EXPECT_EQ(o.set_percpu_buf, 8192u);
  EXPECT_NE(error_of({"--set-percpu-buf", "4294967296"}).find("'4294967296'"), std::string::npos);
}

// Every shipped config: parse -> print -> parse gives the same options, and
// printing again gives the same text.
TEST(ConfigFile, ShippedConfigsRoundTrip) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(kConfigs)) {
    if (e.path().extension() != ".toml") continue;
    SCOPED_TRACE(e.path().string());
    ++n;
    Options a;
    Origins origins;
    load_config_file(e.path(), a, origins);  // plugins are not loaded: pcapng need not exist
    const std::string printed = to_toml(a);
    Options b = from_text(printed, "printed");
    EXPECT_EQ(a, b);
    EXPECT_EQ(to_toml(b), printed);
  }
  EXPECT_GE(n, 4u);
}

TEST(ConfigFile, ShippedPresetsSayWhatTheyShould) {
  const auto dirs = std::vector<std::string>{kConfigs};
  Options o;
  Origins origins;
  load_config_file(resolve_config("trace", dirs), o, origins);
  Options defaults;
  defaults.config_file = o.config_file;
  EXPECT_EQ(o, defaults);  // every key, at pwru's defaults
  for (const auto& spec : option_table()) EXPECT_TRUE(origins.contains(spec.dotted_key())) << spec.dotted_key();

  Options d;
  load_config_file(resolve_config("drops", dirs), d, origins);
  EXPECT_TRUE(d.output_stack);
  EXPECT_EQ(d.filter_func, "kfree_skb_reason|sk_skb_reason_drop|kfree_skb");

  Options h;
  load_config_file(resolve_config("http-drop", dirs), h, origins);
  EXPECT_EQ(h.pcap_filter, "dst host 198.51.100.10 and tcp port 8080");

  Options p;
  load_config_file(resolve_config("pcapng-capture", dirs), p, origins);
  ASSERT_EQ(p.sinks.size(), 1u);
  EXPECT_EQ(p.sinks[0].plugin, "pcapng");
  EXPECT_EQ(p.sinks[0].file, "trace.pcapng");
  EXPECT_EQ(p.sinks[0].table, (toml::table{{"snaplen", 256}}));
}

TEST(ConfigFile, PluginTablesRoundTrip) {
  const std::string text = R"(version = 1
[[selector]]
plugin = "skb-funcs"
filter-func = "ip_.*"
[[filter]]
plugin = "mark"
mark = "0x10"
[[sink]]
plugin = "json"
file = "a.json"
output-tcp-flags = true
nested = { a = 1, b = [ { c = "d" } ] }
[[sink]]
plugin = "text"
file = "b.txt"
)";
  Options o = from_text(text);
  ASSERT_EQ(o.selectors.size(), 1u);
  ASSERT_EQ(o.filters.size(), 1u);
  ASSERT_EQ(o.sinks.size(), 2u);
  EXPECT_EQ(o.sinks[0].file, "a.json");
  EXPECT_FALSE(o.sinks[0].table.contains("file"));
  EXPECT_FALSE(o.sinks[0].table.contains("plugin"));
  EXPECT_EQ(from_text(to_toml(o)), o);
}

TEST(ConfigFile, CommandLineOverridesTheFile) {
  TempFile f(R"(version = 1
[packet]
pcap = "icmp"
[output]
json = true
tcp-flags = true
[probe]
kmods = ["veth"]
[[sink]]
plugin = "text"
file = "from-file.txt"
)");
  Options o;
  ASSERT_EQ(parse({"--config", f.path, "--output-json=false", "--kmods", "bridge", "--sink", "json:x.json", "tcp"}, o),
            ParseStatus::kRun);
  EXPECT_FALSE(o.output_json);        // the flag wins
  EXPECT_TRUE(o.output_tcp_flags);    // the file's, untouched
  EXPECT_EQ(o.kmods, std::vector<std::string>{"bridge"});  // a list is replaced, not merged
  EXPECT_EQ(o.pcap_filter, "tcp");
  ASSERT_EQ(o.sinks.size(), 2u);  // --sink adds to the file's sinks
  EXPECT_EQ(o.sinks[0].file, "from-file.txt");
  EXPECT_EQ(o.sinks[1].plugin, "json");
  EXPECT_EQ(o.config_file, f.path);

  Options none;
  parse({"--config", f.path}, none);
  EXPECT_EQ(none.pcap_filter, "icmp");  // no words: the file's filter stays
}

TEST(ConfigFile, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(text_error("version = 1\n[output]\nmetaa = true\n"), "t.toml:3:1: output.metaa: unknown key");
  EXPECT_EQ(text_error("version = 1\n[output]\nmeta = \"yes\"\n"),
            "t.toml:3:8: output.meta: must be a boolean (true or false), not a string");
  EXPECT_EQ(text_error("version = 1\n[output]\nlimit-lines = -1\n"),
            "t.toml:3:15: output.limit-lines: must be a non-negative integer");
  EXPECT_EQ(text_error("version = 1\n[output]\nnetns-names-max-length = 256\n"),
            "t.toml:3:26: output.netns-names-max-length: must be at most 255");
  EXPECT_EQ(text_error("version = 1\n[output]\ntimestamp = \"later\"\n"),
            "t.toml:3:13: output.timestamp: must be none, current, relative or absolute");
  EXPECT_EQ(text_error("version = 1\n[probe]\nkmods = [\"a/b\"]\n"),
            "t.toml:3:9: probe.kmods: 'a/b' must be a module name such as veth");
  EXPECT_EQ(text_error("version = 1\n[probe]\nkmods = [1]\n"),
            "t.toml:3:9: probe.kmods: must be an array of strings, not of an integers");
  EXPECT_EQ(text_error("version = 2\n"), "t.toml:1:11: version: unsupported version 2 (this pwru reads version 1)");
  EXPECT_EQ(text_error("version = \"1\"\n"), "t.toml:1:11: version: must be an integer (this pwru reads version 1)");
  EXPECT_EQ(text_error("[output]\nmeta = true\n"),
            "t.toml:1:1: version: missing; a pwru config file starts with version = 1");
  EXPECT_EQ(text_error("version = 1\n[outptu]\nmeta = true\n"),
            "t.toml:2:2: outptu: unknown key (tables: packet, probe, track, output, run; plugin arrays: "
            "[[selector]], [[filter]], [[sink]])");
  EXPECT_EQ(text_error("version = 1\n[[sink]]\nfile = \"x\"\n"), "t.toml:2:1: [[sink]] #1: missing plugin = \"NAME\"");
  EXPECT_EQ(text_error("version = 1\n[[sink]]\nplugin = \"json\"\nfile = 3\n"),
            "t.toml:4:8: sink.file: must be a string (a path), not another type");
  EXPECT_EQ(text_error("version = 1\nsink = 3\n"), "t.toml:2:1: sink: must be an array of tables ([[sink]])");
  // TOML syntax: toml++'s own description, still one line with the place.
  std::string syntax = text_error("version = 1\n[output\n");
  EXPECT_EQ(syntax.rfind("t.toml:2:", 0), 0u) << syntax;
  for (const auto& e : {syntax, text_error("version = 1\n[output]\nmeta = \"x\ny\"\n")})
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(ConfigFile, Presets) {
  EXPECT_TRUE(is_preset_name("drops"));
  EXPECT_FALSE(is_preset_name("./drops"));
  EXPECT_FALSE(is_preset_name("drops.toml"));
  EXPECT_FALSE(is_preset_name(""));
  const std::vector<std::string> dirs{"/nonexistent-pwru-dir", kConfigs};
  EXPECT_EQ(fs::path(resolve_config("drops", dirs)), fs::path(kConfigs) / "drops.toml");
  EXPECT_EQ(resolve_config("my.toml", dirs), "my.toml");
  try {
    resolve_config("dorps", dirs);
    FAIL() << "no error";
  } catch (const pwru::UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'dorps'"), std::string::npos) << m;
    EXPECT_NE(m.find("/nonexistent-pwru-dir"), std::string::npos) << m;
    EXPECT_NE(m.find("drops, http-drop, pcapng-capture, trace"), std::string::npos) << m;
  }
  // Through the command line, a file that is not there.
  EXPECT_EQ(error_of({"--config", "/nonexistent/x.toml"}),
            "invalid --config value '/nonexistent/x.toml': No such file or directory");
}

// --list-presets: every preset once, from the first directory that has it.
TEST(ConfigFile, FindPresets) {
  const fs::path tmp = fs::temp_directory_path() / ("pwru-presets-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "first");
  fs::create_directories(tmp / "second");
  fs::create_directories(tmp / "first" / "dir.toml");  // not a file
  for (const char* f : {"first/drops.toml", "first/a.b.toml", "first/notes.txt", "second/drops.toml",
                        "second/zeta.toml"})
    std::ofstream(tmp / f) << "version = 1\n";
  const std::vector<std::string> dirs{(tmp / "first").string(), "/nonexistent-pwru-dir", (tmp / "second").string()};
  const auto presets = find_presets(dirs);
  std::vector<std::string> got;
  for (const auto& p : presets) got.push_back(p.name + " " + p.path);
  EXPECT_EQ(got, (std::vector<std::string>{"a.b " + (tmp / "first/a.b.toml").string(),
                                           "drops " + (tmp / "first/drops.toml").string(),
                                           "zeta " + (tmp / "second/zeta.toml").string()}));
  // Whatever --list-presets lists, --config NAME reads.
  for (const auto& p : presets) EXPECT_EQ(resolve_config(p.name, dirs), p.path);
  const std::string table = format_presets(presets, dirs);
  EXPECT_EQ(table.substr(0, table.find('\n')), "NAME   PATH");
  EXPECT_NE(table.find("\nzeta   " + (tmp / "second/zeta.toml").string() + "\n"), std::string::npos) << table;
  EXPECT_NE(table.find("search path: " + dirs[0] + ", /nonexistent-pwru-dir (missing), " + dirs[2] + "\n"),
            std::string::npos)
      << table;
  fs::remove_all(tmp);
  // The shipped presets.
  std::vector<std::string> shipped;
  for (const auto& p : find_presets({kConfigs})) shipped.push_back(p.name);
  EXPECT_EQ(shipped, (std::vector<std::string>{"drops", "http-drop", "pcapng-capture", "trace"}));
}

// A plugin's own messages name line:column of the text it gets: that text
// keeps every key where it stood in the file.
TEST(ConfigFile, PluginTextKeepsThePositions) {
  const std::string text = "version = 1\n\n[[sink]]\nplugin = \"json\"\n  file = \"x\"\n\n   one   =   1\ntwo=\"b\"\n";
  toml::table doc = toml::parse(text, std::string_view("t.toml"));
  const toml::table& sink = *doc["sink"].as_array()->get(0)->as_table();
  const std::string laid = positioned_text(sink, {"plugin", "file"});
  EXPECT_EQ(laid, "\n\n\n\n\n\n   one =     1\ntwo = \"b\"\n");  // "one" at 7:4, its value at 7:14
  toml::table back = toml::parse(std::string_view(laid));
  EXPECT_EQ(back["one"].node()->source().begin.line, 7u);
  EXPECT_EQ(back["one"].node()->source().begin.column, 14u);
  EXPECT_EQ(back["two"].node()->source().begin.line, 8u);
  // Loaded through the file reader, the plugin gets the same text.
  Options o = from_text(text);
  EXPECT_EQ(o.sinks.at(0).text, laid);
}

TEST(ConfigFile, PrintConfigPrintsEveryKey) {
  const std::string printed = to_toml(Options{});
  for (const auto& spec : option_table()) {
    EXPECT_NE(printed.find("\n" + std::string(spec.key) + " = "), std::string::npos) << spec.dotted_key();
  }
  EXPECT_EQ(from_text(printed), Options{});
}

// Issue 8's output flags: the command line and the TOML keys set the same
// options, and the values survive print -> parse.
TEST(ConfigFile, OutputFlagsFromFlagsAndKeys) {
  Options a;
  parse({"--output-skb", "--output-skb-shared-info", "--output-skb-cb", "--output-tunnel",
         "--output-skb-metadata", "skb->mark,skb->dev->ifindex", "--filter-skb-expr", "skb->mark == 0x2a",
         "--filter-tunnel-pcap-l2", "ip", "--filter-tunnel-pcap-l3", "tcp port 8080"},
        a);
  EXPECT_TRUE(a.output_skb && a.output_skb_shared_info && a.output_skb_cb && a.output_tunnel);
  EXPECT_EQ(a.output_skb_metadata, (std::vector<std::string>{"skb->mark", "skb->dev->ifindex"}));
  EXPECT_EQ(a.filter_skb_expr, "skb->mark == 0x2a");
  EXPECT_EQ(a.filter_tunnel_pcap_l2, "ip");
  EXPECT_EQ(a.filter_tunnel_pcap_l3, "tcp port 8080");
  Options b = from_text(
      "version = 1\n[packet]\nskb-expr = \"skb->mark == 0x2a\"\ntunnel-pcap-l2 = \"ip\"\n"
      "tunnel-pcap-l3 = \"tcp port 8080\"\n[output]\nskb = true\nskb-shared-info = true\nskb-cb = true\n"
      "tunnel = true\nskb-metadata = [\"skb->mark\", \"skb->dev->ifindex\"]\n");
  EXPECT_EQ(a, b);
}

TEST(ConfigFile, TrackingKeys) {
  const Options o = from_text(
      "version = 1\n[track]\nskb = true\nskb-by-stackid = true\n[probe]\nnon-skb-funcs = [\"fib_table_lookup\"]\n");
  EXPECT_TRUE(o.filter_track_skb);
  EXPECT_TRUE(o.filter_track_skb_by_stackid);
  EXPECT_EQ(o.filter_non_skb_funcs, std::vector<std::string>{"fib_table_lookup"});
  EXPECT_EQ(from_text(to_toml(o)), o);
  EXPECT_EQ(text_error("version = 1\n[track]\nskb = \"yes\"\n"),
            "t.toml:3:7: track.skb: must be a boolean (true or false), not a string");
  EXPECT_EQ(text_error("version = 1\n[probe]\nnon-skb-funcs = \"fib_table_lookup\"\n"),
            "t.toml:3:17: probe.non-skb-funcs: must be an array of strings, not a string");
  EXPECT_EQ(text_error("version = 1\n[probe]\nnon-skb-funcs = [\"\"]\n"),
            "t.toml:3:17: probe.non-skb-funcs: '' must be a kernel function name such as fib_table_lookup");
}

// Options that others turn on (cilium/pwru's Parse()): --filter-trace-tc
// turns on the cb column, --filter-non-skb-funcs by-stackid tracking, from
// the command line and from a config file alike; --print-config prints what
// is in effect, and the reverse implications do not hold.
TEST(OptionTable, ImpliedOptions) {
  auto printed = [](std::vector<std::string> args) {
    args.push_back("--print-config");
    Options o;
    testing::internal::CaptureStdout();
    EXPECT_EQ(parse(std::move(args), o), ParseStatus::kExitOk);
    return testing::internal::GetCapturedStdout();
  };
  // The key's line in its table of --print-config's output.
  auto line_in = [](const std::string& text, const std::string& table, const std::string& key) {
    const size_t t = text.find("\n[" + table + "]\n");
    if (t == std::string::npos) return std::string("no [" + table + "]");
    const size_t end = text.find("\n[", t + 1);
    const size_t k = text.find("\n" + key + " = ", t);
    if (k == std::string::npos || k > end) return std::string("no " + key);
    return text.substr(k + 1, text.find('\n', k + 1) - k - 1);
  };

  Options o;
  ASSERT_EQ(parse({"--filter-trace-tc"}, o), ParseStatus::kRun);
  EXPECT_TRUE(o.output_skb_cb);
  EXPECT_FALSE(o.filter_track_skb_by_stackid);
  EXPECT_EQ(line_in(printed({"--filter-trace-tc"}), "output", "skb-cb"), "skb-cb = true");
  EXPECT_EQ(line_in(printed({}), "output", "skb-cb"), "skb-cb = false");
  // The column stays: pwru prints it whenever tc programs are traced.
  ASSERT_EQ(parse({"--filter-trace-tc", "--output-skb-cb=false"}, o), ParseStatus::kRun);
  EXPECT_TRUE(o.output_skb_cb);
  ASSERT_EQ(parse({"--output-skb-cb"}, o), ParseStatus::kRun);
  EXPECT_FALSE(o.filter_trace_tc);

  ASSERT_EQ(parse({"--filter-non-skb-funcs", "fib_table_lookup"}, o), ParseStatus::kRun);
  EXPECT_TRUE(o.filter_track_skb_by_stackid);
  EXPECT_FALSE(o.filter_track_skb);
  EXPECT_FALSE(o.output_skb_cb);
  EXPECT_EQ(line_in(printed({"--filter-non-skb-funcs", "fib_table_lookup"}), "track", "skb-by-stackid"),
            "skb-by-stackid = true");
  EXPECT_EQ(line_in(printed({"--filter-track-skb"}), "track", "skb-by-stackid"), "skb-by-stackid = false");
  ASSERT_EQ(parse({"--filter-track-skb-by-stackid"}, o), ParseStatus::kRun);
  EXPECT_TRUE(o.filter_non_skb_funcs.empty());

  // From a config file too; and the printed config reads back unchanged.
  TempFile f("version = 1\n[probe]\ntrace-tc = true\nnon-skb-funcs = [\"fib_table_lookup\"]\n");
  ASSERT_EQ(parse({"--config", f.path}, o), ParseStatus::kRun);
  EXPECT_TRUE(o.output_skb_cb);
  EXPECT_TRUE(o.filter_track_skb_by_stackid);
  const std::string text = printed({"--config", f.path});
  EXPECT_EQ(line_in(text, "output", "skb-cb"), "skb-cb = true");
  EXPECT_EQ(line_in(text, "track", "skb-by-stackid"), "skb-by-stackid = true");
  o.config_file.clear();
  EXPECT_EQ(from_text(text), o);
}
