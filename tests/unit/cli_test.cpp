// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

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
