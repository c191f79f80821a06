// SPDX-License-Identifier: Apache-2.0
// The translator on hand-built classic BPF programs: each one is translated,
// checked against the filter contract, loaded into the kernel and run with
// BPF_PROG_TEST_RUN, and its verdicts compared with libpcap's interpreter.
#include <gtest/gtest.h>

#include <linux/filter.h>  // classic opcodes (BPF_MISC, BPF_TAX, ...)

#include <pwru_event.h>  // PWRU_PKT_BUF

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cbpf_to_ebpf.h"
#include "kernel_harness.h"
#include "packet_gen.h"
#include "pcap_reference.h"

namespace pwru::test {
namespace {

using cbpf::Insn;
using cbpf::TranslateError;
using Prog = std::vector<Insn>;

constexpr uint32_t kBuf = PWRU_PKT_BUF;

Insn stmt(uint16_t code, uint32_t k) { return Insn{code, 0, 0, k}; }
Insn jmp(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return Insn{code, jt, jf, k}; }
Insn ret_k(uint32_t k) { return stmt(BPF_RET | BPF_K, k); }
Insn ret_a() { return stmt(BPF_RET | BPF_A, 0); }

// A packet as both sides see it.
struct Input {
  std::vector<uint8_t> bytes;
  uint32_t caplen;
  uint32_t wirelen;
};

// `n` bytes 0x11, 0x12, ... (all nonzero), fully captured.
std::vector<uint8_t> ramp(size_t n) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(0x11 + i % 200);
  return b;
}

std::string hex_prog(const Prog& p) { return pcap_dump(p); }

class Translate : public ::testing::Test {
 public:
  static void SetUpTestSuite() { harness_ = std::make_unique<KernelHarness>(kBuf); }
  static void TearDownTestSuite() { harness_.reset(); }

 protected:
  // Translates, checks the contract and loads; fails the test on error.
  KernelHarness::Program load(const Prog& prog) {
    std::vector<bpf_insn> body;
    try {
      body = cbpf::to_ebpf(prog, kBuf);
    } catch (const TranslateError& e) {
      ADD_FAILURE() << "translation failed: " << e.what() << "\n" << hex_prog(prog);
      return {};
    }
    EXPECT_EQ(contract_violation(body), "") << hex_prog(prog);
    try {
      return harness_->load(body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\ncBPF:\n" << hex_prog(prog);
      return {};
    }
  }

  int kernel(const KernelHarness::Program& p, const Input& in) {
    return harness_->run(p, in.bytes, in.caplen, in.wirelen);
  }

  // Kernel and libpcap agree on every input; returns the verdicts.
  std::vector<int> same(const Prog& prog, const std::vector<Input>& inputs) {
    std::vector<int> out;
    auto p = load(prog);
    if (p.fd() < 0) return out;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Input& in = inputs[i];
      const int want = pcap_verdict(prog, in.bytes.data(), in.caplen, in.wirelen);
      const int got = kernel(p, in);
      EXPECT_EQ(got, want) << "input #" << i << " caplen=" << in.caplen << " wirelen=" << in.wirelen
                           << "\ncBPF:\n"
                           << hex_prog(prog);
      out.push_back(got);
    }
    return out;
  }

