// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/cli.h"
#include "config/option_table.h"
#include "config/options.h"
#include "util/error.h"

using pwru::config::Options;
using pwru::config::parse_command_line;
using pwru::config::ParseStatus;

namespace {

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

}  // namespace

TEST(Cli, DefaultsMatchPwru) {
  Options o;
  ASSERT_EQ(parse({}, o), ParseStatus::kRun);
  EXPECT_TRUE(o.output_meta);
  EXPECT_TRUE(o.output_tuple);
  EXPECT_EQ(o.timestamp, "none");
  EXPECT_EQ(o.output_limit_lines, 0u);
  EXPECT_EQ(o.backend, "");
  EXPECT_EQ(o.pcap_filter, "");
}

TEST(Cli, PositionalWordsAreJoined) {
  Options o;
  parse({"dst", "host", "198.51.100.10", "and", "tcp port 8080"}, o);
  EXPECT_EQ(o.pcap_filter, "dst host 198.51.100.10 and tcp port 8080");
}

TEST(Cli, Flags) {
  Options o;
  parse({"--backend", "tracepoint", "--output-meta=false", "--output-tuple=false", "--output-limit-lines",
         "7", "--output-file", "/tmp/x.log", "--ready-file=/tmp/r", "--output-tcp-flags", "--timestamp",
         "relative", "icmp"},
        o);
  EXPECT_EQ(o.backend, "tracepoint");
  EXPECT_FALSE(o.output_meta);
  EXPECT_FALSE(o.output_tuple);
  EXPECT_EQ(o.output_limit_lines, 7u);
  EXPECT_EQ(o.output_file, "/tmp/x.log");
  EXPECT_EQ(o.ready_file, "/tmp/r");
  EXPECT_TRUE(o.output_tcp_flags);
  EXPECT_EQ(o.timestamp, "relative");
  EXPECT_EQ(o.pcap_filter, "icmp");
}

TEST(Cli, BadInputIsOneLineNamingTheValue) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--no-such-flag"}, {"--output-limit-lines", "abc"}, {"--output-limit-lines=-1"}, {"--backend"}}) {
    std::string e = error_of(args);
    EXPECT_FALSE(e.empty()) << args[0];
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(error_of({"--no-such-flag"}).find("--no-such-flag"), std::string::npos);
  EXPECT_NE(error_of({"--output-limit-lines", "abc"}).find("'abc'"), std::string::npos);
}

TEST(Cli, FilterAndOutputFlags) {
  Options o;
  parse({"--filter-mark", "0xa00/0xf00", "--filter-netns", "/run/netns/x", "--filter-ifname", "eth0",
         "--output-json", "--output-netns-names", "--netns-names-max-length", "3", "--output-file-max-size", "5",
         "--output-file-max-backups", "2", "--output-file-max-age", "7", "--output-file-compress", "--sink",
         "json:/tmp/a.json", "--sink", "text:/tmp/b.txt", "tcp", "port", "80"},
        o);
  EXPECT_EQ(o.filter_mark, "0xa00/0xf00");
  EXPECT_EQ(o.filter_netns, "/run/netns/x");
  EXPECT_EQ(o.filter_ifname, "eth0");
  EXPECT_TRUE(o.output_json);
  EXPECT_TRUE(o.output_netns_names);
  EXPECT_EQ(o.netns_names_max_length, 10u);  // clamped to pwru's minimum
  EXPECT_EQ(o.output_file_max_size, 5u);
  EXPECT_EQ(o.output_file_max_backups, 2u);
  EXPECT_EQ(o.output_file_max_age, 7u);
  EXPECT_TRUE(o.output_file_compress);
  ASSERT_EQ(o.sinks.size(), 2u);
  EXPECT_EQ(o.sinks[0].plugin, "json");
  EXPECT_EQ(o.sinks[0].file, "/tmp/a.json");
  EXPECT_EQ(o.sinks[1].plugin, "text");
  EXPECT_EQ(o.sinks[1].file, "/tmp/b.txt");
  // --sink takes one value: the words after it are still the pcap filter.
  EXPECT_EQ(o.pcap_filter, "tcp port 80");
}

TEST(Cli, OutputDefaultsMatchPwru) {
  Options o;
  parse({}, o);
  EXPECT_FALSE(o.output_json);
  EXPECT_EQ(o.output_file_max_size, 100u);
  EXPECT_EQ(o.output_file_max_backups, 0u);
  EXPECT_EQ(o.output_file_max_age, 0u);
  EXPECT_FALSE(o.output_file_compress);
  EXPECT_EQ(o.netns_names_max_length, 16u);
  EXPECT_TRUE(o.sinks.empty());
}

