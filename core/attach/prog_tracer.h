// SPDX-License-Identifier: Apache-2.0
// --filter-trace-tc / --filter-trace-xdp: fentry on the entry function of
// every loaded tc (SCHED_CLS) and XDP program that has BTF, beside the
// backend's probes. One copy of pwru's fentry entry per program
// (bpf::CoreProgram::load_fentry_copy), sharing the ring buffer and every
// other map with the main program.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "attach/backend.h"
#include "bpf/core_program.h"
#include "kernel/bpf_progs.h"
#include "util/fd.h"

namespace pwru::attach {

class ProgTracer {
 public:
  // Lists the programs to trace now (programs loaded later are not
  // traced, as in cilium/pwru). `log` gets one line per skipped program.
  ProgTracer(bool tc, bool xdp, const std::function<void(const std::string&)>& log);
  ~ProgTracer() { detach(); }
  ProgTracer(const ProgTracer&) = delete;
  ProgTracer& operator=(const ProgTracer&) = delete;

  // The template target for the kernel program's load: the first program
  // of that kind, or nothing when there is none (the entry is not loaded).
  std::optional<bpf::ProgramOptions::FentryTarget> template_target(bpf::FentryKind kind) const;

  // One probe per program, in order; event probe ids are first_id + index.
  std::vector<Probe> probes() const;
  size_t count(bpf::FentryKind kind) const;

  // Loads a copy per program and attaches it; with `xdp_exits` also the
  // fexit entry on each XDP program (PWRU_TRACK_XDP: follow a matched XDP
  // buffer into its skb). Throws pwru::Error (one line, plus the
  // verifier's last lines when it refused) with nothing of this tracer
  // left attached.
  void attach(const bpf::CoreProgram& prog, uint32_t first_id, bool xdp_exits = false);
  void detach();
  size_t attached() const { return links_.size(); }

 private:
  struct Target {
    bpf::FentryKind kind;
    kernel::BpfProg prog;
  };
  std::vector<Target> targets_;
  std::vector<UniqueFd> copies_;
  std::vector<UniqueFd> links_;
};

// "tc program 12 (bpf_prog_..._name[bpf])": how messages name a target.
std::string describe_target(bpf::FentryKind kind, uint32_t id, const std::string& symbol);

}  // namespace pwru::attach
