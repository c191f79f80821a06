// SPDX-License-Identifier: Apache-2.0
// libpcap's own interpreter as the reference (the only test file that
// includes <pcap/pcap.h>; see cbpf_insn.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cbpf_insn.h"

namespace pwru::test {

// pcap_compile() on pcap_open_dead(DLT_EN10MB or DLT_RAW, 262144), optimised,
// PCAP_NETMASK_UNKNOWN: the program, or nullopt and libpcap's message.
std::optional<std::vector<cbpf::Insn>> pcap_compile_ref(const std::string& expr, bool raw_ip,
                                                        std::string* error);

// pcap_offline_filter() with a pcap_pkthdr{caplen, len = wirelen}: 0 or 1.
int pcap_verdict(std::span<const cbpf::Insn> prog, const uint8_t* pkt, uint32_t caplen,
                 uint32_t wirelen);

// bpf_image() of every instruction, one per line, for failure messages.
std::string pcap_dump(std::span<const cbpf::Insn> prog);

}  // namespace pwru::test
