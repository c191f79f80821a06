// SPDX-License-Identifier: Apache-2.0
#include "attach/tracking.h"

#include <linux/perf_event.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <pwru/plugin.h>

#include "bpf/core_program.h"
#include "kernel/raw_tp.h"
#include "pwru_event.h"
#include "util/error.h"

namespace pwru::attach {
namespace {

// The struct freed without skb:kfree_skb / skb:consume_skb (__kfree_skb
// called directly, kfree_skb_partial): kmem:kmem_cache_free(call_site,
// ptr, cache), the object being argument 2.
constexpr const char* kSlabFree = "kmem_cache_free";
constexpr int kSlabFreeArg = 2;

// Reads the first integer of a sysfs file, or -1.
long read_sysfs_int(const std::string& path, const std::string& after = "") {
  std::ifstream f(path);
  std::string s;
  if (!std::getline(f, s)) return -1;
  if (!after.empty()) {
    if (s.rfind(after, 0) != 0) return -1;
    s = s.substr(after.size());
  }
  try {
    return std::stol(s);
  } catch (const std::exception&) {
    return -1;
  }
}

// One kprobe or kretprobe through the kprobe PMU; returns the perf fd or -errno.
int open_kprobe(const std::string& func, bool retprobe) {
  static const long type = read_sysfs_int("/sys/bus/event_source/devices/kprobe/type");
  static const long ret_bit = read_sysfs_int("/sys/bus/event_source/devices/kprobe/format/retprobe", "config:");
  if (type < 0) return -ENOENT;
  if (retprobe && ret_bit < 0) return -EOPNOTSUPP;
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = static_cast<uint32_t>(type);
  attr.config = retprobe ? (1ULL << ret_bit) : 0;
  attr.config1 = reinterpret_cast<uint64_t>(func.c_str());  // kprobe_func
  attr.config2 = 0;                                         // probe_offset
  long fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

const char* prog_label(bpf::TrackProg p) {
  switch (p) {
    case bpf::TrackProg::kCopy: return "copies";
    case bpf::TrackProg::kCloneEntry:
    case bpf::TrackProg::kCloneReturn: return "clones";
    case bpf::TrackProg::kXdpCopyArg2:
    case bpf::TrackProg::kXdpCopyArg3:
    case bpf::TrackProg::kXdpCopyReturn: return "XDP copies";
  }
  return "?";
}

}  // namespace

const std::vector<std::string>& end_of_life_tracepoints() {
  static const std::vector<std::string> names = {"kfree_skb", "consume_skb"};
  return names;
}

TrackingPlan plan_tracking(const TrackingRequest& req) {
  TrackingPlan plan;
  if (!req.track_skb && !req.track_stack) return plan;
  std::set<std::string> covered;
  if (req.probes != nullptr)
    for (const auto& p : *req.probes)
      if (p.untrack && p.kind == PWRU_PROBE_TRACEPOINT) covered.insert(p.name);
  auto want = [&](const std::string& tp, int arg) {
    if (covered.count(tp) != 0) return;
    const int n = req.tracepoint_nargs ? req.tracepoint_nargs(tp) : -1;
    if (n < arg) {
      plan.missing.push_back(tp);
      return;
    }
    // kmem_cache_free(call_site, ptr, cache): the cache says whether ptr can be an skb.
    plan.untrack.push_back({tp, arg, tp == kSlabFree && n >= 3});
  };
  for (const auto& tp : end_of_life_tracepoints()) want(tp, 1);
  want(kSlabFree, kSlabFreeArg);
  // Clones and copies: only the kprobe backends see skb_clone & co. Stack
  // tracking needs none of it (a clone runs on its original's stack).
  if (req.track_skb && req.backend != BackendKind::kTracepoint) {
    plan.multi = req.backend == BackendKind::kKprobeMulti;
    plan.clones = {
        {"skb_copy_header", bpf::TrackProg::kCopy, false},
        {"skb_morph", bpf::TrackProg::kCopy, false},
        {"skb_clone", bpf::TrackProg::kCloneEntry, false},
        {"skb_clone", bpf::TrackProg::kCloneReturn, true},
        // Copies of an skb for an XDP program (veth's native XDP, generic
        // XDP): skb_pp_cow_data on Linux 6.8+, veth's own function on
        // 6.2-6.7 (a module, maybe not loaded; inlined on later kernels).
        {"skb_pp_cow_data", bpf::TrackProg::kXdpCopyArg2, false, true},
        {"skb_pp_cow_data", bpf::TrackProg::kXdpCopyReturn, true, true},
        {"veth_convert_skb_to_xdp_buff", bpf::TrackProg::kXdpCopyArg3, false, true},
        {"veth_convert_skb_to_xdp_buff", bpf::TrackProg::kXdpCopyReturn, true, true},
    };
  }
  return plan;
}

void Tracker::attach(const bpf::CoreProgram& prog) {
  if (!plan_.missing.empty()) {
    std::string names;
    for (const auto& m : plan_.missing) names += (names.empty() ? "" : ", ") + m;
    spdlog::warn("skb tracking: this kernel has no tracepoint {}: skbs freed only there stay tracked until the "
                 "tracking map evicts them",
                 names);
  }
  for (const auto& u : plan_.untrack) {
    const int prog_fd = u.slab ? prog.untrack_slab_fd() : prog.untrack_fd(u.arg);
    const int fd = kernel::raw_tracepoint_open(u.tracepoint, prog_fd, 0);
    if (fd < 0) {
      spdlog::warn("skb tracking: cannot attach to tracepoint {} ({}): skbs freed only there stay tracked until "
                   "the tracking map evicts them",
                   u.tracepoint, errno_text(fd));
      continue;
    }
    links_.emplace_back(fd);
  }
  for (const auto& c : plan_.clones) {
    const int prog_fd = prog.track_fd(c.prog, plan_.multi);
    std::string why;
    if (plan_.multi) {
      const char* syms[] = {c.func.c_str()};
      LIBBPF_OPTS(bpf_link_create_opts, lo);
      lo.kprobe_multi.syms = syms;
      lo.kprobe_multi.cnt = 1;
      lo.kprobe_multi.flags = c.retprobe ? BPF_F_KPROBE_MULTI_RETURN : 0;
      const int fd = bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
      if (fd >= 0) {
        links_.emplace_back(fd);
        continue;
      }
      why = sys_error("kprobe-multi link");
    } else {
      const int pfd = open_kprobe(c.func, c.retprobe);
      if (pfd >= 0) {
        UniqueFd perf(pfd);
        LIBBPF_OPTS(bpf_link_create_opts, lo);
        const int fd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &lo);
        if (fd >= 0) {
          links_.emplace_back(fd);
          links_.push_back(std::move(perf));
          continue;
        }
        why = sys_error("BPF link");
      } else {
        why = std::string(c.retprobe ? "kretprobe" : "kprobe") + ": " + errno_text(pfd);
      }
    }
    if (c.optional) {
      spdlog::debug("skb tracking: {} made by {} are not followed ({} {}: {})", prog_label(c.prog), c.func,
                    c.retprobe ? "return of" : "entry of", c.func, why);
      continue;
    }
    spdlog::warn("skb tracking: {} made by {} are not followed ({} {}: {})", prog_label(c.prog), c.func,
                 c.retprobe ? "return of" : "entry of", c.func, why);
  }
  spdlog::debug("skb tracking: {} links", links_.size());
}

void require_kprobe_backend(const std::vector<std::string>& non_skb_funcs, const Choice& choice,
                            bool track_bpf_helpers) {
  if ((non_skb_funcs.empty() && !track_bpf_helpers) || choice.kind != BackendKind::kTracepoint) return;
  std::string what;
  if (!non_skb_funcs.empty()) {
    what = "--filter-non-skb-funcs ";
    for (size_t i = 0; i < non_skb_funcs.size(); ++i) what += (i ? "," : "") + non_skb_funcs[i];
  } else {
    what = "--filter-track-bpf-helpers";
  }
  throw UsageError(what + ": needs a kprobe backend (kprobe or kprobe-multi) to trace functions, and " +
                   (choice.notice.empty() ? std::string("--backend tracepoint was asked for")
                                          : "auto-detection is " + choice.notice));
}

namespace {

// available_filter_functions: name -> its module ("" = vmlinux).
std::map<std::string, std::string, std::less<>> parse_aff(std::string_view aff) {
  std::map<std::string, std::string, std::less<>> listed;
  while (!aff.empty()) {
    const size_t nl = aff.find('\n');
    std::string_view line = aff.substr(0, nl);
    aff = nl == std::string_view::npos ? std::string_view() : aff.substr(nl + 1);
    const size_t sp = line.find(' ');
    std::string_view name = line.substr(0, sp);
    std::string_view mod;
    if (sp != std::string_view::npos) {
      mod = line.substr(sp + 1);
      if (mod.size() >= 2 && mod.front() == '[' && mod.back() == ']') mod = mod.substr(1, mod.size() - 2);
    }
    if (!name.empty()) listed.emplace(std::string(name), std::string(mod));
  }
  return listed;
}

}  // namespace

std::vector<std::string> select_helper_funcs(const std::set<std::string>& found, std::string_view aff,
                                             const std::function<bool(const std::string&)>& in_btf,
                                             std::vector<std::string>* dropped) {
  const auto listed = parse_aff(aff);
  std::vector<std::string> out;
  for (const auto& sym : found) {
    // kallsyms names a module's function "fn[mod]"; BPF programs "...[bpf]".
    const size_t br = sym.find('[');
    const std::string name = sym.substr(0, br);
    const std::string mod = br == std::string::npos ? "" : sym.substr(br + 1, sym.size() - br - 2);
    auto it = listed.find(name);
    const bool ok = mod != "bpf" && !name.empty() && it != listed.end() && it->second == mod &&
                    (!mod.empty() || !in_btf || in_btf(name));
    if (!ok) {
      if (dropped != nullptr) dropped->push_back(sym);
      continue;
    }
    out.push_back(name);
  }
  return out;
}

std::vector<Probe> resolve_non_skb_funcs(const std::vector<std::string>& names, std::string_view aff,
                                         const kernel::Kallsyms& syms, const std::vector<Probe>& traced,
                                         bool multi) {
  const auto listed = parse_aff(aff);
  std::set<std::string> skb_funcs;
  for (const auto& p : traced) skb_funcs.insert(p.kernel_name.empty() ? p.name : p.kernel_name);

  std::vector<Probe> out;
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (!seen.insert(name).second) continue;
    auto it = listed.find(name);
    if (it == listed.end())
      throw UsageError("invalid --filter-non-skb-funcs value '" + name +
                       "': not a traceable kernel function (it is not in available_filter_functions)");
    if (skb_funcs.count(name) != 0) {
      spdlog::debug("--filter-non-skb-funcs {}: already traced as a function with an skb", name);
      continue;
    }
    const std::string& mod = it->second;
    Probe p;
    p.name = mod.empty() ? name : name + "[" + mod + "]";
    p.kernel_name = name;
    p.skb_pos = 0;
    const auto addrs = syms.addrs_of(p.name);
    p.addr = addrs.empty() ? 0 : addrs.front();
    if (!multi) {
      out.push_back(std::move(p));
      continue;
    }
    if (addrs.empty())
      throw UsageError("invalid --filter-non-skb-funcs value '" + name + "': no address in /proc/kallsyms");
    for (uint64_t a : addrs) {
      p.addr = a;
      out.push_back(p);
    }
  }
  return out;
}

void mark_bpfmap_probes(std::vector<Probe>& probes, const std::function<int(const std::string&)>& op_of) {
  std::vector<Probe> returns;
  for (auto& p : probes) {
    if (p.skb_pos != 0) continue;
    p.bpfmap_op = op_of(p.kernel_name.empty() ? p.name : p.kernel_name);
    if (p.bpfmap_op == PWRU_BPFMAP_OP_LOOKUP || p.bpfmap_op == PWRU_BPFMAP_OP_LOOKUP_HTAB) {
      Probe r = p;
      r.retprobe = true;
      returns.push_back(std::move(r));
    }
  }
  for (auto& r : returns) probes.push_back(std::move(r));
}

}  // namespace pwru::attach
