// SPDX-License-Identifier: Apache-2.0
// Output flags (issue 8) in the real kernel program: --filter-skb-expr,
// --output-skb-metadata, --output-skb(-shared-info), --output-skb-cb and the
// tunnel slots, on loopback UDP sent with and without SO_MARK.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "bpf/core_program.h"
#include "decode/decoder.h"
#include "kernel/btf.h"
#include "kernel/skb_expr.h"
#include "kernel_test_util.h"
#include "transport/ring_reader.h"

using namespace pwru;

namespace {

using ktest::insn;
using ktest::send_udp;
using ktest::udp_dport_filter;

struct Event {
  std::string func;
  uint32_t flags = 0;
  uint32_t mark = 0, len = 0, ifindex = 0;
  std::vector<std::string> md_text;
  std::vector<uint64_t> md_raw;
  std::string skb_btf, shinfo_btf;
  pwru_tuple_v1 tunnel{};
};

struct Collected {
  decode::Decoder* dec;
  uint16_t port;
  std::vector<Event> events;
};

int on_record(void* ctx, void* data, size_t size) {
  auto* c = static_cast<Collected*>(ctx);
  auto slot = std::make_unique<decode::EventSlot>();
  if (!c->dec->decode(data, size, *slot)) return 0;
  const auto& ev = slot->ev;
  if (!(ev.flags & PWRU_EV_TUPLE) || ev.tuple.dport != c->port) return 0;
  Event e;
  e.func = ev.func;
  e.flags = ev.flags;
  e.mark = ev.mark;
  e.len = ev.len;
  e.ifindex = ev.ifindex;
  for (uint32_t i = 0; (ev.flags & PWRU_EV_SKB_METADATA) && i < ev.nskb_metadata; ++i) {
    e.md_text.emplace_back(ev.skb_metadata_text[i]);
    e.md_raw.push_back(ev.skb_metadata_raw[i]);
  }
  if (ev.flags & PWRU_EV_SKB_BTF) e.skb_btf = ev.skb_btf;
  if (ev.flags & PWRU_EV_SHINFO_BTF) e.shinfo_btf = ev.shinfo_btf;
  if (ev.flags & PWRU_EV_TUNNEL) e.tunnel = ev.tunnel_tuple;
  c->events.push_back(std::move(e));
  return 0;
}

struct TraceSetup {
  pwru_outflags_config ocfg{};
  std::vector<kernel::SkbExpr> metadata;
  std::optional<bpf::SlotCode> tunnel_l2, tunnel_l3;
};

std::vector<Event> trace(TraceSetup& r, uint16_t port, size_t payload) {
  auto btf = kernel::KernelBtf::load();
  bpf::ProgramOptions po;
  po.cfg.output_meta = 1;
  po.cfg.output_tuple = 1;
  po.cfg.filter_pcap = 1;
  po.pcap_l2 = bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)};
  po.pcap_l3 = bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}};
  po.ringbuf_bytes = 4 << 20;
  r.ocfg.nmetadata = static_cast<uint8_t>(r.metadata.size());
  for (size_t i = 0; i < r.metadata.size(); ++i) r.ocfg.metadata[i] = r.metadata[i].k;
  po.ocfg = r.ocfg;
  po.tunnel_l2 = r.tunnel_l2;
  po.tunnel_l3 = r.tunnel_l3;
  auto prog = bpf::CoreProgram::load(po);
  auto backend = attach::make_tracepoint_backend(btf->skb_tracepoints(), false);
  backend->attach(*prog);
  decode::Decoder dec(backend->probes(), btf->drop_reasons(), 0);
  dec.set_record_regions(false, false);
  decode::MetadataSpec ms;
  std::vector<uint32_t> types;
  for (const auto& m : r.metadata) {
    ms.exprs.push_back(m.path);
    ms.names.push_back(m.last);
    types.push_back(m.type_id);
  }
  const kernel::KernelBtf* kb = btf.get();
  ms.format = [kb, types](size_t i, uint64_t raw) { return kernel::format_skb_value(*kb, types.at(i), raw); };
  dec.set_outflags(r.ocfg, std::move(ms));
  Collected c{&dec, port, {}};
  transport::RingReader ring(prog->events_fd(), &on_record, &c);
  send_udp(port, 3, 0, payload);     // unmarked
  send_udp(port, 3, 0x2a, payload);  // marked 42
  usleep(100 * 1000);
  backend->detach();
  ring.consume();
  return c.events;
}

}  // namespace

