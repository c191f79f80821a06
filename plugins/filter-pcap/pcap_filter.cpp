// SPDX-License-Identifier: Apache-2.0
// The `pcap` filter plugin: a pcap-filter(7) expression, compiled by libpcap
// for Ethernet frames (L2 slot) and raw IP packets (L3 slot), translated to
// eBPF that pwru splices into its kernel program.
#include <pwru/sdk.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "cbpf_to_ebpf.h"
#include "pcap_compiler.h"

namespace {

using pwru::cbpf::CompileResult;
using pwru::cbpf::LinkLayer;

constexpr const char* kConfigDoc =
    "expr = \"\"  # pcap-filter(7) expression, e.g. \"host 198.51.100.10 and tcp port 8080\"; "
    "empty: no packet filter. Compiled for Ethernet (packets with a MAC header) and raw IP; "
    "an expression that only makes sense with a MAC header (arp, ether host, vlan) rejects "
    "packets that have none.\n"
    "layer = \"packet\"  # packet: the packet itself (both slots); tunnel-l2 / tunnel-l3: the inner "
    "packet of a vxlan/geneve skb, from its inner Ethernet header (compiled for Ethernet only) or its "
    "inner IP header (raw IP only), as pwru's --filter-tunnel-pcap-l2/-l3; packets without inner "
    "headers pass.";

class PcapFilter final : public pwru::sdk::Filter {
 public:
  PcapFilter(const pwru::sdk::Host& host, pwru::sdk::Config& cfg)
      : host_(host), expr_(cfg.get_or<std::string>("expr", "")),
        layer_(cfg.get_or<std::string>("layer", "packet")) {
    if (layer_ != "packet" && layer_ != "tunnel-l2" && layer_ != "tunnel-l3")
      throw pwru::sdk::Error("invalid layer '" + layer_ + "': must be packet, tunnel-l2 or tunnel-l3");
    if (expr_.empty()) return;
    if (layer_ != "packet") {
      // One link layer: the inner Ethernet header or the inner IP header.
      const bool l2 = layer_ == "tunnel-l2";
      Layer& l = layers_[l2 ? 0 : 1];
      l.compiled = pwru::cbpf::compile_pcap(expr_, l2 ? LinkLayer::kEthernet : LinkLayer::kRawIp);
      if (!l.compiled.ok)
        throw pwru::sdk::Error("invalid " + layer_ + " pcap filter expression '" + expr_ +
                               "': " + l.compiled.error);
      return;
    }
    // Compile now so that a bad expression is reported when the config is
    // read; translation waits for build(), which knows the buffer size.
    layers_[0].compiled = pwru::cbpf::compile_pcap(expr_, LinkLayer::kEthernet);
    layers_[1].compiled = pwru::cbpf::compile_pcap(expr_, LinkLayer::kRawIp);
    if (!layers_[0].compiled.ok && !layers_[1].compiled.ok)
      throw pwru::sdk::Error("invalid pcap filter expression '" + expr_ +
                             "': " + layers_[0].compiled.error);
  }

  void build(const pwru_filter_env_v1& env, pwru_filter_spec_v1& spec) override {
    if (expr_.empty()) {
      spec.ncode = 0;
      return;
    }
    if (env.size < offsetof(pwru_filter_env_v1, pkt_buf_size) + sizeof(env.pkt_buf_size))
      throw pwru::sdk::Error("pcap: the host passed no packet buffer size");
    if (layer_ != "packet") {
      const bool l2 = layer_ == "tunnel-l2";
      Layer& l = layers_[l2 ? 0 : 1];
      fill(l, l2 ? PWRU_SLOT_TUNNEL_L2 : PWRU_SLOT_TUNNEL_L3, l2 ? "tunnel L2" : "tunnel L3", env.pkt_buf_size);
      code_ptrs_[0] = &l.code;
      spec.ncode = 1;
      spec.code = code_ptrs_.data();
      return;
    }
    fill(layers_[0], PWRU_SLOT_PCAP_L2, "L2", env.pkt_buf_size);
    fill(layers_[1], PWRU_SLOT_PCAP_L3, "L3", env.pkt_buf_size);
    for (size_t i = 0; i < layers_.size(); ++i) code_ptrs_[i] = &layers_[i].code;
    spec.ncode = static_cast<uint32_t>(code_ptrs_.size());
    spec.code = code_ptrs_.data();
  }

 private:
  struct Layer {
    CompileResult compiled;
    std::vector<bpf_insn> insns;
    pwru_filter_code_v1 code{};
  };

  void fill(Layer& l, uint32_t slot, const char* name, uint32_t buf_size) {
    l.code = {};
    l.code.size = sizeof(pwru_filter_code_v1);
    l.code.slot = slot;
    l.code.what = expr_.c_str();
    l.insns.clear();
    if (!l.compiled.ok) {
      // Only one layer failed (the constructor saw to that): an expression
      // such as `arp` or `ether host ...` cannot match a packet that starts
      // at the network header.
      l.code.mode = PWRU_CODE_REJECT_ALL;
      host_.debug(std::string(name) + ": '" + expr_ + "' does not apply (" + l.compiled.error +
                  "); rejecting all");
      return;
    }
    const auto& prog = l.compiled.insns;
    if (prog.size() == 1 && prog[0].code == (BPF_RET | BPF_K)) {
      l.code.mode = prog[0].k != 0 ? PWRU_CODE_ACCEPT_ALL : PWRU_CODE_REJECT_ALL;
      return;
    }
    try {
      l.insns = pwru::cbpf::to_ebpf(prog, buf_size);
    } catch (const pwru::cbpf::TranslateError& e) {
      throw pwru::sdk::Error("pcap filter expression '" + expr_ + "' cannot run in the kernel (" +
                             name + "): " + e.what());
    }
    l.code.mode = PWRU_CODE_INSNS;
    l.code.insn_cnt = static_cast<uint32_t>(l.insns.size());
    l.code.insns = l.insns.data();
    host_.debug(std::string(name) + ": " + std::to_string(prog.size()) + " cBPF -> " +
                std::to_string(l.insns.size()) + " eBPF instructions");
  }

  pwru::sdk::Host host_;
  std::string expr_;
  std::string layer_;  // packet | tunnel-l2 | tunnel-l3
  std::array<Layer, 2> layers_;
  std::array<const pwru_filter_code_v1*, 2> code_ptrs_{};
};

}  // namespace

PWRU_FILTER_PLUGIN(PcapFilter, "pcap", "0.1.0",
                   "pcap-filter(7) expressions compiled by libpcap and run as eBPF in the kernel",
                   kConfigDoc)
