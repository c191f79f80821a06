// SPDX-License-Identifier: Apache-2.0
// --filter-track-bpf-helpers without a kernel: the call targets read from
// xlated instructions (helpers, kfuncs, what is skipped) and which of the
// resolved names become probes (core/kernel/bpf_helpers.h,
// core/attach/tracking.h). The kernel test bpf_helpers_test.cpp checks the
// same against programs the kernel translated.
#include <gtest/gtest.h>

#include <vector>

#include "attach/tracking.h"
#include "kernel/bpf_helpers.h"

using namespace pwru;

namespace {

constexpr uint64_t kBase = 0xffffffff814ded50ULL;

bpf_insn call(uint8_t src, int32_t imm) { return bpf_insn{BPF_JMP | BPF_CALL, 0, src, 0, imm}; }
bpf_insn mov(int32_t imm) { return bpf_insn{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, imm}; }
bpf_insn exit_insn() { return bpf_insn{BPF_JMP | BPF_EXIT, 0, 0, 0, 0}; }

}  // namespace

TEST(BpfCallTargets, HelpersAndKfuncsRelativeToCallBase) {
  const std::vector<bpf_insn> insns = {
      call(0, 0x45310),                   // a helper after fixup: func - __bpf_call_base
      mov(0),
      call(BPF_PSEUDO_KFUNC_CALL, -0x1000),  // a kfunc below the base (imm is signed)
      call(BPF_PSEUDO_CALL, 5),              // bpf-to-bpf: not a kernel function
      call(0, 0x45310),                      // repeats are kept (the caller de-duplicates names)
      exit_insn(),
  };
  const auto t = kernel::bpf_call_targets(insns, kBase);
  ASSERT_EQ(t.addrs.size(), 3u);
  EXPECT_EQ(t.addrs[0], kBase + 0x45310);
  EXPECT_EQ(t.addrs[1], kBase - 0x1000);
  EXPECT_EQ(t.addrs[2], kBase + 0x45310);
  EXPECT_EQ(t.zero_imm, 0u);
}

TEST(BpfCallTargets, HiddenImmAndLdImm64) {
  // A 16-byte ld_imm64 whose second half happens to look like a call is
  // one instruction; calls with imm 0 (bpf_dump_raw_ok false) are counted.
  const std::vector<bpf_insn> insns = {
      bpf_insn{BPF_LD | BPF_IMM | BPF_DW, BPF_REG_1, 0, 0, 1},
      call(0, 0x1234),  // the ld_imm64's upper half
      call(0, 0),
      call(BPF_PSEUDO_KFUNC_CALL, 0),
      exit_insn(),
  };
  const auto t = kernel::bpf_call_targets(insns, kBase);
  EXPECT_TRUE(t.addrs.empty());
  EXPECT_EQ(t.zero_imm, 2u);
}

TEST(SelectHelperFuncs, KeepsTraceableFunctionsOnly) {
  const std::set<std::string> found = {"bpf_ktime_get_ns", "htab_map_update_elem", "bpf_prog_0123456789abcdef_x[bpf]",
                                       "nf_ct_kfunc[nf_conntrack]", "other_mod_fn[veth]", "not_in_aff",
                                       "not_in_btf", "__bpf_call_base"};
  const std::string aff =
      "bpf_ktime_get_ns\nhtab_map_update_elem\nnot_in_btf\nnf_ct_kfunc [nf_conntrack]\nother_mod_fn [bridge]\n";
  auto in_btf = [](const std::string& n) { return n != "not_in_btf"; };
  std::vector<std::string> dropped;
  const auto out = attach::select_helper_funcs(found, aff, in_btf, &dropped);
  EXPECT_EQ(out, (std::vector<std::string>{"bpf_ktime_get_ns", "htab_map_update_elem", "nf_ct_kfunc"}));
  EXPECT_EQ(dropped, (std::vector<std::string>{"__bpf_call_base", "bpf_prog_0123456789abcdef_x[bpf]", "not_in_aff",
                                               "not_in_btf", "other_mod_fn[veth]"}));
}
