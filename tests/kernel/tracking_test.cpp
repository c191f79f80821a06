// SPDX-License-Identifier: Apache-2.0
// Skb tracking in the real kernel program: every tracking program passes the
// verifier (the kprobe ones too: this host cannot attach kprobes), and on
// the tracepoint backend the tracking maps forget every skb once it is freed.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "attach/tracking.h"
#include "bpf/core_program.h"
#include "kernel/btf.h"
#include "kernel_test_util.h"
#include "transport/ring_reader.h"

using namespace pwru;

namespace {

using ktest::insn;
using ktest::send_udp;
using ktest::udp_dport_filter;

size_t entries(int map_fd) {
  size_t n = 0;
  uint64_t key = 0, next = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
    ++n;
    key = next;
    prev = &key;
  }
  return n;
}

int count_record(void* ctx, void*, size_t) {
  ++*static_cast<int*>(ctx);
  return 0;
}

struct UdpRun {
  int events = 0;
  size_t tracked = 0, stacks = 0, skb_stacks = 0;
};

// UDP over loopback to a closed port (each datagram is dropped for want of
// a socket), traced on every skb tracepoint with tracking; `lifetime` =
// false leaves out what ends an skb's tracking (the control).
UdpRun trace_udp(uint16_t port, bool track_skb, bool track_stack, bool lifetime) {
  auto btf = kernel::KernelBtf::load();
  bpf::ProgramOptions po;
  po.cfg.output_meta = 1;
  po.cfg.output_tuple = 1;
  po.cfg.filter_pcap = 1;
  po.cfg.track = (track_skb ? PWRU_TRACK_SKB : 0) | (track_stack ? PWRU_TRACK_STACK : 0);
  po.cfg.stack_shift = 14;
  po.pcap_l2 = bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)};
  po.pcap_l3 = bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}};
  po.ringbuf_bytes = 1 << 20;
  po.want_untrack = lifetime;
  auto prog = bpf::CoreProgram::load(po);
  auto backend = attach::make_tracepoint_backend(
      btf->skb_tracepoints(), false, lifetime ? attach::end_of_life_tracepoints() : std::vector<std::string>{});
  attach::TrackingRequest req;
  req.backend = attach::BackendKind::kTracepoint;
  req.track_skb = track_skb;
  req.track_stack = track_stack;
  req.probes = &backend->probes();
  req.tracepoint_nargs = [&](const std::string& tp) { return btf->tracepoint_nargs(tp); };
  attach::Tracker tracker(lifetime ? attach::plan_tracking(req) : attach::TrackingPlan{});
  tracker.attach(*prog);
  if (lifetime) {
    EXPECT_EQ(tracker.attached(), 1u);  // kmem_cache_free; kfree_skb/consume_skb untrack in the backend's entries
  }
  backend->attach(*prog);
  UdpRun r;
  transport::RingReader ring(prog->events_fd(), &count_record, &r.events);
  send_udp(port, 20);
  usleep(200 * 1000);
  backend->detach();
  tracker.detach();
  ring.consume();
  r.tracked = entries(prog->map_fd("pwru_track_skb"));
  r.stacks = entries(prog->map_fd("pwru_stack_skb"));
  r.skb_stacks = entries(prog->map_fd("pwru_skb_stack"));
  return r;
}

}  // namespace

TEST(Tracking, EveryTrackingProgramLoads) {
  bpf::ProgramOptions po;
  po.cfg.filter_pcap = 1;
  po.cfg.output_meta = 1;
  po.cfg.output_tuple = 1;
  po.cfg.output_caller = 1;
  po.cfg.output_stack = 1;
  po.cfg.track = PWRU_TRACK_SKB | PWRU_TRACK_STACK;
  po.cfg.stack_shift = 14;
  po.pcap_l2 = bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(9)};
  po.pcap_l3 = bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}};
  po.want_raw_tp = true;
  po.want_kprobe = true;
  po.want_kprobe_multi = true;
  po.want_untrack = true;
  po.want_track_clones = true;
  po.want_non_skb = true;
  auto prog = bpf::CoreProgram::load(po);
  for (int k = 0; k <= 5; ++k) {
    EXPECT_GE(prog->kprobe_fd(k), 0) << k;
    EXPECT_GE(prog->kprobe_multi_fd(k), 0) << k;
  }
  EXPECT_GE(prog->untrack_fd(1), 0);
  EXPECT_GE(prog->untrack_fd(2), 0);
  EXPECT_GE(prog->untrack_slab_fd(), 0);
  for (bool multi : {false, true})
    for (auto p : {bpf::TrackProg::kCopy, bpf::TrackProg::kCloneEntry, bpf::TrackProg::kCloneReturn})
      EXPECT_GE(prog->track_fd(p, multi), 0) << multi;
}

TEST(Tracking, OffLoadsNoTrackingProgram) {
  bpf::ProgramOptions po;
  po.want_kprobe = true;
  auto prog = bpf::CoreProgram::load(po);
  EXPECT_LT(prog->kprobe_fd(0), 0);
  EXPECT_LT(prog->untrack_fd(1), 0);
  EXPECT_LT(prog->track_fd(bpf::TrackProg::kCopy, false), 0);
  // The maps shrink to one entry each.
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  ASSERT_EQ(bpf_obj_get_info_by_fd(prog->map_fd("pwru_track_skb"), &info, &len), 0);
  EXPECT_EQ(info.max_entries, 1u);
}

TEST(Tracking, FreedSkbsAreForgotten) {
  const UdpRun r = trace_udp(40411, true, false, true);
  EXPECT_GE(r.events, 20);  // each datagram: queued, received, dropped
  EXPECT_EQ(r.tracked, 0u);
}

TEST(Tracking, FreedSkbsAreForgottenByStack) {
  const UdpRun r = trace_udp(40412, true, true, true);
  EXPECT_GE(r.events, 20);
  EXPECT_EQ(r.tracked, 0u);
  EXPECT_EQ(r.stacks, 0u);
  EXPECT_EQ(r.skb_stacks, 0u);
}

// The control: without the lifetime probes the freed skbs stay in the maps
// (so the two tests above can fail).
TEST(Tracking, WithoutLifetimeProbesFreedSkbsStay) {
  const UdpRun r = trace_udp(40413, true, true, false);
  EXPECT_GE(r.events, 20);
  EXPECT_GE(r.tracked, 1u);
  EXPECT_GE(r.skb_stacks, 1u);
}