  static inline std::unique_ptr<KernelHarness> harness_;
};

// --- arithmetic -----------------------------------------------------------

TEST_F(Translate, DivisionAndModuloByZeroXReject) {
  // A = 100 op P[0]; accept iff A != 0.
  for (uint16_t op : {BPF_DIV, BPF_MOD}) {
    const Prog prog = {stmt(BPF_LD | BPF_B | BPF_ABS, 0), stmt(BPF_MISC | BPF_TAX, 0),
                       stmt(BPF_LD | BPF_IMM, 100), stmt(BPF_ALU | op | BPF_X, 0), ret_a()};
    std::vector<Input> in;
    for (uint32_t b = 0; b < 256; ++b) in.push_back({{static_cast<uint8_t>(b)}, 1, 1});
    const auto v = same(prog, in);
    ASSERT_EQ(v.size(), 256u);
    EXPECT_EQ(v[0], 0);  // division by zero rejects
    EXPECT_EQ(v[7], 1);  // 100/7 = 14, 100%7 = 2
    EXPECT_EQ(v[200], op == BPF_MOD ? 1 : 0);  // 100/200 = 0, 100%200 = 100
  }
}

TEST_F(Translate, DivisionByConstantZeroRejects) {
  // libpcap's compiler refuses to emit it and its interpreter would trap,
  // so there is no reference: the translation simply rejects.
  for (uint16_t op : {BPF_DIV, BPF_MOD}) {
    const Prog prog = {stmt(BPF_LD | BPF_B | BPF_ABS, 0),
                       jmp(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
                       stmt(BPF_ALU | op | BPF_K, 0), ret_k(1), ret_k(2)};
    auto p = load(prog);
    ASSERT_GE(p.fd(), 0);
    EXPECT_EQ(kernel(p, {{1}, 1, 1}), 0);
    EXPECT_EQ(kernel(p, {{2}, 1, 1}), 1);
  }
}

TEST_F(Translate, AluOperationsWithKAndX) {
  const uint16_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR,
                          BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH};
  const uint32_t ks[] = {1, 3, 7, 31, 32, 33, 0x80000000u, 0xffffffffu, 0x12345678u};
  Rng r(7);
  std::vector<Input> in;
  for (int i = 0; i < 64; ++i) {
    std::vector<uint8_t> b(8);
    for (auto& x : b) x = static_cast<uint8_t>(r.below(256));
    if (i % 8 == 0) b[7] = static_cast<uint8_t>(r.below(40));  // small X for shifts
    if (i % 16 == 1) b[4] = b[5] = b[6] = b[7] = 0;            // X = 0
    in.push_back({b, 8, 8});
  }
  for (uint16_t op : ops) {
    // A = P[0:4] op X where X = P[4:4]; accept iff A's low byte is odd
    // (so every bit of the result matters somewhere).
    const Prog x_prog = {stmt(BPF_LD | BPF_W | BPF_ABS, 4), stmt(BPF_MISC | BPF_TAX, 0),
                         stmt(BPF_LD | BPF_W | BPF_ABS, 0), stmt(BPF_ALU | op | BPF_X, 0),
                         jmp(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), ret_k(1), ret_a()};
    same(x_prog, in);
    for (uint32_t k : ks) {
      if ((op == BPF_LSH || op == BPF_RSH) && k > 64) continue;
      const Prog k_prog = {stmt(BPF_LD | BPF_W | BPF_ABS, 0), stmt(BPF_ALU | op | BPF_K, k),
                           jmp(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), ret_k(1), ret_a()};
      same(k_prog, in);
    }
  }
}

TEST_F(Translate, ShiftsByThirtyTwoAndMore) {
  // Constant shifts >= 32: what libpcap's C code does on x86-64 (count & 31).
  for (uint16_t op : {BPF_LSH, BPF_RSH})
    for (uint32_t k : {0u, 1u, 31u, 32u, 33u, 63u, 64u, 100u}) {
      const Prog prog = {stmt(BPF_LD | BPF_IMM, 0x80000003u), stmt(BPF_ALU | op | BPF_K, k),
                         jmp(BPF_JMP | BPF_JEQ | BPF_K, 0x80000003u, 0, 1), ret_k(1), ret_a()};
      same(prog, {{{0}, 1, 1}});
    }
  // Shifts by X >= 32 give 0 (libpcap checks).
  for (uint16_t op : {BPF_LSH, BPF_RSH}) {
    const Prog prog = {stmt(BPF_LD | BPF_B | BPF_ABS, 0), stmt(BPF_MISC | BPF_TAX, 0),
                       stmt(BPF_LD | BPF_IMM, 0x80000003u), stmt(BPF_ALU | op | BPF_X, 0), ret_a()};
    std::vector<Input> in;
    for (uint32_t x = 0; x < 256; ++x) in.push_back({{static_cast<uint8_t>(x)}, 1, 1});
    const auto v = same(prog, in);
    ASSERT_EQ(v.size(), 256u);
    EXPECT_EQ(v[31], 1);
    EXPECT_EQ(v[32], 0);
    EXPECT_EQ(v[255], 0);
  }
}

TEST_F(Translate, NegTaxTxaAndLen) {
  // A = -wirelen; X = A; A = X + wirelen; accept iff A == 0 (always), and
  // a second program that returns wirelen itself.
  const Prog neg = {stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_ALU | BPF_NEG, 0),
                    stmt(BPF_MISC | BPF_TAX, 0),        stmt(BPF_LDX | BPF_W | BPF_LEN, 0),
                    stmt(BPF_MISC | BPF_TXA, 0),        stmt(BPF_ALU | BPF_ADD | BPF_K, 0),
                    jmp(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), ret_k(0), ret_k(5)};
  const Prog len = {stmt(BPF_LDX | BPF_W | BPF_LEN, 0), stmt(BPF_MISC | BPF_TXA, 0),
                    jmp(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1), ret_a(), ret_k(0)};
  std::vector<Input> in;
  for (uint32_t w : {0u, 1u, 60u, 100u, 101u, 512u, 65535u, 0x7fffffffu, 0xffffffffu})
    in.push_back({{1, 2, 3}, 3, w});
  same(neg, in);
  const auto v = same(len, in);
  ASSERT_EQ(v.size(), in.size());
  EXPECT_EQ(v[3], 0);
  EXPECT_EQ(v[4], 1);
}

