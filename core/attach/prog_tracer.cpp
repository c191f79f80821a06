// SPDX-License-Identifier: Apache-2.0
#include "attach/prog_tracer.h"

#include <bpf/bpf.h>

#include <cerrno>

#include <pwru/plugin.h>

#include "util/error.h"

namespace pwru::attach {

std::string describe_target(bpf::FentryKind kind, uint32_t id, const std::string& symbol) {
  return std::string(kind == bpf::FentryKind::kTc ? "tc" : "XDP") + " program " + std::to_string(id) + " (" +
         symbol + ")";
}

ProgTracer::ProgTracer(bool tc, bool xdp, const std::function<void(const std::string&)>& log) {
  auto add = [&](bpf::FentryKind kind, bpf_prog_type type, const char* what) {
    auto progs = kernel::list_bpf_progs(type, [&](const std::string& why) {
      log(std::string("not tracing ") + what + " " + why);
    });
    for (auto& p : progs) targets_.push_back(Target{kind, std::move(p)});
  };
  if (tc) add(bpf::FentryKind::kTc, BPF_PROG_TYPE_SCHED_CLS, "tc");
  if (xdp) add(bpf::FentryKind::kXdp, BPF_PROG_TYPE_XDP, "XDP");
}

std::optional<bpf::ProgramOptions::FentryTarget> ProgTracer::template_target(bpf::FentryKind kind) const {
  for (const auto& t : targets_)
    if (t.kind == kind) return bpf::ProgramOptions::FentryTarget{t.prog.fd.get(), t.prog.entry};
  return std::nullopt;
}

std::vector<Probe> ProgTracer::probes() const {
  std::vector<Probe> out;
  for (const auto& t : targets_) {
    Probe p;
    p.name = t.prog.symbol;
    p.kind = t.kind == bpf::FentryKind::kTc ? PWRU_PROBE_TC : PWRU_PROBE_XDP;
    p.addr = t.prog.addr;
    p.kernel_name = t.prog.entry;
    out.push_back(std::move(p));
  }
  return out;
}

size_t ProgTracer::count(bpf::FentryKind kind) const {
  size_t n = 0;
  for (const auto& t : targets_) n += t.kind == kind;
  return n;
}

void ProgTracer::attach(const bpf::CoreProgram& prog, uint32_t first_id, bool xdp_exits) {
  auto load_and_link = [&](bpf::FentryKind kind, const Target& t, uint32_t probe_id) {
    const bool exit = kind == bpf::FentryKind::kXdpExit;
    const std::string what = describe_target(t.kind, t.prog.id, t.prog.symbol);
    std::string why;
    int fd = prog.load_fentry_copy(kind, t.prog.fd.get(), t.prog.entry_btf_id, probe_id, &why);
    if (fd < 0) throw Error(std::string("loading pwru's ") + (exit ? "fexit" : "fentry") + " program for " + what +
                            ": " + why);
    copies_.emplace_back(fd);
    int link = bpf_link_create(fd, 0, exit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY, nullptr);
    if (link < 0 && errno == EINVAL) link = bpf_raw_tracepoint_open(nullptr, fd);  // kernels < 5.13
    if (link < 0) throw Error(sys_error(std::string("attaching ") + (exit ? "fexit" : "fentry") + " to " + what));
    links_.emplace_back(link);
  };
  try {
    for (size_t i = 0; i < targets_.size(); ++i) {
      const Target& t = targets_[i];
      // The fexit first: a run that passes the fentry entry then always
      // has its verdict seen.
      if (xdp_exits && t.kind == bpf::FentryKind::kXdp) load_and_link(bpf::FentryKind::kXdpExit, t, 0);
      load_and_link(t.kind, t, first_id + static_cast<uint32_t>(i));
    }
  } catch (...) {
    detach();
    throw;
  }
  // The links hold the programs now; a target that is removed later goes
  // away once pwru detaches.
  for (auto& t : targets_) t.prog.fd.reset();
}

void ProgTracer::detach() {
  links_.clear();
  copies_.clear();
}

}  // namespace pwru::attach
