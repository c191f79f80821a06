// SPDX-License-Identifier: Apache-2.0
//
// In-kernel cost per hit of pwru's program, from the kernel's own BPF run
// statistics (BPF_ENABLE_STATS: run_time_ns / run_cnt per program), beside
// floor programs attached to the same tracepoints in the same run:
//   empty    - running any BPF program at all,
//   copy     - reading 256 header bytes of the skb,
//   ringbuf  - reserve + fill + submit one event record.
// Traffic: UDP datagrams over loopback (nothing leaves the machine).
// Prints figures; it never fails on time. Needs root.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "attach/tracking.h"
#include "bpf/core_program.h"
#include "cbpf_to_ebpf.h"
#include "kernel/btf.h"
#include "kernel/raw_tp.h"
#include "kernel/skb_expr.h"
#include "pcap_compiler.h"
#include "transport/ring_reader.h"
#include "util/fd.h"

#include "bench.skel.h"

using namespace pwru;

namespace {

struct Stats {
  uint64_t ns = 0;
  uint64_t cnt = 0;
  void add(int fd) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
      ns += info.run_time_ns;
      cnt += info.run_cnt;
    }
  }
  double per_hit() const { return cnt ? static_cast<double>(ns) / static_cast<double>(cnt) : 0; }
};

bpf::SlotCode pcap_slot(const std::string& expr, cbpf::LinkLayer link) {
  auto r = cbpf::compile_pcap(expr, link);
  if (!r.ok) throw std::runtime_error("pcap: " + r.error);
  return bpf::SlotCode{PWRU_CODE_INSNS, cbpf::to_ebpf(r.insns, PWRU_PKT_BUF)};
}

