// SPDX-License-Identifier: Apache-2.0
// The tracepoint backend: raw tracepoints on every tracepoint with an skb
// argument, one link each, carrying probe id and argument positions in the
// BPF cookie (layout: PWRU_COOKIE_* in bpf/pwru_event.h).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "bpf/core_program.h"
#include "kernel/raw_tp.h"
#include "pwru_event.h"
#include "util/error.h"
#include "util/fd.h"

namespace pwru::attach {
namespace {

class TracepointBackend final : public Backend {
 public:
  TracepointBackend(std::vector<kernel::SkbTracepoint> tps, bool per_tp, const std::vector<std::string>& untrack)
      : per_tp_(per_tp) {
    for (auto& tp : tps) {
      Probe p;
      p.untrack = std::find(untrack.begin(), untrack.end(), tp.name) != untrack.end();
      p.name = std::move(tp.name);
      p.kind = PWRU_PROBE_TRACEPOINT;
      p.skb_pos = tp.skb_pos;
      p.reason_pos = tp.reason_pos;
      probes_.push_back(std::move(p));
    }
  }
  ~TracepointBackend() override { detach(); }

  const std::vector<Probe>& probes() const override { return probes_; }
  const char* name() const override { return "tracepoint"; }
  size_t attached() const override { return links_.size(); }

  void attach(const bpf::CoreProgram& prog) override {
    std::string first_error;
    size_t skipped = 0;
    for (size_t id = 0; id < probes_.size(); ++id) {
      const Probe& p = probes_[id];
      const int k = std::max(p.skb_pos, p.reason_pos);
      const uint64_t cookie = static_cast<uint64_t>(id) |
                              (static_cast<uint64_t>(p.skb_pos) << PWRU_COOKIE_SKB_POS_SHIFT) |
                              (static_cast<uint64_t>(p.reason_pos) << PWRU_COOKIE_REASON_POS_SHIFT) |
                              (p.untrack ? PWRU_COOKIE_UNTRACK : 0);
      int fd;
      if (per_tp_) {
        // No cookies here: a copy of the program with this cookie built in.
        UniqueFd inst(prog.load_raw_tp_instance(k, cookie));
        fd = kernel::raw_tracepoint_open(p.name, inst.get(), 0);
        if (fd >= 0) progs_.push_back(std::move(inst));
      } else {
        fd = kernel::raw_tracepoint_open(p.name, prog.raw_tp_fd(k), cookie);
      }
      if (fd < 0) {
        // A tracepoint in BTF that the kernel will not attach (compiled
        // out, or refused) is skipped and counted, never fatal.
        spdlog::debug("tracepoint {}: {}", p.name, errno_text(fd));
        if (first_error.empty()) first_error = p.name + ": " + errno_text(fd);
        ++skipped;
        continue;
      }
      links_.emplace_back(fd);
    }
    if (links_.empty())
      throw Error("could not attach to any skb tracepoint (" +
                  (first_error.empty() ? std::string("none found in BTF") : first_error) + ")");
    if (skipped > 0) spdlog::info("attached {} tracepoints, skipped {}", links_.size(), skipped);
  }

  void detach() override {
    links_.clear();
    progs_.clear();
  }

 private:
  bool per_tp_ = false;
  std::vector<UniqueFd> progs_;  // per-tracepoint program copies
  std::vector<Probe> probes_;
  std::vector<UniqueFd> links_;
};

}  // namespace

std::unique_ptr<Backend> make_tracepoint_backend(std::vector<kernel::SkbTracepoint> tps, bool per_tp_programs,
                                                 const std::vector<std::string>& untrack) {
  return std::make_unique<TracepointBackend>(std::move(tps), per_tp_programs, untrack);
}

}  // namespace pwru::attach
