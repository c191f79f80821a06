// SPDX-License-Identifier: Apache-2.0
#include "kernel/bpf_helpers.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "kernel/bpf_progs.h"
#include "util/error.h"
#include "util/fd.h"

namespace pwru::kernel {

CallTargets bpf_call_targets(std::span<const bpf_insn> insns, uint64_t call_base) {
  CallTargets out;
  for (size_t i = 0; i < insns.size(); ++i) {
    const bpf_insn& in = insns[i];
    // A 16-byte ld_imm64 takes two slots; its second half is no instruction.
    if (in.code == (BPF_LD | BPF_IMM | BPF_DW)) {
      ++i;
      continue;
    }
    if (in.code != (BPF_JMP | BPF_CALL)) continue;
    if (in.src_reg != 0 && in.src_reg != BPF_PSEUDO_KFUNC_CALL) continue;  // bpf-to-bpf
    if (in.imm == 0) {
      ++out.zero_imm;
      continue;
    }
    out.addrs.push_back(call_base + static_cast<uint64_t>(static_cast<int64_t>(in.imm)));
  }
  return out;
}

HelperScan scan_bpf_helpers(const Kallsyms& syms) {
  const auto base = syms.addrs_of("__bpf_call_base");
  if (base.empty())
    throw Error("--filter-track-bpf-helpers: /proc/kallsyms has no __bpf_call_base (the address helper calls "
                "are relative to)");
  HelperScan scan;
  for_each_bpf_prog([&](uint32_t id, UniqueFd& fd, const bpf_prog_info& info) {
    if (info.xlated_prog_len == 0) return;
    std::vector<bpf_insn> insns(info.xlated_prog_len / sizeof(bpf_insn));
    bpf_prog_info full{};
    full.xlated_prog_len = static_cast<uint32_t>(insns.size() * sizeof(bpf_insn));
    full.xlated_prog_insns = reinterpret_cast<uintptr_t>(insns.data());
    uint32_t len = sizeof(full);
    if (bpf_obj_get_info_by_fd(fd.get(), &full, &len) != 0)
      throw Error(sys_error("reading the instructions of BPF program " + std::to_string(id)));
    // The kernel reports the length it has; it copies at most what we asked.
    insns.resize(std::min<size_t>(insns.size(), full.xlated_prog_len / sizeof(bpf_insn)));
    ++scan.programs;
    const CallTargets t = bpf_call_targets(insns, base.front());
    scan.calls += t.addrs.size() + t.zero_imm;
    scan.hidden += t.zero_imm;
    for (uint64_t a : t.addrs) {
      const std::string_view name = syms.name_at(a);
      if (name.empty()) {
        ++scan.unresolved;
        continue;
      }
      scan.names.emplace(name);
    }
  });
  return scan;
}

}  // namespace pwru::kernel
