// SPDX-License-Identifier: Apache-2.0
#include "kernel/features.h"

#include <bpf/bpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "kernel/raw_tp.h"
#include "util/error.h"
#include "util/fd.h"

namespace pwru::kernel {
namespace {

// A function every kernel with networking has, used as a probe target.
constexpr const char* kProbeFunc = "ip_rcv";

UniqueFd load_trivial(bpf_prog_type type, bpf_attach_type expected, std::string* why) {
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = expected);
  int fd = bpf_prog_load(type, "pwru_probe", "GPL", insns, 2, &o);
  if (fd < 0) *why = "loading a test program: " + errno_text(errno);
  return UniqueFd(fd < 0 ? -1 : fd);
}

FeatureResult probe_kprobe() {
  std::ifstream tf("/sys/bus/event_source/devices/kprobe/type");
  int type = -1;
  if (!(tf >> type)) return {false, "the kernel has no kprobe PMU (CONFIG_KPROBES is off)"};
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = static_cast<uint32_t>(type);
  attr.config1 = reinterpret_cast<uintptr_t>(kProbeFunc);
  long fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) return {false, sys_error(std::string("creating a kprobe on ") + kProbeFunc)};
  ::close(static_cast<int>(fd));
  return {true, {}};
}

FeatureResult probe_kprobe_multi() {
  std::string why;
  UniqueFd prog = load_trivial(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, &why);
  if (!prog) return {false, why};
  const char* syms[] = {kProbeFunc};
  LIBBPF_OPTS(bpf_link_create_opts, lo);
  lo.kprobe_multi.syms = syms;
  lo.kprobe_multi.cnt = 1;
  int link = bpf_link_create(prog.get(), 0, BPF_TRACE_KPROBE_MULTI, &lo);
  if (link < 0) return {false, "creating a kprobe-multi link: " + errno_text(errno)};
  ::close(link);
  return {true, {}};
}

FeatureResult probe_raw_tp_cookie() {
  std::string why;
  UniqueFd prog = load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, static_cast<bpf_attach_type>(0), &why);
  if (!prog) return {false, why};
  int link = raw_tracepoint_open("kfree_skb", prog.get(), 1);
  if (link < 0) return {false, "raw tracepoint with a BPF cookie (Linux >= 6.10): " + errno_text(link)};
  ::close(link);
  return {true, {}};
}

}  // namespace

FeatureResult KernelFeatures::kprobe() const {
  if (!kprobe_) kprobe_ = probe_kprobe();
  return *kprobe_;
}
FeatureResult KernelFeatures::kprobe_multi() const {
  if (!multi_) multi_ = probe_kprobe_multi();
  return *multi_;
}
FeatureResult KernelFeatures::raw_tp_cookie() const {
  if (!cookie_) cookie_ = probe_raw_tp_cookie();
  return *cookie_;
}

}  // namespace pwru::kernel
