// SPDX-License-Identifier: Apache-2.0
// Differential test: for each expression, the plugin's eBPF (loaded in the
// kernel, run with BPF_PROG_TEST_RUN under the filter calling convention)
// must give the same verdict as libpcap's pcap_offline_filter() on every
// generated packet, at L2 (Ethernet) and at L3 (raw IP).
#include <gtest/gtest.h>

#include <pwru_event.h>  // PWRU_PKT_BUF, the host's packet buffer size

#include <cctype>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel_harness.h"
#include "packet_gen.h"
#include "pcap_reference.h"
#include "plugin_loader.h"

namespace pwru::test {
namespace {

constexpr size_t kPacketsPerLayer = 1500;
constexpr uint64_t kSeedL2 = 0x70777275'00000002ull;
constexpr uint64_t kSeedL3 = 0x70777275'00000003ull;
constexpr int kMaxReportedMismatches = 5;

const char* const kExpressions[] = {
    "host 198.51.100.10",
    "net 198.51.100.0/24",
    "src net 203.0.113.0/25",
    "port 8080",
    "dst port 80",
    "portrange 8000-8100",
    "tcp",
    "udp",
    "icmp",
    "icmp[icmptype] = icmp-echo",
    "icmp[icmptype] != icmp-echoreply",
    "tcp[tcpflags] = tcp-syn",
    "tcp[tcpflags] & (tcp-syn|tcp-ack) = (tcp-syn|tcp-ack)",
    "tcp[13] & 4 != 0",
    "ip6",
    "ip6 and tcp",
    "ip6 host 2001:db8::10",
    "icmp6",
    "ip6[53] & 0x3f = 0x2",
    "vlan",
    "vlan 100 and ip",
    "arp",
    "arp and arp[7] = 1",
    "ip[8] < 64",
    "ip[2:2] > 100",
    "len > 100",
    "less 80",
    "greater 200",
    "(((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
    "dst host 198.51.100.10 and tcp port 8080",
    "not port 22 and ip",
    "ether host 02:00:00:00:00:01",
    "ether broadcast",
    "ip proto 47",
    "ip and udp[8:2] = 0x1234",
    "ip multicast",
    "ip[6:2] & 0x1fff != 0",
    // Beyond the required list: more indexed loads, IPv6 extension headers.
    "udp port 53 or tcp port 22",
    "ip6 net 2001:db8::/64 and not icmp6",
    "ip[0] & 0xf > 5",
    "ip6 and ip6[6] = 44",
    "icmp6 and ip6[40] = 128",
    "tcp[((tcp[12]&0xf0)>>2):2] = 0x1603 or tcp[tcp[12]>>4] > 200",
    "src host 203.0.113.5 or dst net 198.51.100.0/24 and (tcp or udp)",
};

struct LayerResult {
  size_t packets = 0;
  size_t matches = 0;
};

class PcapDifferential : public ::testing::TestWithParam<const char*> {
 public:
  static void SetUpTestSuite() {
    plugin_ = std::make_unique<PcapPlugin>();
    harness_ = std::make_unique<KernelHarness>(PWRU_PKT_BUF);
    l2_ = make_l2_packets(kPacketsPerLayer, kSeedL2, PWRU_PKT_BUF);
    l3_ = make_l3_packets(kPacketsPerLayer, kSeedL3, PWRU_PKT_BUF);
  }
  static void TearDownTestSuite() {
    harness_.reset();
    plugin_.reset();
  }

 protected:
  // Runs one layer: the plugin's code for `slot` in the kernel against
  // libpcap's verdict (or "reject" if libpcap cannot compile it here).
  LayerResult run_layer(const std::string& expr, const pwru_filter_code_v1& code, bool raw_ip,
                        const std::vector<Packet>& packets) {
    const char* layer = raw_ip ? "L3" : "L2";
    std::string error;
    const auto ref = pcap_compile_ref(expr, raw_ip, &error);
    std::vector<bpf_insn> body;
    if (!ref) {
      // libpcap cannot apply it to this link type: the plugin must say so.
      EXPECT_EQ(code.mode, static_cast<uint32_t>(PWRU_CODE_REJECT_ALL))
          << layer << " '" << expr << "': libpcap says: " << error;
      body = constant_body(0);
    } else if (code.mode == PWRU_CODE_INSNS) {
      body.assign(code.insns, code.insns + code.insn_cnt);
      EXPECT_EQ(contract_violation(body), "") << layer << " '" << expr << "'";
    } else {
      EXPECT_EQ(ref->size(), 1u) << layer << " '" << expr << "': constant mode for a real program";
      body = constant_body(code.mode == PWRU_CODE_ACCEPT_ALL ? 1 : 0);
    }
    EXPECT_STREQ(code.what, expr.c_str());

    KernelHarness::Program prog;
    try {
      prog = harness_->load(body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << layer << " '" << expr << "': the verifier refused the code: " << e.what();
      return {};
    }

    LayerResult res;
    int reported = 0;
    for (size_t i = 0; i < packets.size(); ++i) {
      const Packet& p = packets[i];
      const int want = ref ? pcap_verdict(*ref, p.bytes.data(), p.caplen, p.wirelen) : 0;
      const int got = harness_->run(prog, p.bytes, p.caplen, p.wirelen);
      ++res.packets;
      res.matches += static_cast<size_t>(want);
      if (want != got && reported++ < kMaxReportedMismatches) {
        ADD_FAILURE() << layer << " '" << expr << "' packet #" << i << ": libpcap says " << want
                      << ", kernel says " << got << "\n"
                      << describe(p) << (ref ? "cBPF:\n" + pcap_dump(*ref) : std::string());
      }
    }
    EXPECT_EQ(reported, 0) << layer << " '" << expr << "': " << reported << " mismatches";
    return res;
  }

  static inline std::unique_ptr<PcapPlugin> plugin_;
  static inline std::unique_ptr<KernelHarness> harness_;
  static inline std::vector<Packet> l2_;
  static inline std::vector<Packet> l3_;
};

TEST_P(PcapDifferential, SameVerdictsAsLibpcap) {
  const std::string expr = GetParam();
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml(expr));
  ASSERT_TRUE(inst.created()) << inst.error();
  ASSERT_TRUE(inst.build(PWRU_PKT_BUF)) << inst.error();
  ASSERT_EQ(inst.spec().ncode, 2u);
  const pwru_filter_code_v1* l2 = inst.code(PWRU_SLOT_PCAP_L2);
  const pwru_filter_code_v1* l3 = inst.code(PWRU_SLOT_PCAP_L3);
  ASSERT_NE(l2, nullptr);
  ASSERT_NE(l3, nullptr);

