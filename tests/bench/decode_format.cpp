// SPDX-License-Identifier: Apache-2.0
//
// Userspace cost per event, from a raw ring buffer record to output text:
// pwru::decode::Decoder (struct pwru_kevent -> struct pwru_event_v1, with
// its process / interface / drop-reason lookups) and then the text or the
// JSON sink's formatter. The records are built here the way the kernel
// program writes them: a few hundred varied events (IPv4/IPv6, TCP/UDP,
// drops with known and unknown reasons, kprobes, tracepoints and a tc
// program, pid 0 and this process, this namespace's interfaces), so every
// cache the decoder keeps is warm, as in a long trace.
//
// Like the host (core/session), events are decoded into a batch of 256
// slots, and each batch is formatted into one buffer (one writer call).
// Reports events/s as items_per_second (CPU time). Figures only: nothing here fails
// on time.
#include <benchmark/benchmark.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "decode/decoder.h"
#include "decode/resolvers.h"
#include "json_format.h"
#include "pcapng_format.h"
#include "pwru_event.h"
#include "text_format.h"

namespace {

using pwru::attach::Probe;
using pwru::decode::Decoder;
using pwru::decode::EventSlot;

constexpr size_t kRecords = 512;
constexpr size_t kBatch = 256;  // core/session's batch size

struct Recording {
  std::vector<Probe> probes;
  std::map<uint64_t, std::string> reasons;
  std::vector<pwru_kevent> records;
  // The same events with packet bytes after each record (output_packet).
  std::vector<std::vector<uint8_t>> packet_records;
  int64_t mono_to_wall = 0;
};

int64_t mono_to_wall_ns() {
  timespec mono{};
  timespec real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  auto ns = [](const timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + static_cast<int64_t>(t.tv_nsec);
  };
  return ns(real) - ns(mono);
}

// This namespace's interfaces, so that every ifindex in the recording
// resolves to a name from the decoder's cache (a miss would rescan
// /proc once a second and measure that instead).
std::vector<uint32_t> local_ifindexes() {
  std::vector<uint32_t> out;
  if (struct if_nameindex* ifs = if_nameindex()) {
    for (auto* p = ifs; p->if_index != 0 && p->if_name != nullptr; ++p) out.push_back(p->if_index);
    if_freenameindex(ifs);
  }
  if (out.empty()) out.push_back(1);
  return out;
}

const Recording& recording() {
  static const Recording rec = [] {
    Recording r;
    r.mono_to_wall = mono_to_wall_ns();
    // probe_id -> probe, as a kprobe-multi + tracepoint + tc session would list them.
    r.probes = {
        Probe{"ip_rcv", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00010ull, 1, 0, {}},
        Probe{"ip_rcv_core", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00020ull, 1, 0, {}},
        Probe{"nf_hook_slow", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00030ull, 1, 0, {}},
        Probe{"ip_output", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00040ull, 3, 0, {}},
        Probe{"ip_finish_output2", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00050ull, 3, 0, {}},
        Probe{"__dev_queue_xmit", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00060ull, 1, 0, {}},
        Probe{"tcp_v4_rcv", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00070ull, 1, 0, {}},
        Probe{"ip6_output", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00080ull, 3, 0, {}},
        Probe{"udp_rcv", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a00090ull, 1, 0, {}},
        Probe{"kfree_skb_reason", PWRU_PROBE_KPROBE_MULTI, 0xffffffff81a000a0ull, 1, 2, {}},
        Probe{"net_dev_queue", PWRU_PROBE_TRACEPOINT, 0, 1, 0, {}},
        Probe{"kfree_skb", PWRU_PROBE_TRACEPOINT, 0, 1, 3, {}},
        Probe{"bpf_prog_e20a685998fd41c8_entry1[bpf]", PWRU_PROBE_TC, 0xffffffffc0001000ull, 1, 0, {}},
    };
    constexpr uint32_t kDropProbes[] = {9, 11};
    // A few values of enum skb_drop_reason; 77 and 999 stay unknown.
    r.reasons = {{2, "SKB_DROP_REASON_NOT_SPECIFIED"},
                 {3, "SKB_DROP_REASON_NO_SOCKET"},
                 {5, "SKB_DROP_REASON_PKT_TOO_SMALL"},
                 {6, "SKB_DROP_REASON_TCP_CSUM"},
                 {8, "SKB_DROP_REASON_NETFILTER_DROP"},
                 {16, "SKB_DROP_REASON_IP_INHDR"},
                 {33, "SKB_DROP_REASON_NEIGH_FAILED"}};
    constexpr uint64_t kReasonValues[] = {2, 3, 8, 8, 8, 16, 33, 77, 999};

    const uint32_t netns = pwru::decode::netns_inode("/proc/self/ns/net");
    const std::vector<uint32_t> ifindexes = local_ifindexes();
    const auto self = static_cast<uint32_t>(getpid());
    uint64_t ts = 1000000000000ull;
    for (size_t i = 0; i < kRecords; ++i) {
      pwru_kevent k{};
      ts += 700 + (i * 37) % 3000;
      k.ts = ts;
      k.skb = 0xffff888100000000ull + (i % 48) * 0x100;  // skbs recur, as in a real flow
      k.flags = PWRU_KEV_META | PWRU_KEV_TUPLE | PWRU_KEV_L2;
      const bool drop = i % 16 == 15;
      if (drop) {
        k.probe_id = kDropProbes[(i / 16) % 2];
        k.flags |= PWRU_KEV_REASON;
        k.reason = kReasonValues[(i / 16) % std::size(kReasonValues)];
      } else {
        k.probe_id = static_cast<uint32_t>(i % 13 == 9 || i % 13 == 11 ? 0 : i % 13);
      }
      k.ip = r.probes[k.probe_id].addr;
      k.caller = 0xffffffff81b00000ull + (i % 7) * 0x40;
      // Softirq (pid 0) and a local process (this one).
      k.pid = i % 3 == 0 ? self : 0;
      std::snprintf(k.comm, sizeof(k.comm), "%s", k.pid == 0 ? "swapper/1" : "bench");
      k.cpu = static_cast<uint32_t>(i % 4);
      k.netns = netns;
      k.mark = i % 5 == 0 ? 0x100 : 0;
      // Mostly named interfaces; every 8th event has no device.
      k.ifindex = i % 8 == 7 ? 0 : ifindexes[i % ifindexes.size()];
      k.len = static_cast<uint32_t>(54 + (i * 97) % 1400);
      k.mtu = 1500;
      auto& t = k.tuple;
      const bool v6 = i % 4 == 3;
      const bool udp = i % 5 == 4;
      t.l4_proto = udp ? 17 : 6;
      t.sport = static_cast<uint16_t>(udp ? 53 : 40000 + i % 500);
      t.dport = static_cast<uint16_t>(udp ? 33000 + i % 100 : 8080);
      t.tcp_flags = udp ? 0 : static_cast<uint8_t>(std::array<uint8_t, 4>{0x02, 0x12, 0x10, 0x18}[i % 4]);
      if (v6) {
        k.protocol = 0x86dd;
        t.l3_proto = 0x86dd;
        const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
        const uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
        std::memcpy(t.saddr, s, 16);
        std::memcpy(t.daddr, d, 16);
        t.saddr[15] = static_cast<uint8_t>(0x10 + i % 32);
      } else {
        k.protocol = 0x0800;
        t.l3_proto = 0x0800;
        const uint8_t s[4] = {198, 51, 100, static_cast<uint8_t>(10 + i % 40)};
        const uint8_t d[4] = {203, 0, 113, static_cast<uint8_t>(1 + i % 3)};
        std::memcpy(t.saddr, s, 4);
        std::memcpy(t.daddr, d, 4);
      }
      k.caplen = 0;
      k.wirelen = k.len + 14;
      r.records.push_back(k);
      // The same event with packet bytes, as --output-pcapng records it:
      // the record is followed by min(wirelen, 256) bytes (snap length 256),
      // every 10th without a MAC header (raw IP).
      pwru_kevent kp = k;
      kp.flags |= PWRU_KEV_PACKET;
      if (i % 10 == 9) kp.flags &= ~PWRU_KEV_L2;
      kp.caplen = std::min<uint32_t>(kp.wirelen, 256);
      std::vector<uint8_t> bytes(sizeof(kp) + PWRU_PKT_BUF);
      std::memcpy(bytes.data(), &kp, sizeof(kp));
      for (size_t b = 0; b < kp.caplen; ++b) bytes[sizeof(kp) + b] = static_cast<uint8_t>(b * 31 + i);
      r.packet_records.push_back(std::move(bytes));
    }
    return r;
  }();
  return rec;
}

// Decodes every record once, so every cache is warm before timing.
void warm_up(Decoder& dec, std::vector<EventSlot>& slots) {
  for (const auto& k : recording().records) dec.decode(&k, sizeof(k), slots[0]);
}

// Runs decode (and `format`, per batch) over the whole recording; with
// `packets`, over the records that carry packet bytes.
template <typename Format>
void run(benchmark::State& state, Format&& format, bool packets = false) {
  const Recording& rec = recording();
  Decoder dec(rec.probes, rec.reasons, rec.mono_to_wall);
  std::vector<EventSlot> slots(kBatch);
  std::vector<const pwru_event_v1*> ptrs;
  ptrs.reserve(kBatch);
  warm_up(dec, slots);
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (size_t i = 0; i < rec.records.size(); i += kBatch) {
      ptrs.clear();
      size_t end = std::min(rec.records.size(), i + kBatch);
      for (size_t j = i; j < end; ++j) {
        EventSlot& slot = slots[j - i];
        const bool ok = packets ? dec.decode(rec.packet_records[j].data(), rec.packet_records[j].size(), slot)
                                : dec.decode(&rec.records[j], sizeof(pwru_kevent), slot);
        if (ok) ptrs.push_back(&slot.ev);
      }
      bytes += format(ptrs);
      benchmark::DoNotOptimize(ptrs.data());
    }
  }
  if (dec.malformed() != 0) state.SkipWithError("the decoder rejected records");
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rec.records.size()));
  if (bytes != 0) state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}

