// SPDX-License-Identifier: Apache-2.0
// --filter-trace-tc / --filter-trace-xdp on the running kernel: the program
// listing finds loaded tc and XDP programs with BTF (the VM scenario's test
// programs, tests/vm/progs/tcxdp.bpf.c), names them as kallsyms does, and
// skips programs without BTF; the fentry probe gives a reason when it says no.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "kernel/bpf_progs.h"
#include "kernel/kallsyms.h"
#include "util/fd.h"

using namespace pwru;

namespace {

struct ObjDeleter {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using Obj = std::unique_ptr<bpf_object, ObjDeleter>;

Obj load_test_progs() {
  Obj o(bpf_object__open_file(PWRU_TEST_VM_PROG_DIR "/tcxdp.bpf.o", nullptr));
  if (!o) return nullptr;
  if (bpf_object__load(o.get()) != 0) return nullptr;
  return o;
}

uint32_t prog_id(bpf_object* o, const char* name) {
  bpf_program* p = bpf_object__find_program_by_name(o, name);
  if (p == nullptr) return 0;
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) != 0) return 0;
  return info.id;
}

const kernel::BpfProg* find(const std::vector<kernel::BpfProg>& v, uint32_t id) {
  auto it = std::find_if(v.begin(), v.end(), [&](const kernel::BpfProg& p) { return p.id == id; });
  return it == v.end() ? nullptr : &*it;
}

}  // namespace

TEST(BpfProgs, ListsTcAndXdpProgramsWithBtf) {
  Obj o = load_test_progs();
  ASSERT_TRUE(o) << "loading " PWRU_TEST_VM_PROG_DIR "/tcxdp.bpf.o";
  const uint32_t tc_id = prog_id(o.get(), "pwru_test_tc");
  const uint32_t xdp_id = prog_id(o.get(), "pwru_test_xdp");
  ASSERT_NE(tc_id, 0u);
  ASSERT_NE(xdp_id, 0u);

  std::vector<std::string> skipped;
  auto log = [&](const std::string& s) { skipped.push_back(s); };
  auto tc = kernel::list_bpf_progs(BPF_PROG_TYPE_SCHED_CLS, log);
  auto xdp = kernel::list_bpf_progs(BPF_PROG_TYPE_XDP, log);
  const kernel::BpfProg* t = find(tc, tc_id);
  const kernel::BpfProg* x = find(xdp, xdp_id);
  ASSERT_NE(t, nullptr);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(find(tc, xdp_id), nullptr) << "an XDP program in the tc list";
  EXPECT_EQ(find(xdp, tc_id), nullptr) << "a tc program in the XDP list";

  EXPECT_EQ(t->entry, "pwru_test_tc");
  EXPECT_EQ(x->entry, "pwru_test_xdp");
  EXPECT_TRUE(std::regex_match(t->symbol, std::regex("bpf_prog_[0-9a-f]{16}_pwru_test_tc\\[bpf\\]"))) << t->symbol;
  EXPECT_TRUE(std::regex_match(x->symbol, std::regex("bpf_prog_[0-9a-f]{16}_pwru_test_xdp\\[bpf\\]"))) << x->symbol;
  EXPECT_GT(t->entry_btf_id, 0u);
  EXPECT_TRUE(t->fd);
  // The name is the kernel's own: kallsyms has it at the JITed address.
  ASSERT_NE(t->addr, 0u);
  auto syms = kernel::Kallsyms::load();
  EXPECT_EQ(syms.name_at(t->addr), t->symbol);
  EXPECT_EQ(syms.name_at(x->addr), x->symbol);
}

TEST(BpfProgs, SkipsProgramsWithoutBtf) {
  // A tc program loaded without BTF (no func info): fentry cannot type it.
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "pwru_nobtf", "GPL", insns, 2, nullptr));
  ASSERT_TRUE(fd) << "loading a tc program: " << std::strerror(errno);
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  ASSERT_EQ(bpf_obj_get_info_by_fd(fd.get(), &info, &len), 0);

  std::vector<std::string> skipped;
  auto tc = kernel::list_bpf_progs(BPF_PROG_TYPE_SCHED_CLS, [&](const std::string& s) { skipped.push_back(s); });
  EXPECT_EQ(find(tc, info.id), nullptr);
  const std::string want = "program " + std::to_string(info.id) + " (pwru_nobtf): it has no BTF";
  EXPECT_NE(std::find(skipped.begin(), skipped.end(), want), skipped.end()) << "no skip line '" << want << "'";
}

TEST(BpfProgs, FentryProbeSaysWhy) {
  auto r = kernel::probe_fentry();
  if (r.ok) {
    EXPECT_TRUE(r.why.empty());
  } else {
    EXPECT_EQ(r.why.rfind("loading an fentry program: ", 0), 0u) << r.why;
  }
}
