// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <sstream>

#include "kernel/kallsyms.h"

using pwru::kernel::Kallsyms;

TEST(Kallsyms, ExactNearestAndModules) {
  std::istringstream in(
      "ffffffff81000000 T _text\n"
      "ffffffff81a00000 T ip_rcv\n"
      "ffffffff81a00100 t ip_rcv_core\n"
      "ffffffffc0a01000 t veth_xmit\t[veth]\n"
      "ffffffffc0b00000 t bpf_prog_6deef7357e7b4530_entry\t[bpf]\n"
      "0000000000000000 A fixed_percpu_data\n"
      "garbage line\n");
  Kallsyms k = Kallsyms::parse(in);
  EXPECT_EQ(k.size(), 5u);
  EXPECT_EQ(k.name_at(0xffffffff81a00000), "ip_rcv");
  EXPECT_EQ(k.name_at(0xffffffff81a00001), "");
  EXPECT_EQ(k.nearest(0xffffffff81a00050), "ip_rcv");
  EXPECT_EQ(k.nearest(0xffffffff81a00100), "ip_rcv_core");
  EXPECT_EQ(k.nearest(0xfffffffff0000000), "bpf_prog_6deef7357e7b4530_entry[bpf]");
  EXPECT_EQ(k.nearest(0x1000), "");
  EXPECT_EQ(k.name_at(0xffffffffc0a01000), "veth_xmit[veth]");
  EXPECT_EQ(k.addrs_of("ip_rcv").size(), 1u);
}

TEST(Kallsyms, RealKernel) {
  Kallsyms k = Kallsyms::load();
  auto addrs = k.addrs_of("ip_rcv");
  ASSERT_FALSE(addrs.empty());
  EXPECT_EQ(k.name_at(addrs[0]), "ip_rcv");
  EXPECT_EQ(k.nearest(addrs[0] + 1), "ip_rcv");
}
