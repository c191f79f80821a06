// SPDX-License-Identifier: Apache-2.0
#include "pcap_reader.h"

#include <pcap/pcap.h>

namespace pwru::pcapng::test {

const int kDltEthernet = DLT_EN10MB;
const int kDltRaw = DLT_RAW;

ReadResult read_with_libpcap(const std::string& path) {
  ReadResult r;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (p == nullptr) {
    r.error = err;
    return r;
  }
  r.opened = true;
  r.datalink = pcap_datalink(p);
  r.snapshot = pcap_snapshot(p);
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    ReadPacket pk;
    pk.caplen = h->caplen;
    pk.len = h->len;
    // With nanosecond precision tv_usec holds nanoseconds.
    pk.ts_ns = static_cast<uint64_t>(h->ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(h->ts.tv_usec);
    pk.data.assign(data, data + h->caplen);
    r.packets.push_back(std::move(pk));
  }
  r.clean_end = rc == PCAP_ERROR_BREAK;
  if (!r.clean_end) r.error = pcap_geterr(p);
  pcap_close(p);
  return r;
}

}  // namespace pwru::pcapng::test
