// SPDX-License-Identifier: Apache-2.0
// The only plugin file that includes libpcap (see cbpf_insn.h for why).
#include "pcap_compiler.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace pwru::cbpf {
namespace {

static_assert(sizeof(::bpf_insn) == sizeof(Insn));
static_assert(offsetof(::bpf_insn, code) == offsetof(Insn, code));
static_assert(offsetof(::bpf_insn, jt) == offsetof(Insn, jt));
static_assert(offsetof(::bpf_insn, jf) == offsetof(Insn, jf));
static_assert(offsetof(::bpf_insn, k) == offsetof(Insn, k));

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

CompileResult compile_pcap(const std::string& expr, LinkLayer link) {
  CompileResult r;
  const int dlt = link == LinkLayer::kEthernet ? DLT_EN10MB : DLT_RAW;
  std::unique_ptr<pcap_t, PcapCloser> pd(pcap_open_dead(dlt, kPcapSnaplen));
  if (!pd) {
    r.error = "pcap_open_dead failed";
    return r;
  }
  bpf_program prog{};
  if (pcap_compile(pd.get(), &prog, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    r.error = one_line(pcap_geterr(pd.get()));
    return r;
  }
  r.insns.resize(prog.bf_len);
  if (prog.bf_len != 0) std::memcpy(r.insns.data(), prog.bf_insns, prog.bf_len * sizeof(Insn));
  pcap_freecode(&prog);
  r.ok = true;
  return r;
}

}  // namespace pwru::cbpf
