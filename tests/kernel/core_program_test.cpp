// SPDX-License-Identifier: Apache-2.0
// The real kernel program, loaded with spliced filter code, attached to the
// skb tracepoints, fed real loopback packets, read back from the ring.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "bpf/core_program.h"
#include "decode/decoder.h"
#include "kernel/btf.h"
#include "kernel/kallsyms.h"
#include "kernel_test_util.h"
#include "transport/ring_reader.h"
#include "util/error.h"

using namespace pwru;

namespace {

using ktest::insn;
using ktest::send_udp;
using ktest::udp_dport_filter;

struct Collected {
  decode::Decoder* dec;
  std::map<std::string, int> by_func;
  int total = 0;
  int other_port = 0;
  uint16_t port = 0;
  // Packet bytes of the port's net_dev_queue events (output_packet runs).
  std::vector<std::vector<uint8_t>> queued;
  std::vector<uint32_t> queued_wirelen;
  uint32_t max_caplen = 0;
  int without_packet = 0;
  // Per event of `port`: its function, its stack (with_stack runs) and the
  // UDP destination port read back from its packet bytes (output_packet).
  struct Seen {
    std::string func;
    std::vector<std::string> stack;
    int packet_dport = -1;
  };
  std::vector<Seen> seen;
};

// The UDP destination port in captured bytes (Ethernet or raw IP), or -1.
int udp_dport_of(const pwru_event_v1& ev) {
  if (!(ev.flags & PWRU_EV_PACKET)) return -1;
  size_t off = ev.linktype == PWRU_LINKTYPE_ETHERNET ? 14 : 0;
  if (ev.caplen < off + 20 || (ev.packet[off] >> 4) != 4) return -1;
  size_t l4 = off + (ev.packet[off] & 0xf) * 4u;
  if (ev.caplen < l4 + 4) return -1;
  return ev.packet[l4 + 2] << 8 | ev.packet[l4 + 3];
}

int on_record(void* ctx, void* data, size_t size) {
  auto* c = static_cast<Collected*>(ctx);
  decode::EventSlot slot;
  if (!c->dec->decode(data, size, slot)) return 0;
  const auto& ev = slot.ev;
  ++c->total;
  if (!(ev.flags & PWRU_EV_TUPLE) || ev.tuple.dport != c->port) {
    ++c->other_port;
    return 0;
  }
  std::string f = ev.func;
  c->max_caplen = std::max(c->max_caplen, ev.caplen);
  if (!(ev.flags & PWRU_EV_PACKET)) ++c->without_packet;
  if (f == "net_dev_queue" && (ev.flags & PWRU_EV_PACKET) && ev.linktype == PWRU_LINKTYPE_ETHERNET) {
    c->queued.emplace_back(ev.packet, ev.packet + ev.caplen);
    c->queued_wirelen.push_back(ev.wirelen);
  }
  if (ev.flags & PWRU_EV_DROP_REASON && ev.drop_reason_name) f += std::string("(") + ev.drop_reason_name + ")";
  c->by_func[f]++;
  Collected::Seen seen{ev.func, {}, udp_dport_of(ev)};
  for (uint32_t i = 0; (ev.flags & PWRU_EV_STACK) && i < ev.nstack; ++i) seen.stack.emplace_back(ev.stack_syms[i]);
  c->seen.push_back(std::move(seen));
  return 0;
}

// A BPF C filter (plugin ABI 1.3) to link in: the fixture object's bytes
// and its arguments.
struct LinkedFilter {
  std::vector<uint8_t> object;
  std::array<uint64_t, 4> args{};
};

Collected trace(std::optional<bpf::SlotCode> l2, std::optional<bpf::SlotCode> l3, uint16_t port,
                bool per_tp_programs = false, uint32_t snaplen = 0, bool with_stack = false,
                const LinkedFilter* bpf_filter = nullptr) {
  auto btf = kernel::KernelBtf::load();
  bpf::ProgramOptions po;
  if (bpf_filter != nullptr) {
    po.linked_object = bpf::link_core_with_filter(bpf_filter->object.data(), bpf_filter->object.size());
    po.cfg.filter_bpf = 1;
    for (size_t i = 0; i < 4; ++i) po.cfg.bpf_filter_args[i] = bpf_filter->args[i];
  }
  if (snaplen != 0) {
    po.cfg.output_packet = 1;
    po.cfg.snaplen = snaplen;
  }
  po.cfg.output_meta = 1;
  po.cfg.output_tuple = 1;
  po.cfg.filter_pcap = 1;
  po.pcap_l2 = std::move(l2);
  po.pcap_l3 = std::move(l3);
  po.ringbuf_bytes = 1 << 20;
  po.raw_tp_instances = per_tp_programs;
  po.cfg.output_stack = with_stack;
  auto prog = bpf::CoreProgram::load(po);
  auto backend = attach::make_tracepoint_backend(btf->skb_tracepoints(), per_tp_programs);
  backend->attach(*prog);
  decode::Decoder dec(backend->probes(), btf->drop_reasons(), 0);
  dec.set_record_regions(snaplen != 0, with_stack);
  if (with_stack) dec.enable_symbols(std::make_shared<const kernel::Kallsyms>(kernel::Kallsyms::load()));
  Collected c{&dec, {}, 0, 0, port, {}, {}, 0, 0, {}};
  transport::RingReader ring(prog->events_fd(), &on_record, &c);
  send_udp(port, 5);
  usleep(100 * 1000);
  backend->detach();
  ring.consume();
  return c;
}

LinkedFilter len_range(uint64_t min, uint64_t max) {
  const std::string path = std::string(PWRU_TEST_FIXTURE_DIR) + "/bpf/len_range.bpf.o";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}, {min, max, 0, 0}};
}

}  // namespace