TEST(Cli, BadOutputValues) {
  EXPECT_NE(error_of({"--timestamp", "later"}).find("'later'"), std::string::npos);
  EXPECT_NE(error_of({"--output-file-max-size", "-1"}).find("'-1'"), std::string::npos);
  EXPECT_NE(error_of({"--output-file-max-age", "1e3"}).find("'1e3'"), std::string::npos);
  EXPECT_NE(error_of({"--netns-names-max-length", "256"}).find("'256'"), std::string::npos);
  EXPECT_NE(error_of({"--sink", ":x"}).find("':x'"), std::string::npos);
  EXPECT_NE(error_of({"--sink", "json:"}).find("'json:'"), std::string::npos);
}

TEST(Cli, OutputPcapng) {
  Options d;
  ASSERT_EQ(parse({}, d), ParseStatus::kRun);
  EXPECT_EQ(d.output_pcapng, "");
  EXPECT_EQ(d.output_pcapng_snaplen, 256u);

  Options o;
  ASSERT_EQ(parse({"--output-pcapng", "/tmp/t.pcapng", "--output-pcapng-snaplen", "96", "host", "198.51.100.10"}, o),
            ParseStatus::kRun);
  EXPECT_EQ(o.output_pcapng, "/tmp/t.pcapng");
  EXPECT_EQ(o.output_pcapng_snaplen, 96u);
  EXPECT_EQ(o.pcap_filter, "host 198.51.100.10");

  Options s;
  ASSERT_EQ(parse({"--output-pcapng=-", "--output-pcapng-snaplen=512"}, s), ParseStatus::kRun);
  EXPECT_EQ(s.output_pcapng, "-");
  EXPECT_EQ(s.output_pcapng_snaplen, 512u);
  Options one;
  ASSERT_EQ(parse({"--output-pcapng-snaplen", "1"}, one), ParseStatus::kRun);
  EXPECT_EQ(one.output_pcapng_snaplen, 1u);
}

TEST(Cli, BadOutputPcapngValues) {
  EXPECT_EQ(error_of({"--output-pcapng-snaplen", "0"}), "invalid --output-pcapng-snaplen value '0': must be at least 1");
  EXPECT_EQ(error_of({"--output-pcapng-snaplen", "513"}),
            "invalid --output-pcapng-snaplen value '513': must be at most 512");
  EXPECT_NE(error_of({"--output-pcapng-snaplen", "-5"}).find("'-5'"), std::string::npos);
  EXPECT_NE(error_of({"--output-pcapng-snaplen", "ten"}).find("'ten'"), std::string::npos);
  // "" is the default, no pcapng output (as --output-file "" is stdout):
  // --print-config writes it and --config reads it back.
  EXPECT_EQ(error_of({"--output-pcapng", ""}), "");
  EXPECT_NE(error_of({"--output-pcapng"}).find("--output-pcapng"), std::string::npos);
}

TEST(Cli, PluginTrustAndDocFlags) {
  Options o;
  ASSERT_EQ(parse({}, o), ParseStatus::kRun);
  EXPECT_FALSE(o.allow_untrusted_plugins);
  EXPECT_EQ(o.plugin_doc, "");
  ASSERT_EQ(parse({"--allow-untrusted-plugins", "--plugin-doc", "sink:pcapng", "tcp port 8080"}, o),
            ParseStatus::kRun);
  EXPECT_TRUE(o.allow_untrusted_plugins);
  EXPECT_EQ(o.plugin_doc, "sink:pcapng");
  // One value: later words stay the pcap filter.
  EXPECT_EQ(o.pcap_filter, "tcp port 8080");
}

TEST(Cli, ListPresetsExits) {
  Options o;
  testing::internal::CaptureStdout();
  EXPECT_EQ(parse({"--list-presets"}, o), ParseStatus::kExitOk);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out.rfind("NAME", 0), 0u) << out;
  EXPECT_NE(out.find("\nsearch path: "), std::string::npos) << out;
}

