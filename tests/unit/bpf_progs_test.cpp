// SPDX-License-Identifier: Apache-2.0
// --filter-trace-tc / --filter-trace-xdp: how traced programs are named and
// which ones are skipped (core/kernel/bpf_progs.h, core/attach/prog_tracer.h).
#include <gtest/gtest.h>

#include "attach/prog_tracer.h"
#include "kernel/bpf_progs.h"

using pwru::kernel::bpf_prog_symbol;
using pwru::kernel::BpfProgFacts;
using pwru::kernel::untraceable_reason;

// The kernel's kallsyms name (bpf_get_prog_name(): "bpf_prog_", the tag in
// lower-case hex, "_", the BTF name of the entry function) with the tab
// before "[bpf]" dropped, as cilium/pwru prints it (commit a5b31eb's line:
// bpf_prog_e20a685998fd41c8_entry1[bpf](tc)).
TEST(BpfProgSymbol, KallsymsName) {
  const uint8_t tag[BPF_TAG_SIZE] = {0xe2, 0x0a, 0x68, 0x59, 0x98, 0xfd, 0x41, 0xc8};
  EXPECT_EQ(bpf_prog_symbol(tag, "entry1"), "bpf_prog_e20a685998fd41c8_entry1[bpf]");
  const uint8_t zero[BPF_TAG_SIZE] = {};
  EXPECT_EQ(bpf_prog_symbol(zero, "x"), "bpf_prog_0000000000000000_x[bpf]");
  const uint8_t ff[BPF_TAG_SIZE] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
  // The BTF name is used whole: bpf_prog_info.name stops at 15 characters,
  // kallsyms (and so pwru) does not.
  EXPECT_EQ(bpf_prog_symbol(ff, "cil_from_netdev_with_a_long_name"),
            "bpf_prog_ffffffffffffff0f_cil_from_netdev_with_a_long_name[bpf]");
}

TEST(BpfProgFacts, WhichProgramsCanBeTraced) {
  BpfProgFacts ok{.id = 7, .type = 3, .name = "tc_prog", .btf_id = 12, .nr_func_info = 1, .jited = true};
  EXPECT_EQ(untraceable_reason(ok), "");
  BpfProgFacts no_btf = ok;
  no_btf.btf_id = 0;
  EXPECT_EQ(untraceable_reason(no_btf), "it has no BTF");
  BpfProgFacts no_funcs = ok;
  no_funcs.nr_func_info = 0;  // BTF of its maps only (e.g. loaded by an old loader)
  EXPECT_EQ(untraceable_reason(no_funcs), "it has no BTF");
  BpfProgFacts interpreted = ok;
  interpreted.jited = false;
  EXPECT_EQ(untraceable_reason(interpreted), "it is not JIT-compiled");
}

TEST(ProgTracer, DescribesTargets) {
  using pwru::attach::describe_target;
  using pwru::bpf::FentryKind;
  EXPECT_EQ(describe_target(FentryKind::kTc, 42, "bpf_prog_0123456789abcdef_f[bpf]"),
            "tc program 42 (bpf_prog_0123456789abcdef_f[bpf])");
  EXPECT_EQ(describe_target(FentryKind::kXdp, 1, "bpf_prog_0123456789abcdef_g[bpf]"),
            "XDP program 1 (bpf_prog_0123456789abcdef_g[bpf])");
}
