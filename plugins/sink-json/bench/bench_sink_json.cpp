// SPDX-License-Identifier: Apache-2.0
//
// JSON sink throughput, in the spirit of cilium/pwru's BenchmarkOutputPrint
// (meta + tuple + TCP flags, no /proc lookups). Reports events/s as
// items_per_second. Figures only: nothing here fails on time.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sink_json.h"

namespace {

using pwru::json::Formatter;
using pwru::json::Options;
using pwru::json::Timestamp;

// "Recorded-style" events: a mix of functions, skbs, CPUs, interfaces,
// IPv4/IPv6 tuples and TCP flags, like a trace of a few connections.
struct Recorded {
  std::vector<pwru_event_v1> events;
  std::vector<const pwru_event_v1*> ptrs;
};

Recorded make_events(size_t n) {
  static constexpr std::array<const char*, 8> kFuncs = {
      "ip_output", "nf_hook_slow",    "ip_finish_output2", "__dev_queue_xmit",
      "tcp_v4_rcv", "napi_gro_receive", "ip_rcv_core",       "kfree_skb_reason"};
  static constexpr std::array<const char*, 4> kProcs = {"<empty>:0", "/usr/bin/curl:227116",
                                                        "/usr/sbin/nginx:1234", "test-process:1234"};
  static constexpr std::array<const char*, 3> kIfaces = {"eth0", "lo", "veth0a1b2c3"};
  Recorded r;
  r.events.resize(n);
  for (size_t i = 0; i < n; ++i) {
    pwru_event_v1& ev = r.events[i];
    ev = pwru_event_v1{};
    ev.size = sizeof(ev);
    ev.flags = PWRU_EV_META | PWRU_EV_TUPLE;
    ev.skb = 0xffff888012345600ull + (i % 64) * 0x100;
    ev.ktime_ns = 1000000000ull + i * 1500;
    ev.wall_ns = 1714566896000000000ull + i * 1500;
    ev.cpu = static_cast<uint32_t>(i % 8);
    ev.pid = 1234;
    ev.process = kProcs[i % kProcs.size()];
    ev.comm = "curl";
    ev.probe_kind = PWRU_PROBE_KPROBE_MULTI;
    ev.func = kFuncs[i % kFuncs.size()];
    if (i % kFuncs.size() == kFuncs.size() - 1) {
      ev.flags |= PWRU_EV_DROP_REASON;
      ev.drop_reason = 6;
      ev.drop_reason_name = "SKB_DROP_REASON_NETFILTER_DROP";
    }
    ev.netns = 4026531840u;
    ev.mark = (i % 5 == 0) ? 0x100 : 0;
    ev.ifindex = static_cast<uint32_t>(1 + i % kIfaces.size());
    ev.ifname = kIfaces[i % kIfaces.size()];
    ev.len = static_cast<uint32_t>(60 + i % 1400);
    ev.mtu = 1500;
    auto& t = ev.tuple;
    t.sport = static_cast<uint16_t>(40000 + i % 1000);
    t.dport = 80;
    t.l4_proto = 6;
    t.tcp_flags = static_cast<uint8_t>((i % 3 == 0) ? 0x02 : (i % 3 == 1) ? 0x12 : 0x10);
    if (i % 4 == 3) {
      ev.protocol = 0x86dd;
      t.l3_proto = 0x86dd;
      const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
      const uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
      std::memcpy(t.saddr, s, 16);
      std::memcpy(t.daddr, d, 16);
    } else {
      ev.protocol = 0x0800;
      t.l3_proto = 0x0800;
      const uint8_t s[4] = {198, 51, 100, static_cast<uint8_t>(10 + i % 20)};
      const uint8_t d[4] = {203, 0, 113, 20};
      std::memcpy(t.saddr, s, 4);
      std::memcpy(t.daddr, d, 4);
    }
  }
  for (const auto& ev : r.events) r.ptrs.push_back(&ev);
  return r;
}

Options bench_options(Timestamp ts = Timestamp::none) {
  Options o;
  o.output_meta = true;
  o.output_tuple = true;
  o.output_tcp_flags = true;
  o.timestamp = ts;
  return o;
}

// pwru's exact benchmark event, printed over and over (one line per iteration).
void BM_FormatOnePwruEvent(benchmark::State& state) {
  pwru_event_v1 ev{};
  ev.size = sizeof(ev);
  ev.flags = PWRU_EV_META | PWRU_EV_TUPLE;
  ev.skb = 0xffff888012345678ull;
  ev.ktime_ns = 1000000000;
  ev.process = "test-process:1234";
  ev.func = "test_function";
  ev.netns = 4026531840u;
  ev.mark = 0x100;
  ev.ifindex = 2;
  ev.ifname = "eth0";
  ev.protocol = 0x0800;
  ev.mtu = 1500;
  ev.len = 64;
  const uint8_t s[4] = {192, 168, 1, 10};
  const uint8_t d[4] = {192, 168, 1, 20};
  std::memcpy(ev.tuple.saddr, s, 4);
  std::memcpy(ev.tuple.daddr, d, 4);
  ev.tuple.sport = 12345;
  ev.tuple.dport = 80;
  ev.tuple.l3_proto = 0x0800;
  ev.tuple.l4_proto = 6;
  ev.tuple.tcp_flags = 0x12;

  Formatter f(bench_options());
  fmt::memory_buffer buf;
  for (auto _ : state) {
    buf.clear();
    f.append_line(ev, buf);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buf.size()));
}
BENCHMARK(BM_FormatOnePwruEvent);