  const LayerResult r2 = run_layer(expr, *l2, false, l2_);
  const LayerResult r3 = run_layer(expr, *l3, true, l3_);
  EXPECT_GE(r2.packets, 500u);
  EXPECT_GE(r3.packets, 500u);

  // Each expression must both match and miss at L2, where all of them
  // apply, so that a broken translation cannot pass by accident. At L3 the
  // L2-only expressions never match; the rest must also match and miss.
  EXPECT_GT(r2.matches, 0u) << "L2 '" << expr << "' matched no packet";
  EXPECT_LT(r2.matches, r2.packets) << "L2 '" << expr << "' matched every packet";
  if (l3->mode == PWRU_CODE_INSNS) {
    EXPECT_GT(r3.matches, 0u) << "L3 '" << expr << "' matched no packet";
    EXPECT_LT(r3.matches, r3.packets) << "L3 '" << expr << "' matched every packet";
  }
  std::printf("[ stats    ] %-70s L2 %4zu/%zu  L3 %4zu/%zu%s\n", expr.c_str(), r2.matches,
              r2.packets, r3.matches, r3.packets,
              l3->mode == PWRU_CODE_REJECT_ALL ? " (L3 reject-all)" : "");
}

// A long expression, like a generated allow list: hundreds of instructions,
// many branches into shared tails. The verifier must still accept it and
// the verdicts still agree.
TEST_F(PcapDifferential, LongExpression) {
  std::string hosts;
  for (int i = 0; i < 200; i += 3) hosts += (hosts.empty() ? "" : " or ") + ("host 198.51.100." + std::to_string(i));
  std::string ports;
  for (int p = 7990; p < 8110; p += 2) ports += (ports.empty() ? "" : " or ") + ("port " + std::to_string(p));
  const std::string expr = "(" + hosts + " or ip6 host 2001:db8::10) and (" + ports + " or port 22)";
  PcapPlugin::Instance inst(plugin_->desc(), PcapPlugin::expr_toml(expr));
  ASSERT_TRUE(inst.created()) << inst.error();
  ASSERT_TRUE(inst.build(PWRU_PKT_BUF)) << inst.error();
  const pwru_filter_code_v1* l2 = inst.code(PWRU_SLOT_PCAP_L2);
  const pwru_filter_code_v1* l3 = inst.code(PWRU_SLOT_PCAP_L3);
  ASSERT_TRUE(l2 != nullptr && l3 != nullptr);
  EXPECT_GT(l2->insn_cnt, 300u);
  const LayerResult r2 = run_layer(expr, *l2, false, l2_);
  const LayerResult r3 = run_layer(expr, *l3, true, l3_);
  EXPECT_GT(r2.matches, 0u);
  EXPECT_GT(r3.matches, 0u);
  std::printf("[ stats    ] long expression: %u / %u eBPF insns, L2 %zu/%zu  L3 %zu/%zu\n",
              l2->insn_cnt, l3->insn_cnt, r2.matches, r2.packets, r3.matches, r3.packets);
}

std::string test_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string s = "e" + std::to_string(info.index / 10) + std::to_string(info.index % 10) + "_";
  bool sep = false;
  for (const char* c = info.param; *c != '\0' && s.size() < 48; ++c) {
    if (std::isalnum(static_cast<unsigned char>(*c)) != 0) {
      if (sep && s.back() != '_') s += '_';
      s += *c;
      sep = false;
    } else {
      sep = true;
    }
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Expressions, PcapDifferential, ::testing::ValuesIn(kExpressions),
                         test_name);

// The packet sets themselves: enough of each kind to be meaningful.
TEST(PcapPacketGen, SetsAreLargeAndMixed) {
  const auto l2 = make_l2_packets(kPacketsPerLayer, kSeedL2, PWRU_PKT_BUF);
  size_t truncated = 0;
  size_t capped = 0;
  size_t tiny = 0;
  for (const Packet& p : l2) {
    EXPECT_LE(p.caplen, p.bytes.size());
    EXPECT_LE(p.caplen, p.wirelen);
    EXPECT_LE(p.caplen, static_cast<uint32_t>(PWRU_PKT_BUF));
    truncated += p.caplen < p.wirelen;
    capped += p.bytes.size() > PWRU_PKT_BUF;
    tiny += p.caplen < 14;
  }
  EXPECT_GT(truncated, 50u);
  EXPECT_GT(capped, 10u);
  EXPECT_GT(tiny, 10u);
  // Same seed, same packets.
  const auto again = make_l2_packets(kPacketsPerLayer, kSeedL2, PWRU_PKT_BUF);
  for (size_t i = 0; i < l2.size(); ++i) ASSERT_EQ(l2[i].bytes, again[i].bytes);
}

}  // namespace
}  // namespace pwru::test
