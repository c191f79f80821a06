// SPDX-License-Identifier: Apache-2.0
// Decoder: ring buffer records -> pwru_event_v1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "decode/decoder.h"

using pwru::attach::Probe;
using pwru::decode::Decoder;
using pwru::decode::EventSlot;

namespace {

std::vector<Probe> probes() {
  return {Probe{"net_dev_queue", PWRU_PROBE_TRACEPOINT, 0, 1, 0},
          Probe{"kfree_skb", PWRU_PROBE_TRACEPOINT, 0, 1, 3}};
}

pwru_kevent record() {
  pwru_kevent k{};
  k.ts = 1000;
  k.skb = 0xffff888100000000ULL;
  k.probe_id = 1;
  k.flags = PWRU_KEV_META | PWRU_KEV_TUPLE | PWRU_KEV_REASON | PWRU_KEV_L2;
  k.reason = 6;
  k.pid = static_cast<uint32_t>(getpid());
  k.cpu = 3;
  k.netns = 4026531840u;
  k.mark = 0xab;
  k.ifindex = 1;
  k.len = 60;
  k.mtu = 1500;
  k.protocol = 0x0800;
  uint8_t s[4] = {198, 51, 100, 1}, d[4] = {198, 51, 100, 10};
  std::memcpy(k.tuple.saddr, s, 4);
  std::memcpy(k.tuple.daddr, d, 4);
  k.tuple.sport = 40000;
  k.tuple.dport = 8080;
  k.tuple.l3_proto = 0x0800;
  k.tuple.l4_proto = 6;
  k.tuple.tcp_flags = 0x02;
  std::strcpy(k.comm, "curl");
  k.caplen = 54;
  k.wirelen = 74;
  return k;
}

}  // namespace

TEST(Decoder, DecodesEveryField) {
  auto p = probes();
  Decoder dec(p, {{6, "SKB_DROP_REASON_NETFILTER_DROP"}}, 5000);
  pwru_kevent k = record();
  EventSlot slot;
  ASSERT_TRUE(dec.decode(&k, sizeof(k), slot));
  const pwru_event_v1& ev = slot.ev;
  EXPECT_EQ(ev.size, sizeof(pwru_event_v1));
  EXPECT_EQ(ev.skb, k.skb);
  EXPECT_EQ(ev.ktime_ns, 1000u);
  EXPECT_EQ(ev.wall_ns, 6000u);
  EXPECT_EQ(ev.cpu, 3u);
  EXPECT_STREQ(ev.func, "kfree_skb");
  EXPECT_EQ(ev.probe_kind, static_cast<uint32_t>(PWRU_PROBE_TRACEPOINT));
  EXPECT_TRUE(ev.flags & PWRU_EV_DROP_REASON);
  EXPECT_STREQ(ev.drop_reason_name, "SKB_DROP_REASON_NETFILTER_DROP");
  EXPECT_TRUE(ev.flags & PWRU_EV_META);
  EXPECT_EQ(ev.mark, 0xabu);
  EXPECT_EQ(ev.protocol, 0x0800);
  EXPECT_STREQ(ev.comm, "curl");
  // Our own pid: the process resolves to this test binary.
  std::string proc = ev.process;
  EXPECT_NE(proc.find("pwru_unit_tests:" + std::to_string(getpid())), std::string::npos) << proc;
  EXPECT_TRUE(ev.flags & PWRU_EV_TUPLE);
  EXPECT_EQ(ev.tuple.dport, 8080);
  EXPECT_EQ(ev.tuple.daddr[3], 10);
  EXPECT_EQ(ev.linktype, static_cast<uint32_t>(PWRU_LINKTYPE_ETHERNET));
  EXPECT_EQ(ev.caplen, 54u);
  EXPECT_EQ(ev.wirelen, 74u);
  EXPECT_FALSE(ev.flags & PWRU_EV_PACKET);
}

TEST(Decoder, UnknownReasonAndPid0) {
  auto p = probes();
  Decoder dec(p, {}, 0);
  pwru_kevent k = record();
  k.pid = 0;
  k.reason = 999;
  EventSlot slot;
  ASSERT_TRUE(dec.decode(&k, sizeof(k), slot));
  EXPECT_EQ(slot.ev.drop_reason, 999u);
  EXPECT_EQ(slot.ev.drop_reason_name, nullptr);
  EXPECT_STREQ(slot.ev.process, "<empty>:0");
}

