// SPDX-License-Identifier: Apache-2.0
#include "pcap_reference.h"

#include <pcap/pcap.h>

namespace pwru::test {
namespace {

static_assert(sizeof(::bpf_insn) == sizeof(cbpf::Insn));

// Same layout (checked above and in pcap_compiler.cpp); libpcap's API takes
// a non-const pointer but only reads through it.
::bpf_insn* as_pcap(std::span<const cbpf::Insn> prog) {
  return reinterpret_cast<::bpf_insn*>(const_cast<cbpf::Insn*>(prog.data()));
}

}  // namespace

std::optional<std::vector<cbpf::Insn>> pcap_compile_ref(const std::string& expr, bool raw_ip,
                                                        std::string* error) {
  pcap_t* pd = pcap_open_dead(raw_ip ? DLT_RAW : DLT_EN10MB, 262144);
  if (pd == nullptr) {
    *error = "pcap_open_dead failed";
    return std::nullopt;
  }
  bpf_program bp{};
  std::optional<std::vector<cbpf::Insn>> r;
  if (pcap_compile(pd, &bp, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0) {
    const auto* first = reinterpret_cast<const cbpf::Insn*>(bp.bf_insns);
    r.emplace(first, first + bp.bf_len);
    pcap_freecode(&bp);
  } else {
    *error = pcap_geterr(pd);
  }
  pcap_close(pd);
  return r;
}

int pcap_verdict(std::span<const cbpf::Insn> prog, const uint8_t* pkt, uint32_t caplen,
                 uint32_t wirelen) {
  bpf_program bp{};
  bp.bf_len = static_cast<u_int>(prog.size());
  bp.bf_insns = as_pcap(prog);
  static const uint8_t kNothing[1] = {};
  if (pkt == nullptr) pkt = kNothing;
  pcap_pkthdr h{};
  h.caplen = caplen;
  h.len = wirelen;
  return pcap_offline_filter(&bp, &h, pkt) != 0 ? 1 : 0;
}

std::string pcap_dump(std::span<const cbpf::Insn> prog) {
  std::string s;
  ::bpf_insn* p = as_pcap(prog);
  for (size_t i = 0; i < prog.size(); ++i) {
    s += bpf_image(p + i, static_cast<int>(i));
    s += '\n';
  }
  return s;
}

}  // namespace pwru::test