TEST_F(Translate, RetValuesAreNormalised) {
  // ret #0x40000 (libpcap's usual accept) and ret A with A = 0x100: the low
  // byte is 0, the verdict must still be accept.
  auto p1 = load({ret_k(0x40000)});
  auto p2 = load({stmt(BPF_LD | BPF_IMM, 0x100), ret_a()});
  auto p3 = load({stmt(BPF_LD | BPF_IMM, 0), ret_a()});
  const Input in{{0}, 1, 1};
  EXPECT_EQ(kernel(p1, in), 1);
  EXPECT_EQ(kernel(p2, in), 1);
  EXPECT_EQ(kernel(p3, in), 0);
}

// --- packet loads ---------------------------------------------------------

TEST_F(Translate, AbsoluteLoadsAtTheCaplenBoundary) {
  // ld{b,h,w} [k]; ret A: accept iff the load is in bounds (bytes are
  // nonzero), for every k and caplen around the edges.
  const std::vector<uint8_t> bytes = ramp(kBuf);
  std::vector<Input> in;
  for (uint32_t c = 0; c <= 24; ++c) in.push_back({bytes, c, c});
  for (uint32_t c = kBuf - 5; c <= kBuf; ++c) in.push_back({bytes, c, c + 100});
  for (uint16_t size : {BPF_B, BPF_H, BPF_W}) {
    std::vector<uint32_t> ks;
    for (uint32_t k = 0; k <= 22; ++k) ks.push_back(k);
    for (uint32_t k = kBuf - 6; k <= kBuf + 1; ++k) ks.push_back(k);
    ks.push_back(0x7fffffffu);
    for (uint32_t k : ks) same({stmt(BPF_LD | size | BPF_ABS, k), ret_a()}, in);
  }
}