TEST(Decoder, PacketBytesAreCopiedOutOfTheRecord) {
  auto p = probes();
  Decoder dec(p, {}, 0);
  std::vector<uint8_t> buf(sizeof(pwru_kevent) + PWRU_PKT_BUF, 0);
  pwru_kevent k = record();
  k.flags |= PWRU_KEV_PACKET;
  std::memcpy(buf.data(), &k, sizeof(k));
  for (uint32_t i = 0; i < k.caplen; ++i) buf[sizeof(k) + i] = static_cast<uint8_t>(i);
  EventSlot slot;
  ASSERT_TRUE(dec.decode(buf.data(), buf.size(), slot));
  std::fill(buf.begin(), buf.end(), 0xee);  // the kernel reuses the memory
  ASSERT_TRUE(slot.ev.flags & PWRU_EV_PACKET);
  EXPECT_EQ(slot.ev.packet[53], 53);
  EXPECT_STREQ(slot.ev.comm, "curl");
}

TEST(Decoder, RejectsMalformedRecords) {
  auto p = probes();
  Decoder dec(p, {}, 0);
  EventSlot slot;
  pwru_kevent k = record();
  EXPECT_FALSE(dec.decode(&k, sizeof(k) - 1, slot));
  k.probe_id = 2;
  EXPECT_FALSE(dec.decode(&k, sizeof(k), slot));
  k.probe_id = 0;
  k.caplen = PWRU_PKT_BUF + 1;
  EXPECT_FALSE(dec.decode(&k, sizeof(k), slot));
  EXPECT_EQ(dec.malformed(), 3u);
}

// With an output flag that has a per-record region (here the cb words), an
// skb record carries it after the core's; a record that lacks it is counted
// as malformed. An XDP record carries the region too, with no cb in it
// (--filter-trace-tc turns the cb column on; with --filter-trace-xdp its
// XDP events must decode cleanly).
TEST(Decoder, OutflagsRegionAndXdpRecords) {
  const std::vector<Probe> p = {Probe{"net_dev_queue", PWRU_PROBE_TRACEPOINT, 0, 1, 0},
                                Probe{"bpf_prog_0123456789abcdef_x[bpf]", PWRU_PROBE_XDP, 0, 1, 0}};
  Decoder dec(p, {}, 0);
  pwru_outflags_config ocfg{};
  ocfg.output_skb_cb = 1;
  dec.set_outflags(ocfg, {});
  pwru_kevent k = record();
  k.probe_id = 0;
  pwru_kext x{};
  x.flags = PWRU_KEXT_CB;
  x.cb[0] = 0x7c7c0001;
  x.cb[4] = 0x7c7c0005;
  std::vector<uint8_t> buf(sizeof(k) + PWRU_OUTFLAGS_BYTES(&ocfg), 0);
  std::memcpy(buf.data(), &k, sizeof(k));
  std::memcpy(buf.data() + sizeof(k), &x, sizeof(x));
  EventSlot slot;
  ASSERT_TRUE(dec.decode(buf.data(), buf.size(), slot));
  ASSERT_TRUE(slot.ev.flags & PWRU_EV_SKB_CB);
  EXPECT_EQ(slot.ev.skb_cb[0], 0x7c7c0001u);
  EXPECT_EQ(slot.ev.skb_cb[4], 0x7c7c0005u);
  EXPECT_EQ(dec.malformed(), 0u);

  // An skb record cut short: the event stays, without cb, and is counted.
  ASSERT_TRUE(dec.decode(&k, sizeof(k), slot));
  EXPECT_FALSE(slot.ev.flags & PWRU_EV_SKB_CB);
  EXPECT_EQ(dec.malformed(), 1u);

  // An XDP record: the region with no cb flag (handle_xdp zeroes it).
  k.probe_id = 1;
  std::vector<uint8_t> xbuf(sizeof(k) + PWRU_OUTFLAGS_BYTES(&ocfg), 0);
  std::memcpy(xbuf.data(), &k, sizeof(k));
  ASSERT_TRUE(dec.decode(xbuf.data(), xbuf.size(), slot));
  EXPECT_EQ(slot.ev.probe_kind, static_cast<uint32_t>(PWRU_PROBE_XDP));
  EXPECT_FALSE(slot.ev.flags & PWRU_EV_SKB_CB);
  EXPECT_EQ(dec.malformed(), 1u);
}

