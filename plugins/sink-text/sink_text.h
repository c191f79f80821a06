// SPDX-License-Identifier: Apache-2.0
//
// The `text` sink: pwru's default human-readable output.
#pragma once

#include <pwru/sdk.hpp>

#include "text_format.h"

namespace pwru::text {

// TOML keys (see kConfigDoc): output-meta, output-tuple, output-tcp-flags,
// output-caller, timestamp, output-netns-names, netns-names-max-length. open() writes the header; write() formats a whole
// batch into one buffer and hands it to the host's writer in one call.
class TextSink final : public pwru::sdk::Sink {
 public:
  TextSink(const pwru::sdk::Host& host, pwru::sdk::Config& cfg);

  void open(const pwru_session_v1& session) override;
  void write(std::span<const pwru_event_v1* const> events) override;
  void flush() override;
  void close() override;

  const Formatter& formatter() const { return fmt_; }

  // Reads the options from a plugin TOML table (also used by the tests).
  static Options parse_options(pwru::sdk::Config& cfg);

 private:

  Formatter fmt_;
  pwru::sdk::Output out_{"text sink"};
  fmt::memory_buffer buf_;
};

// The documented keys, one per line (pwru_plugin_v1.config_doc).
inline constexpr const char* kConfigDoc =
    "output-meta = true        # NETNS, MARK/x, IFACE, PROTO, MTU and LEN columns (pwru --output-meta)\n"
    "output-tuple = true       # TUPLE column: saddr:sport->daddr:dport(proto) (pwru --output-tuple)\n"
    "output-tcp-flags = false  # TCP flags in the tuple, e.g. (tcp:SYN|ACK) (pwru --output-tcp-flags)\n"
    "output-caller = false     # CALLER column: the calling kernel symbol (pwru --output-caller)\n"
    "timestamp = \"none\"        # none | current | relative | absolute (pwru --timestamp)\n"
    "output-netns-names = false  # NETNS NAME column, names from /run/netns (pwru --output-netns-names)\n"
    "netns-names-max-length = 16 # width of that column, at least 10 (pwru --netns-names-max-length)\n"
    "output-skb-cb = false     # __sk_buff->cb[] column: the 5 qdisc cb words (pwru --output-skb-cb)\n"
    "output-tunnel = false     # TUNNEL: the inner tuple of vxlan/geneve packets (pwru --output-tunnel)\n";

}  // namespace pwru::text