TEST(OutflagsKernel, SkbExprFilterAndMetadataMatchTheMetaColumns) {
  auto btf = kernel::KernelBtf::load();
  const uint16_t port = 40511;
  TraceSetup r;
  r.ocfg.filter_skb_expr = 1;
  r.ocfg.skb_expr = kernel::parse_skb_filter(*btf, "skb->mark == 0x2a").k;
  r.metadata = {kernel::parse_skb_field(*btf, "skb->mark"), kernel::parse_skb_field(*btf, "skb->len"),
                kernel::parse_skb_field(*btf, "skb->dev->ifindex"),
                kernel::parse_skb_field(*btf, "skb->dev->nd_net.net->ns.inum")};
  auto evs = trace(r, port, 137);
  ASSERT_GE(evs.size(), 6u);  // 3 marked packets: queued and received at least
  std::map<std::string, int> funcs;
  for (const auto& e : evs) {
    funcs[e.func]++;
    // Only the marked packets got through the kernel-side expression filter.
    EXPECT_EQ(e.mark, 0x2au) << e.func;
    ASSERT_EQ(e.md_text.size(), 4u);
    EXPECT_EQ(e.md_text[0], "42");
    EXPECT_EQ(e.md_text[1], std::to_string(e.len)) << e.func;
    // The device: loopback (ifindex 1), or none (dev NULL: the value stays 0).
    EXPECT_EQ(e.md_raw[2], e.ifindex) << e.func;
    if (e.ifindex != 0) {
      EXPECT_EQ(e.md_text[2], "1") << e.func;
      EXPECT_NE(e.md_raw[3], 0u) << e.func;  // the device's netns inode
    }
  }
  EXPECT_GE(funcs["net_dev_queue"], 3);
}

TEST(OutflagsKernel, BtfTextOfSkbAndSharedInfoInTheRecord) {
  auto btf = kernel::KernelBtf::load();
  ASSERT_TRUE(kernel::has_bpf_helper(*btf, "snprintf_btf"));
  const uint16_t port = 40512;
  TraceSetup r;
  r.ocfg.output_skb_btf = 1;
  r.ocfg.output_shinfo_btf = 1;
  r.ocfg.output_skb_cb = 1;
  r.ocfg.filter_skb_expr = 1;
  r.ocfg.skb_expr = kernel::parse_skb_filter(*btf, "skb->mark == 42").k;
  auto evs = trace(r, port, 99);
  ASSERT_GE(evs.size(), 3u);
  for (const auto& e : evs) {
    ASSERT_TRUE(e.flags & PWRU_EV_SKB_BTF) << e.func;
    ASSERT_TRUE(e.flags & PWRU_EV_SHINFO_BTF) << e.func;
    EXPECT_TRUE(e.flags & PWRU_EV_SKB_CB) << e.func;
    EXPECT_EQ(e.skb_btf.rfind("(struct sk_buff){", 0), 0u) << e.skb_btf.substr(0, 80);
    // The dump's own len and mark agree with the meta columns.
    EXPECT_NE(e.skb_btf.find(".len = (unsigned int)" + std::to_string(e.len) + ","), std::string::npos)
        << e.func << " len " << e.len << "\n" << e.skb_btf;
    EXPECT_NE(e.skb_btf.find(".mark = (__u32)42,"), std::string::npos) << e.skb_btf;
    EXPECT_EQ(e.shinfo_btf.rfind("(struct skb_shared_info){", 0), 0u) << e.shinfo_btf.substr(0, 80);
  }
}

TEST(OutflagsKernel, TunnelSlotsLetPacketsWithoutInnerHeadersThrough) {
  // Loopback UDP has no inner headers: a tunnel filter that rejects every
  // inner packet still lets it through (cilium/pwru's filter_pcap_tunnel_l2),
  // and --output-tunnel gives a zero inner tuple.
  const uint16_t port = 40513;
  TraceSetup r;
  r.ocfg.filter_tunnel = 1;
  r.ocfg.output_tunnel = 1;
  r.tunnel_l2 = bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}};
  r.tunnel_l3 = bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}};
  auto evs = trace(r, port, 10);
  ASSERT_GE(evs.size(), 6u);  // marked and unmarked: no skb filter here
  for (const auto& e : evs) {
    EXPECT_TRUE(e.flags & PWRU_EV_TUNNEL) << e.func;
    EXPECT_EQ(e.tunnel.l3_proto, 0) << e.func;
  }
}
