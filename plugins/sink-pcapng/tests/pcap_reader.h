// SPDX-License-Identifier: Apache-2.0
// Reads a capture file with libpcap (pcap_open_offline, nanosecond
// timestamps). Its own translation unit: pcap/bpf.h and linux/bpf.h (from
// plugin.h) both define struct bpf_insn.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pwru::pcapng::test {

struct ReadPacket {
  uint32_t caplen = 0;
  uint32_t len = 0;
  uint64_t ts_ns = 0;
  std::vector<uint8_t> data;
};

struct ReadResult {
  bool opened = false;
  std::string error;       // pcap_open_offline's, or the read error that ended the file
  int datalink = -1;       // pcap_datalink()
  int snapshot = -1;       // pcap_snapshot()
  std::vector<ReadPacket> packets;
  bool clean_end = false;  // pcap_next_ex ended with PCAP_ERROR_BREAK (end of file)
};

ReadResult read_with_libpcap(const std::string& path);

extern const int kDltEthernet;  // DLT_EN10MB
extern const int kDltRaw;       // DLT_RAW

}  // namespace pwru::pcapng::test