// The output-flags region: skb events carry the --output-skb-metadata
// values, XDP events (PWRU_PROBE_XDP) the --output-xdp-metadata ones in the
// same slots, with no skb cb; both records have the same size.
TEST(Decoder, XdpEventsCarryTheXdpMetadata) {
  std::vector<Probe> p = {Probe{"kfree_skb", PWRU_PROBE_TRACEPOINT, 0, 1, 0},
                          Probe{"bpf_prog_0123456789abcdef_f[bpf]", PWRU_PROBE_XDP, 0, 1, 0}};
  Decoder dec(p, {}, 0);
  pwru_outflags_config ocfg{};
  ocfg.output_skb_cb = 1;
  ocfg.nmetadata = 1;
  ocfg.nxdp_metadata = 2;
  pwru::decode::MetadataSpec skb_md{{"skb->mark"}, {"mark"}, [](size_t i, uint64_t v) {
                                      return "s" + std::to_string(i) + ":" + std::to_string(v);
                                    }};
  pwru::decode::MetadataSpec xdp_md{{"xdp->rxq->dev->ifindex", "xdp->frame_sz"},
                                    {"ifindex", "frame_sz"},
                                    [](size_t i, uint64_t v) { return "x" + std::to_string(i) + ":" + std::to_string(v); }};
  dec.set_outflags(ocfg, std::move(skb_md), std::move(xdp_md));
  const size_t size = sizeof(pwru_kevent) + PWRU_OUTFLAGS_BYTES(&ocfg);
  ASSERT_EQ(size, sizeof(pwru_kevent) + sizeof(pwru_kext));

  auto rec = [&](uint32_t probe_id, const pwru_kext& x) {
    std::vector<uint8_t> buf(size, 0);
    pwru_kevent k = record();
    k.probe_id = probe_id;
    std::memcpy(buf.data(), &k, sizeof(k));
    std::memcpy(buf.data() + sizeof(k), &x, sizeof(x));
    return buf;
  };
  pwru_kext sx{};
  sx.flags = PWRU_KEXT_CB | PWRU_KEXT_METADATA;
  sx.cb[0] = 7;
  sx.metadata[0] = 42;
  pwru_kext xx{};
  xx.flags = PWRU_KEXT_METADATA;
  xx.metadata[0] = 3;
  xx.metadata[1] = 4096;

  EventSlot slot;
  auto sb = rec(0, sx);
  ASSERT_TRUE(dec.decode(sb.data(), sb.size(), slot));
  ASSERT_TRUE(slot.ev.flags & PWRU_EV_SKB_CB);
  EXPECT_EQ(slot.ev.skb_cb[0], 7u);
  ASSERT_TRUE(slot.ev.flags & PWRU_EV_SKB_METADATA);
  ASSERT_EQ(slot.ev.nskb_metadata, 1u);
  EXPECT_STREQ(slot.ev.skb_metadata_exprs[0], "skb->mark");
  EXPECT_STREQ(slot.ev.skb_metadata_names[0], "mark");
  EXPECT_STREQ(slot.ev.skb_metadata_text[0], "s0:42");

  auto xb = rec(1, xx);
  ASSERT_TRUE(dec.decode(xb.data(), xb.size(), slot));
  EXPECT_FALSE(slot.ev.flags & PWRU_EV_SKB_CB);
  ASSERT_TRUE(slot.ev.flags & PWRU_EV_SKB_METADATA);
  ASSERT_EQ(slot.ev.nskb_metadata, 2u);
  EXPECT_STREQ(slot.ev.skb_metadata_exprs[0], "xdp->rxq->dev->ifindex");
  EXPECT_STREQ(slot.ev.skb_metadata_names[1], "frame_sz");
  EXPECT_EQ(slot.ev.skb_metadata_raw[1], 4096u);
  EXPECT_STREQ(slot.ev.skb_metadata_text[0], "x0:3");
  EXPECT_STREQ(slot.ev.skb_metadata_text[1], "x1:4096");
  EXPECT_EQ(dec.malformed(), 0u);

  // A record without the region (what handle_xdp used to submit) is
  // counted as malformed and shows no output-flag data.
  ASSERT_TRUE(dec.decode(xb.data(), sizeof(pwru_kevent), slot));
  EXPECT_FALSE(slot.ev.flags & PWRU_EV_SKB_METADATA);
  EXPECT_EQ(dec.malformed(), 1u);
}
