// SPDX-License-Identifier: Apache-2.0
// Skb tracking's userspace side (core/attach/tracking.h): which lifetime and
// clone probes each backend gets, --filter-non-skb-funcs resolution against
// available_filter_functions and kallsyms text, and the backend check.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <pwru/plugin.h>

#include "attach/tracking.h"
#include "util/error.h"

using namespace pwru;
using namespace pwru::attach;

namespace {

// A kernel with the three lifetime tracepoints (argument counts of 6.x).
int nargs_6x(const std::string& tp) {
  static const std::map<std::string, int> n = {{"kfree_skb", 4}, {"consume_skb", 2}, {"kmem_cache_free", 3}};
  auto it = n.find(tp);
  return it == n.end() ? -1 : it->second;
}

Probe tracepoint(const std::string& name, bool untrack) {
  Probe p;
  p.name = name;
  p.kind = PWRU_PROBE_TRACEPOINT;
  p.skb_pos = 1;
  p.untrack = untrack;
  return p;
}

TrackingRequest request(BackendKind kind, bool skb, bool stack, const std::vector<Probe>* probes) {
  TrackingRequest r;
  r.backend = kind;
  r.track_skb = skb;
  r.track_stack = stack;
  r.probes = probes;
  r.tracepoint_nargs = nargs_6x;
  return r;
}

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

kernel::Kallsyms syms(const std::string& text) {
  std::istringstream in(text);
  return kernel::Kallsyms::parse(in);
}

}  // namespace

TEST(TrackingPlan, NothingWithoutTracking) {
  const std::vector<Probe> probes;
  EXPECT_TRUE(plan_tracking(request(BackendKind::kKprobe, false, false, &probes)).empty());
}

// The tracepoint backend's own kfree_skb/consume_skb entries untrack after
// their event; only the slab free needs a program of its own.
TEST(TrackingPlan, TracepointBackendUntracksInItsOwnFreeEntries) {
  const std::vector<Probe> probes = {tracepoint("net_dev_queue", false), tracepoint("kfree_skb", true),
                                     tracepoint("consume_skb", true)};
  const TrackingPlan p = plan_tracking(request(BackendKind::kTracepoint, true, false, &probes));
  EXPECT_EQ(p.untrack, (std::vector<UntrackPoint>{{"kmem_cache_free", 2, true}}));
  EXPECT_TRUE(p.clones.empty());  // no tracepoint sees skb_clone
  EXPECT_TRUE(p.missing.empty());
}

// --filter-func left the free tracepoints out: separate programs end the
// tracking there.
TEST(TrackingPlan, FreeTracepointsOutsideTheSelectionGetPrograms) {
  const std::vector<Probe> probes = {tracepoint("net_dev_queue", false)};
  const TrackingPlan p = plan_tracking(request(BackendKind::kTracepoint, false, true, &probes));
  EXPECT_EQ(p.untrack, (std::vector<UntrackPoint>{
                           {"kfree_skb", 1, false}, {"consume_skb", 1, false}, {"kmem_cache_free", 2, true}}));
}

TEST(TrackingPlan, KprobeBackendsFollowClonesAndCopies) {
  const std::vector<Probe> probes;
  for (BackendKind k : {BackendKind::kKprobe, BackendKind::kKprobeMulti}) {
    const TrackingPlan p = plan_tracking(request(k, true, false, &probes));
    EXPECT_EQ(p.untrack.size(), 3u);
    EXPECT_EQ(p.multi, k == BackendKind::kKprobeMulti);
    EXPECT_EQ(p.clones, (std::vector<KprobePoint>{{"skb_copy_header", bpf::TrackProg::kCopy, false},
                                                   {"skb_morph", bpf::TrackProg::kCopy, false},
                                                   {"skb_clone", bpf::TrackProg::kCloneEntry, false},
                                                   {"skb_clone", bpf::TrackProg::kCloneReturn, true},
                                                   {"skb_pp_cow_data", bpf::TrackProg::kXdpCopyArg2, false, true},
                                                   {"skb_pp_cow_data", bpf::TrackProg::kXdpCopyReturn, true, true},
                                                   {"veth_convert_skb_to_xdp_buff", bpf::TrackProg::kXdpCopyArg3,
                                                    false, true},
                                                   {"veth_convert_skb_to_xdp_buff", bpf::TrackProg::kXdpCopyReturn,
                                                    true, true}}));
  }
  // By stack id only: a clone runs on its original's stack, no clone probes.
  EXPECT_TRUE(plan_tracking(request(BackendKind::kKprobe, false, true, &probes)).clones.empty());
}

TEST(TrackingPlan, MissingOrShortTracepointsAreReported) {
  const std::vector<Probe> probes;
  TrackingRequest r = request(BackendKind::kKprobe, true, false, &probes);
  // An old kernel: kmem_cache_free(call_site, ptr) has the object at 2 but
  // no cache (every object is looked up); no consume_skb at all.
  r.tracepoint_nargs = [](const std::string& tp) { return tp == "consume_skb" ? -1 : 2; };
  TrackingPlan p = plan_tracking(r);
  EXPECT_EQ(p.untrack, (std::vector<UntrackPoint>{{"kfree_skb", 1, false}, {"kmem_cache_free", 2, false}}));
  EXPECT_EQ(p.missing, std::vector<std::string>{"consume_skb"});
  r.tracepoint_nargs = [](const std::string& tp) { return tp == "kmem_cache_free" ? 1 : 2; };
  p = plan_tracking(r);
  EXPECT_EQ(p.missing, std::vector<std::string>{"kmem_cache_free"});
}

