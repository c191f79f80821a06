// SPDX-License-Identifier: Apache-2.0
//
// The `pcapng` sink: every traced packet, at every probe point, into a
// pcapng stream Wireshark and tshark read (also live, from a pipe).
#pragma once

#include <pwru/sdk.hpp>

#include "pcapng_format.h"

namespace pwru::pcapng {

// TOML keys (see kConfigDoc): snaplen, linktype. The SHB goes out at open(); each
// write() encodes its whole batch (new IDBs, then EPBs) into one buffer and
// hands it to the host's writer in one call, so a live reader sees a batch
// as soon as the host delivers it. needs() asks the host for packet bytes
// up to the snap length and for a file that is never rotated.
class PcapngSink final : public pwru::sdk::Sink {
 public:
  PcapngSink(const pwru::sdk::Host& host, pwru::sdk::Config& cfg);

  void needs(pwru_sink_needs_v1& needs) override;
  void open(const pwru_session_v1& session) override;
  void write(std::span<const pwru_event_v1* const> events) override;
  void flush() override;
  void close() override;

  const Encoder& encoder() const { return enc_; }

  // Reads the snap length from a plugin TOML table (also used by the tests).
  static uint32_t parse_snaplen(pwru::sdk::Config& cfg);
  static bool parse_ethernet_only(pwru::sdk::Config& cfg);

 private:
  pwru::sdk::Host host_;
  Encoder enc_;
  pwru::sdk::Output out_{"pcapng sink"};
  Buffer buf_;
};

// The documented keys, one per line (pwru_plugin_v1.config_doc).
inline constexpr const char* kConfigDoc =
    "snaplen = 256  # bytes of each packet written, 1..512 (pwru --output-pcapng-snaplen)\n"
    "linktype = \"auto\"  # \"auto\": each capture's own link type (Ethernet, or raw IP from the network "
    "header; Wireshark reads both); \"ethernet\": raw IP packets get a synthetic Ethernet header with zero "
    "addresses so the whole file is Ethernet, which libpcap/tcpdump need (pwru --output-pcapng-linktype)\n";

}  // namespace pwru::pcapng