// The model the man page and the bash completion are generated from: every
// option table row once, in its group, with its value name, default and
// availability as --help shows them; the invocation flags too.
TEST(Cli, DescribeCommandLineHasEveryRow) {
  using pwru::config::describe_command_line;
  using pwru::config::option_table;
  const auto m = describe_command_line();
  std::map<std::string, std::pair<std::string, const pwru::config::CliOption*>> by_name;
  for (const auto& g : m.groups)
    for (const auto& o : g.options)
      for (const auto& n : o.names) EXPECT_TRUE(by_name.emplace(n, std::make_pair(g.name, &o)).second) << n;
  ASSERT_EQ(m.positionals.size(), 1u);
  EXPECT_EQ(m.positionals[0].names, std::vector<std::string>{"pcap-filter"});
  ASSERT_NE(m.positionals[0].spec, nullptr);
  EXPECT_EQ(m.positionals[0].spec->dotted_key(), "packet.pcap");
  const pwru::config::Options defaults;
  for (const auto& spec : option_table()) {
    if (spec.positional()) continue;
    auto it = by_name.find(std::string(spec.flag));
    ASSERT_NE(it, by_name.end()) << spec.flag;
    const auto& [group, o] = it->second;
    EXPECT_EQ(group, spec.group) << spec.flag;
    EXPECT_EQ(o->spec, &spec) << spec.flag;
    EXPECT_EQ(o->available, spec.availability == pwru::config::Availability::kAvailable) << spec.flag;
    EXPECT_EQ(o->help, spec.help) << spec.flag;
    const bool is_bool = std::holds_alternative<bool pwru::config::Options::*>(spec.field);
    EXPECT_EQ(o->value_name.empty(), is_bool) << spec.flag;
    if (!spec.value_name.empty()) EXPECT_EQ(o->value_name, spec.value_name) << spec.flag;
    EXPECT_EQ(o->default_text, default_text(spec, defaults)) << spec.flag;
    // What --help prints: the help, its default, the availability marker.
    EXPECT_EQ(o->description.rfind(o->help, 0), 0u) << spec.flag;
    EXPECT_EQ(o->description.find("[not available in this build yet]") != std::string::npos, !o->available)
        << spec.flag;
  }
  for (const char* flag : {"--help", "-h", "--version", "--config", "--print-config", "--list-presets",
                           "--list-plugins", "--plugin-doc", "--sink"}) {
    auto it = by_name.find(flag);
    ASSERT_NE(it, by_name.end()) << flag;
    EXPECT_EQ(it->second.second->spec, nullptr) << flag;
  }
  EXPECT_TRUE(by_name.at("--sink").second->repeatable);
  EXPECT_EQ(by_name.at("--sink").second->value_name, "PLUGIN[:FILE]");
  EXPECT_EQ(by_name.at("--config").first, "Config and plugins");
  EXPECT_EQ(by_name.size(), option_table().size() - 1 + 9);
}

TEST(Cli, TrackingFlags) {
  Options o;
  ASSERT_EQ(parse({"--filter-track-skb", "--filter-track-skb-by-stackid", "--filter-non-skb-funcs",
                   "fib_table_lookup,nf_nat_setup_info", "--filter-non-skb-funcs", "tcp_v4_syn_recv_sock.isra.0",
                   "tcp"},
                  o),
            ParseStatus::kRun);
  EXPECT_TRUE(o.filter_track_skb);
  EXPECT_TRUE(o.filter_track_skb_by_stackid);
  EXPECT_EQ(o.filter_non_skb_funcs,
            (std::vector<std::string>{"fib_table_lookup", "nf_nat_setup_info", "tcp_v4_syn_recv_sock.isra.0"}));
  EXPECT_EQ(o.pcap_filter, "tcp");
  // Each tracking flag alone is accepted (cilium/pwru needs --filter-track-skb with them).
  Options s;
  ASSERT_EQ(parse({"--filter-track-skb-by-stackid"}, s), ParseStatus::kRun);
  EXPECT_FALSE(s.filter_track_skb);
  Options n;
  ASSERT_EQ(parse({"--filter-non-skb-funcs", "fib_table_lookup"}, n), ParseStatus::kRun);
  EXPECT_FALSE(n.filter_track_skb);
}

TEST(Cli, BadNonSkbFuncNames) {
  EXPECT_EQ(error_of({"--filter-non-skb-funcs", "fib_table_lookup,ip_rcv/2"}),
            "invalid --filter-non-skb-funcs value 'ip_rcv/2': must be a kernel function name such as "
            "fib_table_lookup (letters, digits, '_' and '.')");
  EXPECT_EQ(error_of({"--filter-non-skb-funcs", "bpf_prog_1234_x[bpf]"}),
            "invalid --filter-non-skb-funcs value 'bpf_prog_1234_x[bpf]': must be a kernel function name such as "
            "fib_table_lookup (letters, digits, '_' and '.')");
}