void BM_Decode(benchmark::State& state) {
  run(state, [](const std::vector<const pwru_event_v1*>& evs) {
    benchmark::DoNotOptimize(evs.back());
    return size_t{0};
  });
}
BENCHMARK(BM_Decode);

// The options a default trace with --output-tcp-flags uses (meta + tuple on).
void BM_DecodeText(benchmark::State& state) {
  pwru::text::Options o;
  o.output_tcp_flags = true;
  pwru::text::Formatter f(o);
  fmt::memory_buffer buf;
  run(state, [&](const std::vector<const pwru_event_v1*>& evs) {
    buf.clear();
    for (const pwru_event_v1* ev : evs) f.append_line(*ev, buf);
    benchmark::DoNotOptimize(buf.data());
    return buf.size();
  });
}
BENCHMARK(BM_DecodeText);

void BM_DecodeJson(benchmark::State& state) {
  pwru::json::Options o;
  o.output_tcp_flags = true;
  pwru::json::Formatter f(o);
  fmt::memory_buffer buf;
  run(state, [&](const std::vector<const pwru_event_v1*>& evs) {
    buf.clear();
    for (const pwru_event_v1* ev : evs) f.append_line(*ev, buf);
    benchmark::DoNotOptimize(buf.data());
    return buf.size();
  });
}
BENCHMARK(BM_DecodeJson);