TEST_F(Translate, MshLoad) {
  // X = 4*(P[k]&0xf); A = X; accept iff A != 0, over every byte value, and
  // out of bounds at caplen.
  for (uint32_t k : {0u, 3u, kBuf - 1, kBuf}) {
    const Prog prog = {stmt(BPF_LDX | BPF_MSH | BPF_B, k), stmt(BPF_MISC | BPF_TXA, 0),
                       jmp(BPF_JMP | BPF_JEQ | BPF_K, 20, 0, 1), ret_k(7), ret_a()};
    std::vector<Input> in;
    for (uint32_t b = 0; b < 256; ++b) {
      std::vector<uint8_t> bytes(kBuf, 0x45);
      if (k < kBuf) bytes[k] = static_cast<uint8_t>(b);
      in.push_back({bytes, std::min(k + 1, kBuf), kBuf});
      if (b % 32 == 0) in.push_back({bytes, k, kBuf});  // just too short
    }
    same(prog, in);
  }
  // The classic use: X = IP header length, then a load at [x + k].
  const Prog tcp_port = {stmt(BPF_LDX | BPF_MSH | BPF_B, 0), stmt(BPF_LD | BPF_H | BPF_IND, 2),
                         jmp(BPF_JMP | BPF_JEQ | BPF_K, 80, 0, 1), ret_k(1), ret_k(0)};
  std::vector<Input> in;
  for (uint32_t ihl = 0; ihl < 16; ++ihl)
    for (uint32_t cap : {20u, 4 * ihl + 3, 4 * ihl + 4, 60u}) {
      std::vector<uint8_t> b(64, 0);
      b[0] = static_cast<uint8_t>(0x40 | ihl);
      if (4 * ihl + 3 < b.size()) b[4 * ihl + 3] = 80;
      in.push_back({b, cap, 64});
    }
  same(tcp_port, in);
}

TEST_F(Translate, IndexedLoadsWithHugeX) {
  // X = P[0:4] (anything, up to 0xffffffff); A = P[x + k]; accept iff A != 0.
  const uint32_t xs[] = {0,           1,           4,           5,           kBuf - 8,
                         kBuf - 4,    kBuf - 1,    kBuf,        0x7fffffffu, 0x80000000u,
                         0xfffffe00u, 0xfffffff0u, 0xfffffffcu, 0xfffffffeu, 0xffffffffu};
  const std::vector<uint8_t> base = ramp(kBuf);
  std::vector<Input> in;
  for (uint32_t x : xs)
    for (uint32_t cap : {0u, 3u, 4u, 5u, 6u, 8u, 13u, kBuf - 1, kBuf}) {
      std::vector<uint8_t> b = base;
      b.at(0) = static_cast<uint8_t>(x >> 24);
      b.at(1) = static_cast<uint8_t>(x >> 16);
      b.at(2) = static_cast<uint8_t>(x >> 8);
      b.at(3) = static_cast<uint8_t>(x);
      in.push_back({b, cap, kBuf});
    }
  for (uint16_t size : {BPF_B, BPF_H, BPF_W})
    for (uint32_t k : {0u, 1u, 2u, 4u, kBuf - 4, kBuf - 1, kBuf, 0x7ffffff0u, 0x7fffffffu}) {
      const Prog prog = {stmt(BPF_LD | BPF_W | BPF_ABS, 0), stmt(BPF_MISC | BPF_TAX, 0),
                         stmt(BPF_LD | size | BPF_IND, k), ret_a()};
      same(prog, in);
    }
}

