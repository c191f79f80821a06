// SPDX-License-Identifier: Apache-2.0
// The splicer on hand-built programs: offsets of jumps, calls and BTF
// records that cross the replaced stub.
#include <gtest/gtest.h>

#include "bpf/splice.h"
#include "util/error.h"

using pwru::bpf::ExtInfo;
using pwru::bpf::ProgramImage;

namespace {

constexpr uint64_t kMagic = 0x70777275ca9e0002ULL;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}
bpf_insn mov(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn exit_() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
bpf_insn call_sub(int32_t rel) { return insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel); }
bpf_insn jeq(uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm); }

ExtInfo ext(std::vector<uint32_t> offs, uint32_t rec_size) {
  ExtInfo e;
  e.rec_size = rec_size;
  e.bytes.resize(offs.size() * rec_size, 0xab);
  for (size_t i = 0; i < offs.size(); ++i) e.set_insn_off(i, offs[i]);
  return e;
}

// main (0..5): call stub; call other; jump over nothing; exit
// stub (6..8): r0 = magic ll; exit
// other (9..10): r0 = 7; exit
ProgramImage sample() {
  ProgramImage img;
  img.insns = {
      call_sub(5),   // 0 -> 6 (stub)
      call_sub(7),   // 1 -> 9 (other)
      jeq(0, 0, 1),  // 2 -> 4
      mov(0, 1),     // 3
      mov(0, 2),     // 4
      exit_(),       // 5
      insn(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, static_cast<int32_t>(kMagic & 0xffffffff)),  // 6
      insn(0, 0, 0, 0, static_cast<int32_t>(kMagic >> 32)),                                  // 7
      exit_(),       // 8
      mov(0, 7),     // 9
      exit_(),       // 10
  };
  img.func_info = ext({0, 6, 9}, 8);
  img.line_info = ext({0, 3, 6, 7, 8, 9, 10}, 16);
  return img;
}

}  // namespace

TEST(Splice, GrowsStubAndFixesEverythingAfterIt) {
  ProgramImage img = sample();
  std::vector<bpf_insn> body = {mov(0, 1), mov(1, 2), mov(2, 3), mov(3, 4), exit_()};  // 5 insns replace 3
  ASSERT_TRUE(pwru::bpf::splice(img, kMagic, body));
  ASSERT_EQ(img.insns.size(), 13u);
  EXPECT_EQ(img.insns[0].imm, 5);   // still the stub at 6
  EXPECT_EQ(img.insns[1].imm, 9);   // other moved from 9 to 11
  EXPECT_EQ(img.insns[2].off, 1);   // local jump untouched
  EXPECT_EQ(img.insns[6].imm, 1);   // body starts at the stub
  EXPECT_EQ(img.insns[11].imm, 7);  // other's body
  EXPECT_EQ(img.func_info.insn_off(0), 0u);
  EXPECT_EQ(img.func_info.insn_off(1), 6u);
  EXPECT_EQ(img.func_info.insn_off(2), 11u);
  // line info: 7 and 8 (inside the stub) dropped; 9 and 10 shifted by 2.
  ASSERT_EQ(img.line_info.count(), 5u);
  EXPECT_EQ(img.line_info.insn_off(2), 6u);
  EXPECT_EQ(img.line_info.insn_off(3), 11u);
  EXPECT_EQ(img.line_info.insn_off(4), 12u);
}

TEST(Splice, ShrinksStubAndFixesCallsFromAfterIt) {
  ProgramImage img = sample();
  // Make `other` call back into the stub: 9: call stub (rel = 6 - 9 - 1 = -4).
  img.insns[9] = call_sub(-4);
  ASSERT_TRUE(pwru::bpf::splice(img, kMagic, pwru::bpf::constant_body(0)));  // 2 insns replace 3
  ASSERT_EQ(img.insns.size(), 10u);
  EXPECT_EQ(img.insns[1].imm, 6);              // other now at 8
  EXPECT_EQ(img.insns[8].imm, 6 - 8 - 1);      // back to the stub at 6
  EXPECT_EQ(img.func_info.insn_off(2), 8u);
}

TEST(Splice, AbsentMarkerAndBadBodies) {
  ProgramImage img = sample();
  EXPECT_FALSE(pwru::bpf::splice(img, 0x1234, pwru::bpf::constant_body(1)));
  EXPECT_EQ(img.insns.size(), 11u);
  std::vector<bpf_insn> no_exit = {mov(0, 1)};
  EXPECT_THROW(pwru::bpf::splice(img, kMagic, no_exit), pwru::Error);
  ProgramImage no_btf = sample();
  no_btf.func_info = {};
  EXPECT_THROW(pwru::bpf::splice(no_btf, kMagic, pwru::bpf::constant_body(1)), pwru::Error);
}

TEST(Splice, JumpThatNoLongerFitsIsRefused) {
  ProgramImage img = sample();
  // A jump in main that lands after the stub (not valid BPF, but the
  // splicer must not silently wrap a 16-bit offset).
  img.insns[2] = jeq(0, 0, 7);  // 2 -> 10
  std::vector<bpf_insn> big(40000, mov(0, 0));
  big.push_back(exit_());
  EXPECT_THROW(pwru::bpf::splice(img, kMagic, big), pwru::Error);
}