// JSON with every optional field a sink can add today.
void BM_DecodeJsonAllFields(benchmark::State& state) {
  pwru::json::Options o;
  o.output_tcp_flags = true;
  o.output_caller = true;
  o.output_netns_names = true;
  o.timestamp = pwru::json::Timestamp::relative;
  pwru::json::Formatter f(o);
  fmt::memory_buffer buf;
  run(state, [&](const std::vector<const pwru_event_v1*>& evs) {
    buf.clear();
    for (const pwru_event_v1* ev : evs) f.append_line(*ev, buf);
    benchmark::DoNotOptimize(buf.data());
    return buf.size();
  });
}
BENCHMARK(BM_DecodeJsonAllFields);

// Decode of records with packet bytes (the copy out of the ring buffer) alone.
void BM_DecodeWithPackets(benchmark::State& state) {
  run(
      state,
      [](const std::vector<const pwru_event_v1*>& evs) {
        benchmark::DoNotOptimize(evs.back());
        return size_t{0};
      },
      true);
}
BENCHMARK(BM_DecodeWithPackets);

// --output-pcapng: decode + pcapng blocks (IDBs once, an EPB with its
// comment per event), snap length 256, one buffer per batch.
void BM_DecodePcapng(benchmark::State& state) {
  pwru::pcapng::Encoder enc(256);
  pwru::pcapng::Buffer buf;
  enc.begin(buf, "x86_64", "Linux", "pwru bench");
  run(
      state,
      [&](const std::vector<const pwru_event_v1*>& evs) {
        buf.clear();
        for (const pwru_event_v1* ev : evs) enc.append_event(*ev, buf);
        benchmark::DoNotOptimize(buf.data());
        return buf.size();
      },
      true);
  if (enc.skipped() != 0) state.SkipWithError("events without packet bytes");
}
BENCHMARK(BM_DecodePcapng);

}  // namespace

BENCHMARK_MAIN();
