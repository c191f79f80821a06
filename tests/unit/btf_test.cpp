// SPDX-License-Identifier: Apache-2.0
// BTF scan on the running kernel's real /sys/kernel/btf/vmlinux.
#include <gtest/gtest.h>

#include <algorithm>

#include "kernel/btf.h"
#include "util/error.h"

using pwru::kernel::KernelBtf;
using pwru::kernel::SkbTracepoint;

namespace {

const SkbTracepoint* find(const std::vector<SkbTracepoint>& v, const std::string& name) {
  auto it = std::find_if(v.begin(), v.end(), [&](const auto& t) { return t.name == name; });
  return it == v.end() ? nullptr : &*it;
}

}  // namespace

TEST(KernelBtf, FindsSkbTracepointsWithArgumentPositions) {
  auto btf = KernelBtf::load();
  auto tps = btf->skb_tracepoints();
  ASSERT_GE(tps.size(), 10u);

  // void (*)(void *, struct sk_buff *skb, void *location, enum skb_drop_reason, ...)
  const auto* kfree = find(tps, "kfree_skb");
  ASSERT_NE(kfree, nullptr);
  EXPECT_EQ(kfree->skb_pos, 1);
  EXPECT_EQ(kfree->reason_pos, 3);

  const auto* queue = find(tps, "net_dev_queue");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->skb_pos, 1);
  EXPECT_EQ(queue->reason_pos, 0);

  // sock_rcvqueue_full(struct sock *sk, struct sk_buff *skb): skb second.
  if (const auto* full = find(tps, "sock_rcvqueue_full")) EXPECT_EQ(full->skb_pos, 2);

  for (const auto& t : tps) {
    EXPECT_GE(t.skb_pos, 1) << t.name;
    EXPECT_LE(t.skb_pos, 5) << t.name;
    EXPECT_LE(t.skb_pos, t.nargs) << t.name;
    EXPECT_LE(t.reason_pos, t.nargs) << t.name;
  }
  // Sorted and unique by name.
  EXPECT_TRUE(std::is_sorted(tps.begin(), tps.end(), [](auto& a, auto& b) { return a.name < b.name; }));
  // A tracepoint without an skb argument never appears.
  EXPECT_EQ(find(tps, "sched_switch"), nullptr);
}

TEST(KernelBtf, DropReasonNames) {
  auto btf = KernelBtf::load();
  auto reasons = btf->drop_reasons();
  ASSERT_FALSE(reasons.empty());
  bool netfilter = false;
  for (const auto& [v, name] : reasons) {
    EXPECT_EQ(name.rfind("SKB_", 0), 0u) << name;
    if (name == "SKB_DROP_REASON_NETFILTER_DROP") netfilter = true;
  }
  EXPECT_TRUE(netfilter);
  EXPECT_EQ(reasons.at(2), "SKB_DROP_REASON_NOT_SPECIFIED");
}

TEST(KernelBtf, KernelBtfFileAndErrors) {
  auto btf = KernelBtf::load("/sys/kernel/btf/vmlinux");
  EXPECT_TRUE(btf->has_func("ip_rcv"));
  EXPECT_FALSE(btf->has_func("no_such_function_pwru"));
  EXPECT_THROW(KernelBtf::load("/nonexistent/btf"), pwru::Error);
}