TEST(NonSkbFuncs, ResolvedByNameForKprobes) {
  const std::string aff = "fib_table_lookup\nip_rcv\nnf_nat_setup_info [nf_nat]\n";
  const auto ks = syms(
      "ffffffff81a00000 T fib_table_lookup\n"
      "ffffffff81b00000 T ip_rcv\n"
      "ffffffffc0100000 t nf_nat_setup_info\t[nf_nat]\n");
  Probe traced;
  traced.name = "ip_rcv";
  traced.skb_pos = 1;
  const auto out = resolve_non_skb_funcs({"fib_table_lookup", "ip_rcv", "nf_nat_setup_info", "fib_table_lookup"},
                                         aff, ks, {traced}, false);
  ASSERT_EQ(out.size(), 2u);  // ip_rcv is traced already; the repeat is dropped
  EXPECT_EQ(out[0].name, "fib_table_lookup");
  EXPECT_EQ(out[0].kernel_name, "fib_table_lookup");
  EXPECT_EQ(out[0].skb_pos, 0);
  EXPECT_EQ(out[0].addr, 0xffffffff81a00000u);
  EXPECT_EQ(out[1].name, "nf_nat_setup_info[nf_nat]");  // as pwru names module functions
  EXPECT_EQ(out[1].kernel_name, "nf_nat_setup_info");
  EXPECT_EQ(out[1].addr, 0xffffffffc0100000u);
}

TEST(NonSkbFuncs, KprobeMultiGetsEveryAddress) {
  const std::string aff = "dup_fn\ndup_fn\nno_addr\n";
  const auto ks = syms("ffffffff81000100 t dup_fn\nffffffff81000200 t dup_fn\n");
  const auto out = resolve_non_skb_funcs({"dup_fn"}, aff, ks, {}, true);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].addr, 0xffffffff81000100u);
  EXPECT_EQ(out[1].addr, 0xffffffff81000200u);
  EXPECT_EQ(usage_error([&] { resolve_non_skb_funcs({"no_addr"}, aff, ks, {}, true); }),
            "invalid --filter-non-skb-funcs value 'no_addr': no address in /proc/kallsyms");
  // A kprobe attaches by name: no address needed.
  EXPECT_EQ(resolve_non_skb_funcs({"no_addr"}, aff, ks, {}, false).size(), 1u);
}

TEST(NonSkbFuncs, UntraceableNameIsAUsageError) {
  const auto ks = syms("");
  EXPECT_EQ(usage_error([&] { resolve_non_skb_funcs({"fib_table_lookup", "no_such_fn"}, "fib_table_lookup\n", ks,
                                                    {}, false); }),
            "invalid --filter-non-skb-funcs value 'no_such_fn': not a traceable kernel function (it is not in "
            "available_filter_functions)");
}

TEST(NonSkbFuncs, NeedAKprobeBackend) {
  Choice tp{BackendKind::kTracepoint, ""};
  EXPECT_EQ(usage_error([&] { require_kprobe_backend({"fib_table_lookup", "nf_nat_setup_info"}, tp); }),
            "--filter-non-skb-funcs fib_table_lookup,nf_nat_setup_info: needs a kprobe backend (kprobe or "
            "kprobe-multi) to trace functions, and --backend tracepoint was asked for");
  Choice autotp{BackendKind::kTracepoint, "using the tracepoint backend (kprobe: no kprobe PMU)"};
  EXPECT_EQ(usage_error([&] { require_kprobe_backend({"fib_table_lookup"}, autotp); }),
            "--filter-non-skb-funcs fib_table_lookup: needs a kprobe backend (kprobe or kprobe-multi) to trace "
            "functions, and auto-detection is using the tracepoint backend (kprobe: no kprobe PMU)");
  EXPECT_NO_THROW(require_kprobe_backend({}, tp));
  EXPECT_NO_THROW(require_kprobe_backend({"fib_table_lookup"}, Choice{BackendKind::kKprobe, ""}));
  EXPECT_NO_THROW(require_kprobe_backend({"fib_table_lookup"}, Choice{BackendKind::kKprobeMulti, ""}));
}

TEST(Tracking, TrackBpfHelpersNeedsAKprobeBackend) {
  const Choice tp{BackendKind::kTracepoint, ""};
  EXPECT_EQ(usage_error([&] { require_kprobe_backend({}, tp, true); }),
            "--filter-track-bpf-helpers: needs a kprobe backend (kprobe or kprobe-multi) to trace functions, and "
            "--backend tracepoint was asked for");
  EXPECT_NO_THROW(require_kprobe_backend({}, Choice{BackendKind::kKprobe, ""}, true));
}
