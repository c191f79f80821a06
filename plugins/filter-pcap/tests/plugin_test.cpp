// SPDX-License-Identifier: Apache-2.0
// The plugin through its C ABI: configuration, errors, slots and modes.
#include <gtest/gtest.h>

#include <pwru_event.h>  // PWRU_PKT_BUF

#include <memory>
#include <string>

#include "kernel_harness.h"
#include "plugin_loader.h"

namespace pwru::test {
namespace {

class PcapPluginTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() { plugin_ = std::make_unique<PcapPlugin>(); }
  static void TearDownTestSuite() { plugin_.reset(); }

 protected:
  static inline std::unique_ptr<PcapPlugin> plugin_;
};

TEST_F(PcapPluginTest, Descriptor) {
  const pwru_plugin_v1& d = plugin_->desc();
  EXPECT_EQ(d.size, sizeof(pwru_plugin_v1));
  EXPECT_EQ(d.abi_major, PWRU_ABI_MAJOR);
  EXPECT_EQ(d.kind, static_cast<uint32_t>(PWRU_KIND_FILTER));
  EXPECT_STREQ(d.name, "pcap");
  EXPECT_NE(std::string(d.config_doc).find("expr"), std::string::npos);
  EXPECT_NE(d.ops, nullptr);
}

TEST_F(PcapPluginTest, EmptyExpressionMeansNoPacketFilter) {
  for (const char* toml : {"", "expr = \"\"\n"}) {
    PcapPlugin::Instance inst(plugin_->desc(), toml);
    ASSERT_TRUE(inst.created()) << inst.error();
    ASSERT_TRUE(inst.build(PWRU_PKT_BUF)) << inst.error();
    EXPECT_EQ(inst.spec().ncode, 0u);
    EXPECT_EQ(inst.spec().meta_flags, 0u);
  }
}

TEST_F(PcapPluginTest, InvalidExpressionIsOneLineWithLibpcapsMessage) {
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml("tcp port"));
  std::string err = inst.error();
  if (inst.created()) {  // allowed to fail at build() instead
    EXPECT_FALSE(inst.build(PWRU_PKT_BUF));
    err = inst.error();
  }
  EXPECT_EQ(err,
            "invalid pcap filter expression 'tcp port': can't parse filter expression: syntax error");

  PcapPlugin::Instance none(plugin_->desc(), PcapPlugin::expr_toml("ip and not ip"));
  EXPECT_FALSE(none.created());
  EXPECT_EQ(none.error(), "invalid pcap filter expression 'ip and not ip': expression rejects all packets");
}

TEST_F(PcapPluginTest, UnknownKeyAndWrongTypeAreRejected) {
  PcapPlugin::Instance unknown(plugin_->desc(), "expr = \"tcp\"\nexpresion = \"udp\"\n");
  EXPECT_FALSE(unknown.created());
  EXPECT_NE(unknown.error().find("unknown key 'expresion'"), std::string::npos) << unknown.error();
  PcapPlugin::Instance wrong(plugin_->desc(), "expr = 5\n");
  EXPECT_FALSE(wrong.created());
  EXPECT_NE(wrong.error().find("must be a string"), std::string::npos) << wrong.error();
}

TEST_F(PcapPluginTest, BothSlotsWithTheExpressionAsWhat) {
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml("tcp port 8080"));
  ASSERT_TRUE(inst.created()) << inst.error();
  ASSERT_TRUE(inst.build(PWRU_PKT_BUF)) << inst.error();
  ASSERT_EQ(inst.spec().ncode, 2u);
  for (uint32_t slot : {PWRU_SLOT_PCAP_L2, PWRU_SLOT_PCAP_L3}) {
    const pwru_filter_code_v1* c = inst.code(slot);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->size, sizeof(pwru_filter_code_v1));
    EXPECT_EQ(c->mode, static_cast<uint32_t>(PWRU_CODE_INSNS));
    EXPECT_STREQ(c->what, "tcp port 8080");
    ASSERT_GT(c->insn_cnt, 0u);
    EXPECT_EQ(contract_violation({c->insns, c->insn_cnt}), "");
  }
}

