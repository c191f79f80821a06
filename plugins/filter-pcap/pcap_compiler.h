// SPDX-License-Identifier: Apache-2.0
// Compiles pcap-filter(7) expressions to classic BPF with libpcap.
#pragma once

#include <string>
#include <vector>

#include "cbpf_insn.h"

namespace pwru::cbpf {

// Which header the packet bytes start with.
enum class LinkLayer {
  kEthernet,  // DLT_EN10MB: the MAC header (pwru's L2 slot)
  kRawIp,     // DLT_RAW: the IPv4/IPv6 header (pwru's L3 slot)
};

// Snap length given to pcap_open_dead(), as tcpdump and cilium/pwru use.
inline constexpr int kPcapSnaplen = 262144;

// libpcap's answer: the program, or why it could not compile the expression.
struct CompileResult {
  bool ok = false;
  std::vector<Insn> insns;
  std::string error;  // libpcap's message when !ok, one line
};

// pcap_open_dead(link, kPcapSnaplen) + pcap_compile(expr, optimize=1,
// PCAP_NETMASK_UNKNOWN). Never throws for a bad expression; that is !ok.
CompileResult compile_pcap(const std::string& expr, LinkLayer link);

}  // namespace pwru::cbpf
