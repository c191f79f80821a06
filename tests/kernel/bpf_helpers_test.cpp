// SPDX-License-Identifier: Apache-2.0
// --filter-track-bpf-helpers on the running kernel: a program that updates
// and looks up a hash map and reads the clock is loaded, and the scan of
// the loaded programs' xlated instructions names the kernel functions it
// calls after the verifier's rewrites (htab_map_update_elem for the update,
// the inlined lookup's __htab_map_lookup_elem, bpf_ktime_get_ns), each a
// function of the kernel's BTF.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernel/bpf_helpers.h"
#include "kernel/btf.h"
#include "kernel/kallsyms.h"
#include "util/fd.h"

using namespace pwru;

namespace {

// r1 = map (ld_imm64 pseudo map fd), r2 = fp - 8 (key 0), r3 = fp - 16 (value)
bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  return bpf_insn{code, dst, src, off, imm};
}

std::vector<bpf_insn> map_and_clock_prog(int map_fd) {
  std::vector<bpf_insn> p;
  auto ld_map = [&](uint8_t reg) {
    p.push_back(ins(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0, map_fd));
    p.push_back(ins(0, 0, 0, 0, 0));
  };
  // *(u32 *)(fp - 4) = 7 (key); *(u64 *)(fp - 16) = 1 (value)
  p.push_back(ins(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 7));
  p.push_back(ins(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -16, 1));
  // bpf_map_update_elem(map, fp - 4, fp - 16, BPF_ANY)
  ld_map(BPF_REG_1);
  p.push_back(ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0));
  p.push_back(ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4));
  p.push_back(ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0));
  p.push_back(ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -16));
  p.push_back(ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0));
  p.push_back(ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem));
  // bpf_map_lookup_elem(map, fp - 4)
  ld_map(BPF_REG_1);
  p.push_back(ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0));
  p.push_back(ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4));
  p.push_back(ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem));
  // bpf_ktime_get_ns(); return 0
  p.push_back(ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ktime_get_ns));
  p.push_back(ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
  p.push_back(ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

}  // namespace

TEST(BpfHelpers, FindsTheFunctionsALoadedProgramCalls) {
  UniqueFd map(bpf_map_create(BPF_MAP_TYPE_HASH, "pwru_test_map", 4, 8, 16, nullptr));
  ASSERT_TRUE(map) << "creating a hash map";
  const auto insns = map_and_clock_prog(map.get());
  UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "pwru_helpers", "GPL", insns.data(), insns.size(),
                              nullptr));
  ASSERT_TRUE(prog) << "loading the test program";

  const auto syms = kernel::Kallsyms::load();
  const auto scan = kernel::scan_bpf_helpers(syms);
  EXPECT_GE(scan.programs, 1u);
  ASSERT_EQ(scan.hidden, 0u) << "the kernel hid the call targets (bpf_dump_raw_ok)";
  std::string all;
  for (const auto& n : scan.names) all += n + " ";
  // The verifier calls the map's own update directly; a hash map's lookup
  // is inlined around __htab_map_lookup_elem (the map's own lookup where
  // the kernel does not inline).
  EXPECT_TRUE(scan.names.count("htab_map_update_elem")) << all;
  EXPECT_TRUE(scan.names.count("__htab_map_lookup_elem") || scan.names.count("htab_map_lookup_elem")) << all;
  EXPECT_TRUE(scan.names.count("bpf_ktime_get_ns")) << all;
  EXPECT_FALSE(scan.names.count("__bpf_call_base")) << all;

  // They are real functions of the kernel's BTF, which probes can attach to.
  const auto btf = kernel::KernelBtf::load();
  EXPECT_TRUE(btf->has_func("htab_map_update_elem"));
  EXPECT_TRUE(btf->has_func("bpf_ktime_get_ns"));
}
