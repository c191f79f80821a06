// SPDX-License-Identifier: Apache-2.0
// --filter-func semantics: cilium/pwru skips a function when
// regexp.FindString(name) != name (Go, leftmost-first).
#include "func_regex.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using pwru::skb_funcs::FuncRegex;

bool m(const char* pattern, const char* name) { return FuncRegex(pattern).matches(name); }

TEST(FuncRegex, EmptyPatternMatchesEverything) {
  FuncRegex re("");
  EXPECT_TRUE(re.matches("ip_rcv"));
  EXPECT_TRUE(re.matches(""));
}

TEST(FuncRegex, TheLeftmostMatchMustBeTheWholeName) {
  EXPECT_TRUE(m("ip_rcv", "ip_rcv"));
  EXPECT_FALSE(m("ip_rcv", "ip_rcv_core"));  // match "ip_rcv" is a prefix only
  EXPECT_FALSE(m("rcv", "ip_rcv"));          // not anchored at the start either
  EXPECT_TRUE(m("ip_.*", "ip_rcv_core"));
  EXPECT_TRUE(m(".*receive.*", "__netif_receive_skb_core"));
  EXPECT_FALSE(m(".*rcv.*", "__netif_receive_skb_core"));
  EXPECT_FALSE(m("^ip_", "ip_rcv"));
  EXPECT_TRUE(m("^ip_rcv$", "ip_rcv"));
  EXPECT_FALSE(m("x*", "ip_rcv"));  // leftmost match is "" at 0
}

TEST(FuncRegex, AlternationQuirkOfLeftmostFirst) {
  // Go's FindString("ip_rcv_core") with `ip_rcv|ip_rcv_core` returns "ip_rcv"
  // (the first alternative that matches at the leftmost position), which is
  // not the name: pwru skips ip_rcv_core. A full match would accept it.
  EXPECT_FALSE(m("ip_rcv|ip_rcv_core", "ip_rcv_core"));
  EXPECT_TRUE(m("ip_rcv|ip_rcv_core", "ip_rcv"));
  EXPECT_TRUE(m("ip_rcv_core|ip_rcv", "ip_rcv_core"));
  EXPECT_TRUE(m("ip_rcv_core|ip_rcv", "ip_rcv"));
  // Greedy versus lazy decides the same way.
  EXPECT_TRUE(m("ip_.*", "ip_rcv"));
  EXPECT_FALSE(m("ip_.*?", "ip_rcv"));
  EXPECT_TRUE(m("(?:ip|ip_rcv)_rcv", "ip_rcv"));
  EXPECT_TRUE(m("(?:ip_rcv|ip)(?:_core)?", "ip_rcv_core"));
  EXPECT_FALSE(m("(?:ip|ip_rcv)(?:_core)?", "ip_rcv_core"));
}

TEST(FuncRegex, GoSyntax) {
  EXPECT_TRUE(m("(?i)IP_RCV", "ip_rcv"));
  EXPECT_TRUE(m("\\w+_rcv", "ip_rcv"));
  EXPECT_TRUE(m("[[:alpha:]_]+", "ip_rcv"));
  EXPECT_TRUE(m("\\Aip_rcv\\z", "ip_rcv"));
  EXPECT_TRUE(m("tcp_v[46]_rcv", "tcp_v4_rcv"));
}

TEST(FuncRegex, InvalidPatternsNameTheValueAndTheReason) {
  const auto error_of = [](const char* pattern) -> std::string {
    try {
      FuncRegex re(pattern);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error_of("ip_("), "invalid --filter-func value 'ip_(': missing ): ip_(");
  EXPECT_EQ(error_of("*x"),
            "invalid --filter-func value '*x': no argument for repetition operator: *");
  // Perl features RE2 (and Go) do not have.
  EXPECT_NE(error_of("(?=ip)ip_rcv").find("invalid --filter-func value '(?=ip)ip_rcv': "),
            std::string::npos);
  EXPECT_NE(error_of("(a)\\1").find("invalid escape sequence"), std::string::npos);
}

}  // namespace