TEST_F(Translate, AlwaysOutOfBoundsLoadsLeaveNoUnreachableCode) {
  // ld [600] can never succeed with a 512-byte buffer; what follows it is
  // dead and must not be emitted (the verifier refuses unreachable code).
  const Prog prog = {stmt(BPF_LD | BPF_B | BPF_ABS, 0), jmp(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
                     stmt(BPF_LD | BPF_H | BPF_ABS, 600), stmt(BPF_LD | BPF_IMM, 1), ret_a(),
                     stmt(BPF_LD | BPF_H | BPF_IND, 600), ret_k(1)};
  std::vector<Input> in;
  for (uint32_t b = 0; b < 4; ++b) in.push_back({{static_cast<uint8_t>(b), 2, 3}, 3, 700});
  same(prog, in);
  // An unreachable instruction in the input is dropped as well.
  same({jmp(BPF_JMP | BPF_JA, 1, 0, 0), stmt(BPF_LD | BPF_B | BPF_ABS, 0), ret_k(1)}, in);
}

// --- scratch memory and jumps ---------------------------------------------

TEST_F(Translate, ScratchMemory) {
  // M[i] = P[i] + i for all 16 slots, then sum them through X and compare
  // with the packet-derived total; also stx/ldx.
  Prog prog;
  for (uint32_t i = 0; i < 16; ++i) {
    prog.push_back(stmt(BPF_LD | BPF_B | BPF_ABS, i));
    prog.push_back(stmt(BPF_ALU | BPF_ADD | BPF_K, i));
    prog.push_back(stmt(BPF_ST, i));
  }
  prog.push_back(stmt(BPF_LDX | BPF_IMM, 0));
  for (uint32_t i = 0; i < 16; ++i) {
    prog.push_back(stmt(BPF_LD | BPF_MEM, 15 - i));
    prog.push_back(stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
    prog.push_back(stmt(BPF_MISC | BPF_TAX, 0));
  }
  prog.push_back(stmt(BPF_STX, 9));
  prog.push_back(stmt(BPF_LDX | BPF_IMM, 1));
  prog.push_back(stmt(BPF_LDX | BPF_MEM, 9));
  prog.push_back(stmt(BPF_MISC | BPF_TXA, 0));
  prog.push_back(stmt(BPF_ALU | BPF_AND | BPF_K, 7));  // accept iff (sum & 7) != 0
  prog.push_back(ret_a());
  Rng r(11);
  std::vector<Input> in;
  for (int i = 0; i < 64; ++i) {
    std::vector<uint8_t> b(16);
    for (auto& x : b) x = static_cast<uint8_t>(r.below(256));
    in.push_back({b, i % 9 == 0 ? 15u : 16u, 16});
  }
  const auto v = same(prog, in);
  int accepted = 0;
  for (int x : v) accepted += x;
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, static_cast<int>(v.size()));
}

TEST_F(Translate, ConditionalJumpsKAndX) {
  // Every condition, with K and with X, with constants that have the top
  // bit set (a sign-extension trap), and every layout of jt/jf.
  const uint16_t ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET};
  const uint32_t ks[] = {0, 1, 0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu};
  const uint8_t layouts[][2] = {{0, 1}, {1, 0}, {1, 2}, {2, 1}, {0, 0}, {2, 2}};
  Rng r(5);
  std::vector<Input> in;
  for (uint32_t k : ks)
    for (int d = -1; d <= 1; ++d) {  // A near each constant
      const uint32_t a = k + static_cast<uint32_t>(d);
      in.push_back({{static_cast<uint8_t>(a >> 24), static_cast<uint8_t>(a >> 16),
                     static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a), 0x80, 0, 0, 0x01},
                    8, 8});
    }
  for (int i = 0; i < 16; ++i) {
    std::vector<uint8_t> b(8);
    for (auto& x : b) x = static_cast<uint8_t>(r.below(256));
    in.push_back({b, 8, 8});
  }
  for (uint16_t op : ops)
    for (const auto& l : layouts) {
      // 0: A = P[0:4]  1: the jump  2: ret #1  3: ret #2  4: ret #0
      for (uint32_t k : ks)
        same({stmt(BPF_LD | BPF_W | BPF_ABS, 0), jmp(BPF_JMP | op | BPF_K, k, l[0], l[1]), ret_k(1),
              ret_k(2), ret_k(0)},
             in);
      same({stmt(BPF_LD | BPF_W | BPF_ABS, 4), stmt(BPF_MISC | BPF_TAX, 0),
            stmt(BPF_LD | BPF_W | BPF_ABS, 0), jmp(BPF_JMP | op | BPF_X, 0, l[0], l[1]), ret_k(1),
            ret_k(2), ret_k(0)},
           in);
    }
}

// --- errors ----------------------------------------------------------------