TEST(CoreProgram, SplicedFilterSelectsOnePortOnLoopback) {
  const uint16_t port = 40404;
  Collected c = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                      bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port);
  // Loopback UDP to a closed port: it is queued on lo, received, and
  // dropped for want of a socket.
  EXPECT_GE(c.by_func["net_dev_queue"], 5);
  EXPECT_GE(c.by_func["netif_rx"] + c.by_func["netif_receive_skb"], 5);
  bool dropped = false;
  for (auto& [f, n] : c.by_func)
    if (f.rfind("kfree_skb(", 0) == 0) dropped = true;
  EXPECT_TRUE(dropped);
  // The filter let nothing else through.
  EXPECT_EQ(c.other_port, 0);
}

// Kernels before 6.10 have no raw tracepoint cookies: there every
// tracepoint gets a copy of the entry program with its cookie spliced in as
// a constant. The same trace must come out (this kernel runs both modes).
TEST(CoreProgram, PerTracepointProgramsWithoutCookiesGiveTheSameTrace) {
  const uint16_t port = 40407;
  Collected c = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                      bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port, /*per_tp_programs=*/true);
  EXPECT_GE(c.by_func["net_dev_queue"], 5);
  EXPECT_GE(c.by_func["netif_rx"] + c.by_func["netif_receive_skb"], 5);
  bool dropped = false;
  for (auto& [f, n] : c.by_func)
    if (f.rfind("kfree_skb(", 0) == 0 && f.find("SKB_DROP_REASON_") != std::string::npos) dropped = true;
  EXPECT_TRUE(dropped) << "the drop reason position must come through the built-in cookie";
  EXPECT_EQ(c.other_port, 0);
}

// --output-stack with packet bytes: each record carries its own stack
// (bpf_get_stack into the record, after the packet region), so every event
// gets the stack of its own hit, never another event's.
TEST(CoreProgram, EachEventCarriesItsOwnStackAndPacket) {
  const uint16_t port = 40406;
  Collected c = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                      bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port, false, PWRU_PKT_BUF, true);
  ASSERT_GE(c.seen.size(), 10u);
  auto has = [](const std::vector<std::string>& st, std::string_view frag) {
    for (const auto& f : st)
      if (f.find(frag) != std::string::npos) return true;
    return false;
  };
  int queued = 0, dropped = 0;
  for (const auto& e : c.seen) {
    EXPECT_EQ(e.packet_dport, port) << e.func;
    ASSERT_GE(e.stack.size(), 3u) << e.func;
    EXPECT_FALSE(e.stack[0].ends_with("[bpf]") || e.stack[0].starts_with("bpf_trace_run")) << e.stack[0];
    // Each tracepoint's stack shows the function that fires it.
    if (e.func == "net_dev_queue") {
      EXPECT_TRUE(has(e.stack, "__dev_queue_xmit")) << e.stack[0];
      ++queued;
    }
    if (e.func == "kfree_skb") {
      EXPECT_TRUE(has(e.stack, "udp")) << e.stack[0];  // freed on the way through UDP's receive path
      ++dropped;
    }
  }
  EXPECT_GE(queued, 5);
  EXPECT_GE(dropped, 5);
}

TEST(CoreProgram, RejectAllSlotsEmitNothing) {
  Collected c = trace(bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, 40405);
  EXPECT_EQ(c.total, 0);
}

TEST(CoreProgram, AcceptAllSlotsEmitTheTraffic) {
  Collected c = trace(bpf::SlotCode{PWRU_CODE_ACCEPT_ALL, {}}, bpf::SlotCode{PWRU_CODE_ACCEPT_ALL, {}}, 40406);
  EXPECT_GE(c.by_func["net_dev_queue"], 5);
}

TEST(CoreProgram, VerifierRejectionIsReportedWithItsLog) {
  // Reads past the packet buffer: the verifier must refuse it and the
  // error must carry its words.
  std::vector<bpf_insn> bad = {
      insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_0, BPF_REG_1, 4096, 0),
      insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  };
  bpf::ProgramOptions po;
  po.cfg.filter_pcap = 1;
  po.pcap_l2 = bpf::SlotCode{PWRU_CODE_INSNS, bad};
  try {
    bpf::CoreProgram::load(po);
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid access to map value"), std::string::npos) << e.what();
  }
}

