// SPDX-License-Identifier: Apache-2.0
// --filter-track-bpf-helpers: the kernel functions (BPF helpers, kfuncs and
// the map operations the verifier calls directly) that loaded BPF programs
// call, found in each program's translated ("xlated") instructions.
//
// cilium/pwru disassembles every JITed image through /proc/kcore, which
// works on x86-64 only. The verifier's output says the same thing on every
// architecture: a helper call (BPF_JMP|BPF_CALL, src_reg 0) has
// imm = func - __bpf_call_base after fixup (also the direct map-op calls
// such as htab_map_update_elem and the inlined lookup's
// __htab_map_lookup_elem), and a kfunc call (src_reg BPF_PSEUDO_KFUNC_CALL)
// has imm = BPF_CALL_IMM(addr), the same base, on JITs without far kfunc
// calls (x86-64, arm64). BPF_OBJ_GET_INFO_BY_FD hands the instructions out
// with imm intact when bpf_dump_raw_ok() (CAP_SYS_ADMIN and kptr_restrict
// allowing addresses); otherwise imm is 0 and the scan says so.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "kernel/kallsyms.h"

namespace pwru::kernel {

struct CallTargets {
  std::vector<uint64_t> addrs;  // base + imm of every helper and kfunc call (repeats kept)
  size_t zero_imm = 0;          // helper/kfunc calls whose imm the kernel hid (0)
};

// The call targets in one program's xlated instructions. Bpf-to-bpf calls
// (BPF_PSEUDO_CALL) are skipped; a tail call (dumped as a helper call with
// imm = BPF_FUNC_tail_call) gives an address that is no symbol and drops
// out when resolved.
CallTargets bpf_call_targets(std::span<const bpf_insn> insns, uint64_t call_base);

struct HelperScan {
  std::set<std::string> names;  // kallsyms names ("fn", or "fn[mod]" in a module), de-duplicated
  size_t programs = 0;          // programs read
  size_t calls = 0;             // helper and kfunc call instructions seen
  size_t hidden = 0;            // of those, with imm hidden by the kernel
  size_t unresolved = 0;        // targets that are no kallsyms symbol (tail calls, ...)
};

// Every loaded BPF program's call targets, resolved to kallsyms names
// (exact addresses only). Programs unloaded while listed are skipped.
// Throws pwru::Error when the programs cannot be listed or read, or when
// kallsyms has no __bpf_call_base.
HelperScan scan_bpf_helpers(const Kallsyms& syms);

}  // namespace pwru::kernel