void expect_error(const Prog& prog, const std::string& part) {
  try {
    cbpf::to_ebpf(prog, kBuf);
    ADD_FAILURE() << "no error; wanted one containing '" << part << "'";
  } catch (const TranslateError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(TranslateErrors, UnsupportedProgramsAreRefusedClearly) {
  const uint32_t skf_ad_vlan_tag_present = static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT);
  expect_error({stmt(BPF_LD | BPF_B | BPF_ABS, skf_ad_vlan_tag_present), ret_a()}, "negative offset");
  expect_error({stmt(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF)), ret_a()},
               "negative offset");
  expect_error({stmt(BPF_LD | BPF_H | BPF_IND, 0xfffff000u), ret_a()}, "negative offset");
  expect_error({stmt(BPF_LDX | BPF_MSH | BPF_B, 0x80000000u), ret_a()}, "negative offset");
  expect_error({stmt(BPF_LD | BPF_IMM, 1), jmp(BPF_JMP | BPF_JA, 0xfffffffeu, 0, 0), ret_a()},
               "backward jump");
  expect_error({jmp(BPF_JMP | BPF_JA, 5, 0, 0), ret_a()}, "past the end");
  expect_error({jmp(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), ret_a()}, "past the end");
  expect_error({stmt(BPF_ST, 16), ret_a()}, "scratch memory");
  expect_error({stmt(BPF_LD | BPF_MEM, 99), ret_a()}, "scratch memory");
  expect_error({stmt(0xff, 0), ret_a()}, "unsupported opcode");
  expect_error({stmt(BPF_ALU | BPF_NEG | BPF_X, 0), ret_a()}, "unsupported opcode");
  expect_error({stmt(BPF_RET | BPF_X, 0)}, "unsupported opcode");
  expect_error({stmt(BPF_LD | BPF_IMM, 1)}, "falls off the end");
  expect_error({}, "empty");
  try {
    cbpf::to_ebpf(Prog{ret_a()}, 0);
    ADD_FAILURE() << "buffer size 0 accepted";
  } catch (const TranslateError&) {
  }
}

TEST(TranslateErrors, JumpsBeyondSixteenBitsAreRefused) {
  // A reachable `ja` over 5000 reachable indexed loads (about 7 eBPF
  // instructions each).
  Prog prog = {stmt(BPF_LD | BPF_B | BPF_ABS, 0), jmp(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
               jmp(BPF_JMP | BPF_JA, 5000, 0, 0)};
  for (int i = 0; i < 5000; ++i) prog.push_back(stmt(BPF_LD | BPF_H | BPF_IND, 2));
  prog.push_back(ret_a());
  expect_error(prog, "filter too large");
}

TEST_F(Translate, LargeProgramsLoad) {
  // 2000 compares in a chain, like a long `host a or host b or ...`.
  Prog prog = {stmt(BPF_LD | BPF_W | BPF_ABS, 0)};
  const int n = 2000;
  for (int i = 0; i < n; ++i)
    prog.push_back(jmp(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(i * 7919),
                       static_cast<uint8_t>(std::min(255, n - i)), 0));
  prog.push_back(ret_k(0));
  // Jumps of up to 255 land inside the chain; make all of them valid by
  // padding the tail with accepts.
  for (int i = 0; i < 256; ++i) prog.push_back(ret_k(1));
  std::vector<Input> in;
  for (uint32_t v : {0u, 7919u, 7919u * 1999, 5u})
    in.push_back({{static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                   static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)},
                  4, 4});
  same(prog, in);
}

// --- random programs ---------------------------------------------------------

