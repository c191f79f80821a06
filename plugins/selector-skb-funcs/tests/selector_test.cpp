// SPDX-License-Identifier: Apache-2.0
// pwru-selector-skb-funcs.so loaded through the core's plugin host, as the
// session uses it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "plugin/plugin_host.h"

namespace {

using pwru::plugin::Candidate;
using pwru::plugin::Kind;
using pwru::plugin::PluginError;
using pwru::plugin::PluginHost;

PluginHost host() {
  return PluginHost({{std::filesystem::path(PWRU_SELECTOR_PLUGIN_DIR), "test"}});
}

Candidate kprobe(const char* name, uint32_t skb_pos = 1, const char* module = "vmlinux") {
  Candidate c;
  c.kind = PWRU_PROBE_KPROBE;
  c.name = name;
  c.module = module;
  c.addr = 0xffffffff81000000;
  c.skb_pos = skb_pos;
  c.nargs = skb_pos + 1;
  return c;
}

Candidate tracepoint(const char* name) {
  Candidate c;
  c.kind = PWRU_PROBE_TRACEPOINT;
  c.name = name;
  c.skb_pos = 1;
  c.nargs = 3;
  return c;
}

const std::vector<Candidate> kCands = {
    kprobe("ip_rcv"),
    kprobe("ip_rcv_core"),
    kprobe("__netif_receive_skb_core", 1),
    kprobe("sk_skb_reason_drop", 2),
    kprobe("veth_xmit", 1, "veth"),
    tracepoint("kfree_skb"),
    tracepoint("ip_rcv"),  // a tracepoint sharing a function's name (judged on its own)
};

std::vector<std::string> names(const std::vector<std::size_t>& idx) {
  std::vector<std::string> out;
  for (std::size_t i : idx)
    out.push_back((kCands.at(i).kind == PWRU_PROBE_TRACEPOINT ? "tp:" : "") + kCands.at(i).name);
  return out;
}

std::vector<std::string> chosen(const std::string& toml) {
  PluginHost h = host();
  auto sel = h.create_selector("skb-funcs", toml, "test");
  return names(sel.select(kCands));
}

TEST(SkbFuncsSelector, Descriptor) {
  PluginHost h = host();
  auto lib = h.load(Kind::selector, "skb-funcs");
  EXPECT_EQ(lib->name(), "skb-funcs");
  EXPECT_EQ(lib->kind(), Kind::selector);
  // Built with the SDK: the ABI of this tree.
  EXPECT_EQ(lib->abi(), std::to_string(PWRU_ABI_MAJOR) + "." + std::to_string(PWRU_ABI_MINOR));
  EXPECT_NE(lib->config_doc().find("filter-func"), std::string::npos);
}

// Tracepoints are judged like functions: the core offers them only when it
// traces with the tracepoint backend.
TEST(SkbFuncsSelector, NoFilterChoosesEveryFunctionAndTracepoint) {
  const std::vector<std::string> want = {"ip_rcv", "ip_rcv_core", "__netif_receive_skb_core",
                                         "sk_skb_reason_drop", "veth_xmit", "tp:kfree_skb", "tp:ip_rcv"};
  EXPECT_EQ(chosen(""), want);
  EXPECT_EQ(chosen("filter-func = \"\"\n"), want);
}

TEST(SkbFuncsSelector, FilterFuncWithPwruSemantics) {
  EXPECT_EQ(chosen("filter-func = \"ip_rcv\""), (std::vector<std::string>{"ip_rcv", "tp:ip_rcv"}));
  EXPECT_EQ(chosen("filter-func = \"ip_.*\""), (std::vector<std::string>{"ip_rcv", "ip_rcv_core", "tp:ip_rcv"}));
  // Leftmost-first: "ip_rcv" is the leftmost match on ip_rcv_core, so pwru
  // skips ip_rcv_core.
  EXPECT_EQ(chosen("filter-func = \"ip_rcv|ip_rcv_core\""), (std::vector<std::string>{"ip_rcv", "tp:ip_rcv"}));
  EXPECT_EQ(chosen("filter-func = \"ip_rcv_core|ip_rcv\""),
            (std::vector<std::string>{"ip_rcv", "ip_rcv_core", "tp:ip_rcv"}));
  EXPECT_EQ(chosen("filter-func = \"rcv\""), std::vector<std::string>{});
  // Module functions are matched by their plain name.
  EXPECT_EQ(chosen("filter-func = \"veth_.*\""), std::vector<std::string>{"veth_xmit"});
  EXPECT_EQ(chosen("filter-func = 'kfree_skb'"), std::vector<std::string>{"tp:kfree_skb"});
  // The drops preset's expression: the drop functions, and the drop tracepoint.
  EXPECT_EQ(chosen("filter-func = 'kfree_skb_reason|sk_skb_reason_drop|kfree_skb'"),
            (std::vector<std::string>{"sk_skb_reason_drop", "tp:kfree_skb"}));
}

TEST(SkbFuncsSelector, InvalidRegexIsOneLine) {
  PluginHost h = host();
  try {
    h.create_selector("skb-funcs", "filter-func = \"ip_(\"", "command line");
    FAIL() << "no error";
  } catch (const PluginError& e) {
    EXPECT_EQ(std::string(e.what()),
              "plugin 'skb-funcs': invalid --filter-func value 'ip_(': missing ): ip_(");
  }
}

TEST(SkbFuncsSelector, ConfigErrors) {
  PluginHost h = host();
  const auto error_of = [&](const std::string& toml) -> std::string {
    try {
      h.create_selector("skb-funcs", toml, "trace.toml [[selector]] #1");
    } catch (const PluginError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error_of("filter-fnuc = \"x\""),
            "plugin 'skb-funcs': trace.toml [[selector]] #1:1:15: filter-fnuc: unknown key "
            "'filter-fnuc'");
  EXPECT_EQ(error_of("filter-func = 3"),
            "plugin 'skb-funcs': trace.toml [[selector]] #1:1:15: filter-func: must be a string");
}

TEST(SkbFuncsSelector, EmptyCandidateList) {
  PluginHost h = host();
  auto sel = h.create_selector("skb-funcs", "", "test");
  EXPECT_TRUE(sel.select({}).empty());
}

}  // namespace