void send_udp(int n) {
  UniqueFd s(socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char payload[64] = "pwru benchmark";
  for (int i = 0; i < n; ++i)
    sendto(s.get(), payload, sizeof(payload), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
}

int count_record(void* ctx, void*, size_t) {
  ++*static_cast<uint64_t*>(ctx);
  return 0;
}

struct Floors {
  bench_bpf* skel = nullptr;
  std::vector<UniqueFd> links;
  ~Floors() { links.clear(); if (skel) bench_bpf__destroy(skel); }
};

// track: --filter-track-skb (and its lifetime probes, whose cost is
// printed apart: kmem_cache_free runs for every slab free on the machine).

// The test fixture's BPF C filter (skb->len in [args[0], args[1]]), linked
// into pwru's program as a filter plugin's object would be.
std::vector<uint8_t> len_range_object() {
  const std::string path = std::string(PWRU_TEST_FIXTURE_DIR) + "/bpf/len_range.bpf.o";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct LenRange {
  uint64_t min, max;
};

void run(const char* label, const std::string& expr, int packets, std::optional<LenRange> bpf_c = {},
         const pwru_outflags_config* outflags = nullptr, bool track = false) {
  auto btf = kernel::KernelBtf::load();
  // Floors on every tracepoint whose skb is the first argument (the floor
  // programs read args[0]); pwru's program on the same set.
  std::vector<kernel::SkbTracepoint> tps;
  for (auto& t : btf->skb_tracepoints())
    if (t.skb_pos == 1) tps.push_back(t);

  Floors floors;
  floors.skel = bench_bpf__open_and_load();
  if (!floors.skel) throw std::runtime_error("loading bench.bpf.o failed");
  const int empty = bpf_program__fd(floors.skel->progs.pwru_bench_empty);
  const int copy = bpf_program__fd(floors.skel->progs.pwru_bench_copy);
  const int rb = bpf_program__fd(floors.skel->progs.pwru_bench_ringbuf);
  for (auto& t : tps)
    for (int fd : {empty, copy, rb}) {
      int l = kernel::raw_tracepoint_open(t.name, fd, 0);
      if (l >= 0) floors.links.emplace_back(l);
    }

  bpf::ProgramOptions po;
  po.cfg.output_meta = 1;
  po.cfg.output_tuple = 1;
  if (!expr.empty()) {
    po.cfg.filter_pcap = 1;
    po.pcap_l2 = pcap_slot(expr, cbpf::LinkLayer::kEthernet);
    po.pcap_l3 = pcap_slot(expr, cbpf::LinkLayer::kRawIp);
  }
  if (bpf_c) {
    const auto obj = len_range_object();
    po.linked_object = bpf::link_core_with_filter(obj.data(), obj.size());
    po.cfg.filter_bpf = 1;
    po.cfg.bpf_filter_args[0] = bpf_c->min;
    po.cfg.bpf_filter_args[1] = bpf_c->max;
  }
  if (outflags != nullptr) po.ocfg = *outflags;
  po.cfg.track = track ? PWRU_TRACK_SKB : 0;
  po.want_untrack = track;
  auto prog = bpf::CoreProgram::load(po);
  auto backend = attach::make_tracepoint_backend(
      tps, false, track ? attach::end_of_life_tracepoints() : std::vector<std::string>{});
  attach::TrackingRequest req;
  req.backend = attach::BackendKind::kTracepoint;
  req.track_skb = track;
  req.probes = &backend->probes();
  req.tracepoint_nargs = [&](const std::string& tp) { return btf->tracepoint_nargs(tp); };
  attach::Tracker tracker(attach::plan_tracking(req));
  tracker.attach(*prog);
  backend->attach(*prog);

  // Drain both ring buffers while traffic runs, as pwru does.
  uint64_t events = 0, floor_events = 0;
  std::atomic<bool> stop{false};
  transport::RingReader ring(prog->events_fd(), &count_record, &events);
  transport::RingReader fring(bpf_map__fd(floors.skel->maps.bench_events), &count_record, &floor_events);
  std::thread drain([&] {
    while (!stop) {
      epoll_event ev{};
      epoll_wait(ring.epoll_fd(), &ev, 1, 20);
      ring.consume();
      fring.consume();
    }
  });

  UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  auto t0 = std::chrono::steady_clock::now();
  send_udp(packets);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  usleep(50 * 1000);
  Stats sp, se, sc, sr, su;
  const int untrack1 = prog->untrack_fd(1), untrack2 = prog->untrack_fd(2), slab = prog->untrack_slab_fd();
  for (int fd : prog->prog_fds()) (fd == untrack1 || fd == untrack2 || fd == slab ? su : sp).add(fd);
  se.add(empty);
  sc.add(copy);
  sr.add(rb);
  stats.reset();
  backend->detach();
  tracker.detach();
  stop = true;
  drain.join();
  ring.consume();

  std::printf("%-44s pwru %7.1f ns/hit (%8llu hits, %7llu events) | empty %5.1f | copy %6.1f | ringbuf %6.1f ns/hit"
              " | pwru/floor %.2f | %.0f pkt/s\n",
              label, sp.per_hit(), static_cast<unsigned long long>(sp.cnt), static_cast<unsigned long long>(events),
              se.per_hit(), sc.per_hit(), sr.per_hit(),
              sp.per_hit() / (events == 0 ? sc.per_hit() : sc.per_hit() + sr.per_hit() - se.per_hit()),
              packets / secs);
  if (track)
    std::printf("%-44s lifetime probes %5.1f ns/hit (%8llu hits: every kmem_cache_free on the machine)\n", "",
                su.per_hit(), static_cast<unsigned long long>(su.cnt));
}

}  // namespace

int main(int argc, char** argv) {
  int packets = argc > 1 ? std::atoi(argv[1]) : 200000;
  libbpf_set_print(nullptr);
  try {
    std::printf("in-kernel cost per hit (kernel BPF stats), %d UDP datagrams over loopback per run\n", packets);
    std::printf("floor for a filtered-out hit = copy; for an emitted event = copy + ringbuf - empty\n");
    for (int i = 0; i < 2; ++i) {
      run("filtered out: pcap 'host 203.0.113.99'", "host 203.0.113.99", packets);
      run("emitted: pcap 'udp port 9'", "udp port 9", packets);
      run("emitted: no filter (every skb)", "", packets);
      run("filtered out: BPF C skb->len in [5000, 9000]", "", packets, LenRange{5000, 9000});
      run("emitted: BPF C skb->len in [0, 2000]", "", packets, LenRange{0, 2000});
      // Output flags (issue 8): an skb expression filter, and each output.
      auto btf = kernel::KernelBtf::load();
      pwru_outflags_config reject{};
      reject.filter_skb_expr = 1;
      reject.skb_expr = kernel::parse_skb_filter(*btf, "skb->dev->ifindex == 99999").k;
      run("filtered out: skb expr skb->dev->ifindex", "", packets, {}, &reject);
      pwru_outflags_config accept = reject;
      accept.skb_expr = kernel::parse_skb_filter(*btf, "skb->len > 0").k;
      run("emitted: skb expr skb->len > 0", "", packets, {}, &accept);
      pwru_outflags_config md{};
      md.nmetadata = 4;
      md.metadata[0] = kernel::parse_skb_field(*btf, "skb->mark").k;
      md.metadata[1] = kernel::parse_skb_field(*btf, "skb->len").k;
      md.metadata[2] = kernel::parse_skb_field(*btf, "skb->dev->ifindex").k;
      md.metadata[3] = kernel::parse_skb_field(*btf, "skb->dev->nd_net.net->ns.inum").k;
      md.output_skb_cb = 1;
      md.output_tunnel = 1;
      run("emitted: 4 metadata + cb + tunnel", "", packets, {}, &md);
      pwru_outflags_config skb{};
      skb.output_skb_btf = 1;
      run("emitted: --output-skb (bpf_snprintf_btf)", "", packets / 10, {}, &skb);
      skb.output_shinfo_btf = 1;
      run("emitted: --output-skb + shared info", "", packets / 10, {}, &skb);
      run("filtered out, --filter-track-skb", "host 203.0.113.99", packets, {}, nullptr, true);
      run("emitted: pcap 'udp port 9', --filter-track-skb", "udp port 9", packets, {}, nullptr, true);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kernel_cost: %s\n", e.what());
    return 1;
  }
  return 0;
}