// A random valid classic program (forward jumps, every opcode libpcap runs,
// scratch slots written before they are read, no constant division by 0).
Prog random_program(Rng& r) {
  Prog p;
  for (uint32_t m = 0; m < 4; ++m) {
    p.push_back(stmt(BPF_LD | BPF_IMM, r.u32() >> r.below(32)));
    p.push_back(stmt(BPF_ST, m));
  }
  p.push_back(stmt(BPF_LD | BPF_IMM, 0));
  const uint32_t body = r.range(4, 40);
  const size_t first = p.size();
  const size_t last = first + body;  // index of the final `ret a`
  auto k_any = [&]() -> uint32_t {
    static const std::vector<uint32_t> special = {0, 1, 2, 4, 31, 32, 33, 0x7fffffffu,
                                                  0x80000000u, 0xffffffffu};
    return r.chance(50) ? r.pick(special) : r.u32() >> r.below(32);
  };
  auto offset = [&]() -> uint32_t {
    const uint32_t c = r.below(100);
    if (c < 75) return r.below(48);
    if (c < 92) return r.range(kBuf - 6, kBuf + 2);
    return r.u32() >> 1;
  };
  static const uint16_t sizes[] = {BPF_B, BPF_H, BPF_W};
  static const uint16_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD,
                                     BPF_OR,  BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH};
  static const uint16_t jmp_ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET};
  for (size_t i = first; i < last; ++i) {
    const uint32_t room = static_cast<uint32_t>(last - i - 1);  // max forward offset
    const uint32_t c = r.below(100);
    if (c < 18) {
      p.push_back(stmt(BPF_LD | sizes[r.below(3)] | BPF_ABS, offset()));
    } else if (c < 28) {
      p.push_back(stmt(BPF_LD | sizes[r.below(3)] | BPF_IND, r.chance(70) ? r.below(24) : offset()));
    } else if (c < 32) {
      p.push_back(stmt(BPF_LDX | BPF_MSH | BPF_B, r.chance(80) ? r.below(24) : offset()));
    } else if (c < 36) {
      p.push_back(stmt(r.chance(50) ? BPF_LD | BPF_IMM : BPF_LDX | BPF_IMM, k_any()));
    } else if (c < 41) {
      static const uint16_t mem_ops[] = {BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX};
      p.push_back(stmt(mem_ops[r.below(4)], r.below(4)));
    } else if (c < 44) {
      p.push_back(stmt(r.chance(50) ? BPF_LD | BPF_W | BPF_LEN : BPF_LDX | BPF_W | BPF_LEN, 0));
    } else if (c < 64) {
      const uint16_t op = alu_ops[r.below(10)];
      if (r.chance(50)) {
        uint32_t k = k_any();
        if ((op == BPF_DIV || op == BPF_MOD) && k == 0) k = 3;
        if (op == BPF_LSH || op == BPF_RSH) k = r.below(40);
        p.push_back(stmt(BPF_ALU | op | BPF_K, k));
      } else {
        p.push_back(stmt(BPF_ALU | op | BPF_X, 0));
      }
    } else if (c < 70) {
      static const uint16_t misc[] = {BPF_ALU | BPF_NEG, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA};
      p.push_back(stmt(misc[r.below(3)], 0));
    } else if (c < 90) {
      const auto jt = static_cast<uint8_t>(r.below(std::min(room, 20u) + 1));
      const auto jf = static_cast<uint8_t>(r.below(std::min(room, 20u) + 1));
      const uint16_t src = r.chance(50) ? BPF_K : BPF_X;
      p.push_back(jmp(BPF_JMP | jmp_ops[r.below(4)] | src, k_any(), jt, jf));
    } else if (c < 94) {
      p.push_back(jmp(BPF_JMP | BPF_JA, r.below(std::min(room, 20u) + 1), 0, 0));
    } else {
      p.push_back(r.chance(50) ? ret_a() : ret_k(r.chance(30) ? 0 : k_any()));
    }
  }
  p.push_back(ret_a());
  return p;
}

TEST_F(Translate, RandomProgramsMatchLibpcap) {
  Rng r(0xc0ffee);
  constexpr int kPrograms = 300;
  constexpr int kInputs = 40;
  int accepted = 0;
  int total = 0;
  for (int n = 0; n < kPrograms; ++n) {
    const Prog prog = random_program(r);
    std::vector<Input> in;
    for (int i = 0; i < kInputs; ++i) {
      const uint32_t size = r.chance(80) ? r.below(64) : r.range(kBuf - 8, kBuf + 40);
      std::vector<uint8_t> b(size);
      for (auto& x : b) x = static_cast<uint8_t>(r.chance(30) ? r.below(8) : r.below(256));
      uint32_t cap = r.chance(70) ? size : r.below(size + 1);
      cap = std::min(cap, kBuf);
      in.push_back({b, cap, r.chance(90) ? size : r.u32()});
    }
    for (int v : same(prog, in)) {
      accepted += v;
      ++total;
    }
    if (HasFailure()) {
      ADD_FAILURE() << "random program #" << n << " failed; stopping";
      break;
    }
  }
  // Both verdicts occur often enough for the comparison to mean something.
  EXPECT_GT(accepted, total / 10);
  EXPECT_LT(accepted, total - total / 10);
}

}  // namespace
}  // namespace pwru::test
