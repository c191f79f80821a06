// SPDX-License-Identifier: Apache-2.0
// Loaded BPF programs that --filter-trace-tc / --filter-trace-xdp trace:
// enumeration (BPF_PROG_GET_NEXT_ID), the entry function from BTF func
// info, and the kallsyms-style name pwru prints for them.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/features.h"
#include "util/fd.h"

namespace pwru::kernel {

// One program to trace.
struct BpfProg {
  uint32_t id = 0;
  UniqueFd fd;
  std::string entry;     // the entry function's name (first BTF func info record)
  uint32_t entry_btf_id = 0;  // its BTF_KIND_FUNC id in the program's BTF (attach_btf_id)
  std::string symbol;    // "bpf_prog_<tag>_<entry>[bpf]", as kallsyms names it
  uint64_t addr = 0;     // the JITed entry's address (0 if the kernel did not say)
};

// "bpf_prog_" + 16 hex digits of the tag + "_" + name + "[bpf]": the
// kernel's kallsyms name of a program whose BTF names its entry `name`
// (bpf_get_prog_name()), with the tab before "[bpf]" dropped as
// cilium/pwru does.
std::string bpf_prog_symbol(const uint8_t (&tag)[BPF_TAG_SIZE], std::string_view name);

// What the kernel says about one program; the pieces list_bpf_progs()
// needs, so that its choices can be tested without a kernel.
struct BpfProgFacts {
  uint32_t id = 0;
  uint32_t type = 0;
  std::string name;       // bpf_prog_info.name (truncated to 15)
  uint32_t btf_id = 0;    // 0: no BTF
  uint32_t nr_func_info = 0;
  bool jited = false;
};

// Why a program of the wanted type cannot be traced, or "" if it can:
// fentry needs the program's BTF (to find and type its entry function) and
// JITed code (the trampoline patches it).
std::string untraceable_reason(const BpfProgFacts& f);

// Calls `fn(id, fd, info)` for every loaded BPF program (BPF_PROG_GET_NEXT_ID),
// open and with its bpf_prog_info read (`fd` may be moved from to keep the
// program). A program unloaded meanwhile is skipped; anything else the
// kernel refuses throws pwru::Error.
void for_each_bpf_prog(const std::function<void(uint32_t id, UniqueFd& fd, const bpf_prog_info& info)>& fn);

// Every loaded program of `type` (BPF_PROG_TYPE_SCHED_CLS or _XDP) that
// can be traced, with an fd held (so it cannot go away until released).
// Programs that disappear while listed, and those without BTF or JITed
// code, are skipped (`skipped` is told why, one line each).
std::vector<BpfProg> list_bpf_progs(bpf_prog_type type, const std::function<void(const std::string&)>& skipped);

// Can this kernel load fentry programs? Loads (and drops) a trivial
// fentry program on a vmlinux function, attaching nothing.
FeatureResult probe_fentry();

}  // namespace pwru::kernel