// N recorded-style events formatted into one buffer (what write() does).
void BM_FormatBatch(benchmark::State& state, Timestamp ts) {
  const auto n = static_cast<size_t>(state.range(0));
  Recorded r = make_events(n);
  Formatter f(bench_options(ts));
  fmt::memory_buffer buf;
  size_t bytes = 0;
  for (auto _ : state) {
    buf.clear();
    for (const auto& ev : r.events) f.append_line(ev, buf);
    bytes = buf.size();
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
BENCHMARK_CAPTURE(BM_FormatBatch, none, Timestamp::none)->Arg(1)->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(BM_FormatBatch, relative, Timestamp::relative)->Arg(1024);
BENCHMARK_CAPTURE(BM_FormatBatch, absolute, Timestamp::absolute)->Arg(1024);

int discard_write(void* /*ctx*/, const void* buf, size_t /*len*/) {
  benchmark::DoNotOptimize(buf);
  return 0;
}
int fd_write(void* ctx, const void* buf, size_t len) {
  int fd = *static_cast<int*>(ctx);
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t w = ::write(fd, p, len);
    if (w < 0) return -errno;
    p += w;
    len -= static_cast<size_t>(w);
  }
  return 0;
}

// The whole plugin path: JsonSink::write() of a batch, one writer call.
void run_sink(benchmark::State& state, pwru_writer_v1 out) {
  const auto n = static_cast<size_t>(state.range(0));
  Recorded r = make_events(n);
  pwru::sdk::Config cfg("output-tcp-flags = true", "bench");
  pwru::sdk::Host host(nullptr, "json");
  pwru::json::JsonSink sink(host, cfg);
  pwru_session_v1 session{};
  session.size = sizeof(session);
  session.out = &out;
  sink.open(session);
  for (auto _ : state) sink.write(r.ptrs);
  sink.close();
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

void BM_SinkWriteDiscard(benchmark::State& state) {
  pwru_writer_v1 out{};
  out.size = sizeof(out);
  out.write = &discard_write;
  run_sink(state, out);
}
BENCHMARK(BM_SinkWriteDiscard)->Arg(1)->Arg(64)->Arg(1024);

void BM_SinkWriteDevNull(benchmark::State& state) {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  pwru_writer_v1 out{};
  out.size = sizeof(out);
  out.ctx = &fd;
  out.write = &fd_write;
  run_sink(state, out);
  ::close(fd);
}
BENCHMARK(BM_SinkWriteDevNull)->Arg(1)->Arg(64)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
