// SPDX-License-Identifier: Apache-2.0
// The selector input built from the scan and tracepoints, and the union of
// several selectors' choices (fixture selectors from tests/fixtures).
#include "plugin/candidates.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "plugin/plugin_host.h"

namespace pwru::plugin {
namespace {

TEST(Candidates, FunctionsThenTracepoints) {
  std::vector<kernel::SkbFunc> funcs(2);
  funcs[0] = {"ip_rcv", "vmlinux", 1, 0, 4, 0xffffffff81a00000, {0xffffffff81a00000}};
  funcs[1] = {"veth_xmit", "veth", 1, 0, 2, 0, {}};
  std::vector<kernel::SkbTracepoint> tps = {{"kfree_skb", 1, 3, 4}};
  const auto c = make_candidates(funcs, tps);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].kind, uint32_t{PWRU_PROBE_KPROBE});
  EXPECT_EQ(c[0].name, "ip_rcv");
  EXPECT_EQ(c[0].addr, 0xffffffff81a00000u);
  EXPECT_EQ(c[0].nargs, 4u);
  EXPECT_EQ(c[1].module, "veth");
  EXPECT_EQ(c[2].kind, uint32_t{PWRU_PROBE_TRACEPOINT});
  EXPECT_EQ(c[2].name, "kfree_skb");
  EXPECT_EQ(c[2].module, "vmlinux");
  EXPECT_EQ(c[2].addr, 0u);
  EXPECT_EQ(c[2].skb_pos, 1u);
  EXPECT_EQ(c[2].reason_pos, 3u);
}

TEST(Candidates, UnionOfSelectors) {
  PluginHost host({{std::filesystem::path(PWRU_TEST_FIXTURE_DIR), "test"}});
  std::vector<kernel::SkbFunc> funcs(4);
  const char* names[] = {"ip_rcv", "ip_output", "tcp_v4_rcv", "udp_rcv"};
  for (int i = 0; i < 4; ++i) funcs[i] = {names[i], "vmlinux", 1, 0, 1, 0, {}};
  const auto c = make_candidates(funcs, {});
  std::vector<SelectorInstance> sels;
  EXPECT_TRUE(select_union(sels, c).empty());
  sels.push_back(host.create_selector("good", "prefix = \"ip_\"", "cli"));   // 0, 1
  sels.push_back(host.create_selector("cselect", "case = \"odd\"", "cli"));  // 1, 3
  EXPECT_EQ(select_union(sels, c), (std::vector<std::size_t>{0, 1, 3}));
}

}  // namespace
}  // namespace pwru::plugin
