// SPDX-License-Identifier: Apache-2.0
// Skb tracking (--filter-track-skb, --filter-track-skb-by-stackid,
// --filter-non-skb-funcs): the probes that keep the kernel program's
// tracking maps true, beside the backend's own probes. The kernel side and
// the design are in bpf/pwru.bpf.c ("Skb tracking"); README.md has the
// user's view.
//
//   lifetime   raw tracepoints where an skb's life ends, on every backend:
//              skb:kfree_skb and skb:consume_skb (skb = argument 1) and
//              kmem:kmem_cache_free (the freed object = argument 2; when the
//              kernel passes the cache too (5.18+), only skb caches are
//              looked up: it runs for every slab free on the machine). Where
//              the tracepoint backend already traces kfree_skb/consume_skb,
//              its own entry untracks (Probe::untrack, a cookie bit): the
//              event comes first, whatever order the kernel runs programs
//              attached to one tracepoint in.
//   clones     kprobe backends with --filter-track-skb: skb_copy_header
//              and skb_morph (both skbs at entry), skb_clone (entry and
//              return), as kprobes or kprobe.multi links like the backend.
//   non-skb    --filter-non-skb-funcs: extra probes of the backend (skb_pos
//              0), resolved here against available_filter_functions and
//              kallsyms.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "attach/backend.h"
#include "bpf/core_program.h"
#include "kernel/kallsyms.h"
#include "util/fd.h"

namespace pwru::attach {

// Tracepoints whose probe ends the tracking of its skb (Probe::untrack).
const std::vector<std::string>& end_of_life_tracepoints();

struct TrackingRequest {
  BackendKind backend = BackendKind::kTracepoint;  // the chosen one (never kAuto)
  bool track_skb = false;
  bool track_stack = false;
  // The backend's probes (tracepoints with Probe::untrack need no separate
  // lifetime program).
  const std::vector<Probe>* probes = nullptr;
  // Arguments of a tracepoint, -1 when the kernel has none of that name.
  std::function<int(const std::string&)> tracepoint_nargs;
};

struct UntrackPoint {
  std::string tracepoint;
  int arg = 0;        // position of the skb / freed object (1 or 2)
  bool slab = false;  // kmem_cache_free with its cache argument: skb caches only
  bool operator==(const UntrackPoint&) const = default;
};

struct KprobePoint {
  std::string func;
  bpf::TrackProg prog;
  bool retprobe = false;
  // A function that may be missing (a module not loaded, an older kernel):
  // then it is skipped with a debug line, not a warning.
  bool optional = false;
  bool operator==(const KprobePoint&) const = default;
};

struct TrackingPlan {
  std::vector<UntrackPoint> untrack;
  std::vector<std::string> missing;  // lifetime tracepoints this kernel lacks
  std::vector<KprobePoint> clones;
  bool multi = false;  // clones as kprobe.multi links
  bool empty() const { return untrack.empty() && clones.empty(); }
};

// What to attach for tracking (nothing when neither kind is on).
TrackingPlan plan_tracking(const TrackingRequest& req);

// Attaches a plan: lifetime first, then clones. A point that cannot be
// attached is a warning (tracking works without it, less completely),
// never fatal; attached() counts what is.
class Tracker {
 public:
  explicit Tracker(TrackingPlan plan) : plan_(std::move(plan)) {}
  ~Tracker() { detach(); }
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;
  void attach(const bpf::CoreProgram& prog);
  void detach() { links_.clear(); }
  size_t attached() const { return links_.size(); }

 private:
  TrackingPlan plan_;
  std::vector<UniqueFd> links_;  // link fds (and the perf event fds of kprobes)
};

// --filter-non-skb-funcs and --filter-track-bpf-helpers need a kprobe
// backend: a UsageError naming the functions (or the flag) and why the
// chosen backend is the tracepoint one.
void require_kprobe_backend(const std::vector<std::string>& non_skb_funcs, const Choice& choice,
                            bool track_bpf_helpers = false);

// --filter-track-bpf-helpers: of the kallsyms names BPF programs call
// (kernel::scan_bpf_helpers; "fn" or "fn[mod]"), the plain names of those
// that can be traced: listed in available_filter_functions (for the same
// module) and, for vmlinux functions, in the kernel's BTF as a function
// (`in_btf`; null = not checked). The rest go to `dropped` when given.
std::vector<std::string> select_helper_funcs(const std::set<std::string>& found, std::string_view aff,
                                             const std::function<bool(const std::string&)>& in_btf,
                                             std::vector<std::string>* dropped = nullptr);

// --filter-non-skb-funcs: the backend's extra probes (skb_pos 0). `aff` is
// available_filter_functions ("name" or "name [module]" lines); a name must
// be listed there (else UsageError naming it). A name already among
// `traced` (the backend's skb probes) is skipped, as cilium/pwru does.
// multi: one probe per kallsyms address (kprobe-multi attaches by address;
// a name without one is a UsageError); else one probe by name.
std::vector<Probe> resolve_non_skb_funcs(const std::vector<std::string>& names, std::string_view aff,
                                         const kernel::Kallsyms& syms, const std::vector<Probe>& traced,
                                         bool multi);

// --output-bpfmap: gives each function without an skb that is a BPF map
// op (`op_of`, PWRU_BPFMAP_OP_* or 0) its op; a lookup also gets a return
// probe (appended), which emits its event with the value.
void mark_bpfmap_probes(std::vector<Probe>& probes, const std::function<int(const std::string&)>& op_of);

}  // namespace pwru::attach
