// SPDX-License-Identifier: Apache-2.0
//
// The `json` sink: cilium/pwru's --output-json, one object per line.
#pragma once

#include <pwru/sdk.hpp>

#include "json_format.h"

namespace pwru::json {

// TOML keys (see kConfigDoc): output-meta, output-tuple, output-tcp-flags,
// output-caller, output-netns-names, timestamp. There is no header line;
// write() formats a whole batch into one buffer and hands it to the host's
// writer in one call.
class JsonSink final : public pwru::sdk::Sink {
 public:
  JsonSink(const pwru::sdk::Host& host, pwru::sdk::Config& cfg);

  void open(const pwru_session_v1& session) override;
  void write(std::span<const pwru_event_v1* const> events) override;
  void flush() override;
  void close() override;

  const Formatter& formatter() const { return fmt_; }

  // Reads the options from a plugin TOML table (also used by the tests).
  static Options parse_options(pwru::sdk::Config& cfg);

 private:

  Formatter fmt_;
  pwru::sdk::Output out_{"json sink"};
  fmt::memory_buffer buf_;
};

// The documented keys, one per line (pwru_plugin_v1.config_doc).
inline constexpr const char* kConfigDoc =
    "output-meta = true          # netns, mark, iface, proto, mtu and len fields (pwru --output-meta)\n"
    "output-tuple = true         # tuple: saddr, daddr, sport, dport, proto (pwru --output-tuple)\n"
    "output-tcp-flags = false    # tuple.flags, e.g. \"SYN|ACK\" (pwru --output-tcp-flags)\n"
    "output-caller = false       # caller_func: the calling kernel symbol (pwru --output-caller)\n"
    "output-netns-names = false  # netns_name, from /run/netns (pwru --output-netns-names)\n"
    "timestamp = \"none\"          # time: none | current | relative | absolute (pwru --timestamp)\n"
    "output-skb-cb = false       # cb: the 5 qdisc cb words, with the meta fields (pwru --output-skb-cb)\n"
    "output-tunnel = false       # tunnel_tuple: the inner tuple of vxlan/geneve packets (pwru --output-tunnel)\n";

}  // namespace pwru::json