// This host cannot attach kprobes, but it verifies them: the kprobe and
// kprobe.multi entries (with spliced filters, caller, stack and packet output) must
// load, so that the VM tests only ever find attach-time problems.
TEST(CoreProgram, KprobeEntriesLoadWithSplicedFilterCallerAndStack) {
  bpf::ProgramOptions po;
  po.cfg.filter_pcap = 1;
  po.cfg.output_meta = 1;
  po.cfg.output_tuple = 1;
  po.cfg.output_caller = 1;
  po.cfg.output_stack = 1;
  po.cfg.output_packet = 1;  // both regions after the record
  po.pcap_l2 = bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(9)};
  po.pcap_l3 = bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}};
  po.want_raw_tp = false;
  po.want_kprobe = true;
  po.want_kprobe_multi = true;
  auto prog = bpf::CoreProgram::load(po);
  for (int k = 1; k <= 5; ++k) {
    EXPECT_GE(prog->kprobe_fd(k), 0) << k;
    EXPECT_GE(prog->kprobe_multi_fd(k), 0) << k;
    EXPECT_LT(prog->raw_tp_fd(k), 0) << k;  // not loaded when not wanted
  }
  // The same with a plugin's BPF C filter linked in.
  LinkedFilter f = len_range(1, 100);
  po.linked_object = bpf::link_core_with_filter(f.object.data(), f.object.size());
  po.cfg.filter_bpf = 1;
  auto linked = bpf::CoreProgram::load(po);
  for (int k = 1; k <= 5; ++k) {
    EXPECT_GE(linked->kprobe_fd(k), 0) << k;
    EXPECT_GE(linked->kprobe_multi_fd(k), 0) << k;
  }
}

// --output-pcapng: the event carries the packet's bytes, cut to the snap
// length in the kernel (the filter still saw all of them: it reads the UDP
// port at byte 36, beyond a 20-byte snap length).
TEST(CoreProgram, PacketBytesAreCutToTheSnapLength) {
  const uint16_t port = 40408;
  Collected c = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                      bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port, false, /*snaplen=*/20);
  ASSERT_GE(c.queued.size(), 5u);
  EXPECT_EQ(c.without_packet, 0);
  EXPECT_EQ(c.max_caplen, 20u);
  for (size_t i = 0; i < c.queued.size(); ++i) {
    const auto& p = c.queued[i];
    ASSERT_EQ(p.size(), 20u);
    // Loopback's Ethernet header: zero addresses, type IPv4; then IPv4, IHL 5.
    EXPECT_EQ(p[12], 0x08);
    EXPECT_EQ(p[13], 0x00);
    EXPECT_EQ(p[14], 0x45);
    // Ethernet 14 + IPv4 20 + UDP 8 + "pwru" 4 on the wire.
    EXPECT_EQ(c.queued_wirelen[i], 46u);
  }
}

TEST(CoreProgram, FullSnapLengthKeepsTheWholePacket) {
  const uint16_t port = 40409;
  Collected c = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                      bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port, false, /*snaplen=*/PWRU_PKT_BUF);
  ASSERT_GE(c.queued.size(), 5u);
  for (const auto& p : c.queued) {
    ASSERT_EQ(p.size(), 46u);
    EXPECT_EQ(std::string(p.begin() + 42, p.end()), "pwru");
  }
}

// A plugin's BPF C filter linked into the program (skb->len in [min, max]):
// loopback UDP with a 4-byte payload has skb->len 32 (IP) to 46 (Ethernet)
// at the skb tracepoints. A range around that lets the port's packets
// through, beside the spliced pcap-like filter; a range below it drops them
// all. Both with the raw tracepoint cookie and with per-tracepoint copies
// (kernels before 6.10), which carry the linked function along.
TEST(CoreProgram, LinkedBpfCFilterSelectsBySkbLen) {
  const uint16_t port = 40411;
  for (bool per_tp : {false, true}) {
    SCOPED_TRACE(per_tp ? "per-tracepoint programs" : "cookies");
    LinkedFilter keep = len_range(20, 60);
    Collected in = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                         bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port, per_tp, 0, false, &keep);
    EXPECT_GE(in.by_func["net_dev_queue"], 5);
    EXPECT_EQ(in.other_port, 0);

    LinkedFilter drop = len_range(100, 2000);
    Collected out = trace(bpf::SlotCode{PWRU_CODE_INSNS, udp_dport_filter(port)},
                          bpf::SlotCode{PWRU_CODE_REJECT_ALL, {}}, port, per_tp, 0, false, &drop);
    EXPECT_EQ(out.total, 0);
  }
}