TEST_F(PcapPluginTest, L2OnlyExpressionsRejectEverythingAtL3) {
  for (const char* expr : {"arp", "ether host 02:00:00:00:00:01", "vlan 100", "ether broadcast"}) {
    PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml(expr));
    ASSERT_TRUE(inst.created()) << inst.error();
    ASSERT_TRUE(inst.build(PWRU_PKT_BUF)) << inst.error();
    ASSERT_EQ(inst.spec().ncode, 2u);
    EXPECT_EQ(inst.code(PWRU_SLOT_PCAP_L2)->mode, static_cast<uint32_t>(PWRU_CODE_INSNS)) << expr;
    EXPECT_EQ(inst.code(PWRU_SLOT_PCAP_L3)->mode, static_cast<uint32_t>(PWRU_CODE_REJECT_ALL)) << expr;
  }
}

TEST_F(PcapPluginTest, ConstantProgramsBecomeConstantModes) {
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml("ip or not ip"));
  ASSERT_TRUE(inst.created()) << inst.error();
  ASSERT_TRUE(inst.build(PWRU_PKT_BUF)) << inst.error();
  EXPECT_EQ(inst.code(PWRU_SLOT_PCAP_L2)->mode, static_cast<uint32_t>(PWRU_CODE_ACCEPT_ALL));
  EXPECT_EQ(inst.code(PWRU_SLOT_PCAP_L3)->mode, static_cast<uint32_t>(PWRU_CODE_ACCEPT_ALL));
}

TEST_F(PcapPluginTest, LinuxOnlyExtensionsFailAtBuild) {
  // `inbound` compiles to a load of SKF_AD_PKTTYPE, which only the kernel's
  // socket filters know.
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml("inbound"));
  ASSERT_TRUE(inst.created()) << inst.error();
  EXPECT_FALSE(inst.build(PWRU_PKT_BUF));
  EXPECT_NE(inst.error().find("pcap filter expression 'inbound' cannot run in the kernel"),
            std::string::npos)
      << inst.error();
  EXPECT_NE(inst.error().find("negative offset"), std::string::npos) << inst.error();
  EXPECT_EQ(inst.error().find('\n'), std::string::npos);

  PcapPlugin::Instance loop(plugin_->desc(), PcapPlugin::expr_toml("ip6 protochain 6"));
  ASSERT_TRUE(loop.created()) << loop.error();
  EXPECT_FALSE(loop.build(PWRU_PKT_BUF));
  EXPECT_NE(loop.error().find("backward jump"), std::string::npos) << loop.error();
}

TEST_F(PcapPluginTest, BufferSizeComesFromTheHost) {
  // With a 64-byte buffer ip[10] is in reach and ip[100] never is: that
  // load rejects the packet (a failed load ends a cBPF program), and the
  // code must still pass the verifier against a 64-byte map value.
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml("ip[10] = 1 or ip[100] = 1"));
  ASSERT_TRUE(inst.created()) << inst.error();
  ASSERT_TRUE(inst.build(64)) << inst.error();
  KernelHarness h(64);
  const pwru_filter_code_v1* c = inst.code(PWRU_SLOT_PCAP_L3);
  ASSERT_EQ(c->mode, static_cast<uint32_t>(PWRU_CODE_INSNS));
  EXPECT_EQ(contract_violation({c->insns, c->insn_cnt}), "");
  auto prog = h.load({c->insns, c->insn_cnt});
  std::vector<uint8_t> pkt(64, 0);
  pkt[0] = 0x45;
  pkt[10] = 1;
  EXPECT_EQ(h.run(prog, pkt, 64, 200), 1);
  pkt[10] = 2;
  EXPECT_EQ(h.run(prog, pkt, 64, 200), 0);
}

}  // namespace
}  // namespace pwru::test
