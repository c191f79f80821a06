// SPDX-License-Identifier: Apache-2.0
//
// cilium/pwru's --output-json, as a pure formatter.
//
// The formatter turns one struct pwru_event_v1 into one JSON object on one
// line, with pwru's field names in pwru's order (internal/pwru/output.go,
// struct jsonPrinter), and strings escaped as Go's encoding/json does with
// SetEscapeHTML(false). Where we differ from pwru is listed in README.md
// ("Deviations from cilium/pwru"). It does no I/O: the sink plugin, the
// tests and the benchmarks all drive it.
#pragma once

#include <pwru/plugin.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pwru_common/go_text.hpp"

namespace pwru::json {

// pwru's --timestamp values (shared with the text sink). In `time`:
// current and relative are numbers, absolute a string.
using Timestamp = gotext::Timestamp;
using gotext::parse_timestamp;

struct Options {
  bool output_meta = true;          // netns mark iface proto mtu len
  bool output_tuple = true;         // tuple {saddr daddr sport dport proto}
  bool output_tcp_flags = false;    // tuple.flags "SYN|ACK" (when the flags byte is not 0)
  bool output_caller = false;       // caller_func
  bool output_netns_names = false;  // netns_name
  Timestamp timestamp = Timestamp::none;
  bool output_skb_cb = false;   // cb [5 numbers] (with the meta fields, as pwru)
  bool output_tunnel = false;   // tunnel_tuple {...}
};

using SkbLastSeen = gotext::SkbLastSeen;

class Formatter {
 public:
  explicit Formatter(const Options& opts) : opts_(opts) {}

  const Options& options() const { return opts_; }

  // Appends one JSON object and its trailing '\n'. Not const: relative
  // timestamps remember each skb's previous event. Allocates nothing once
  // `out` and the relative-timestamp table have reached their working size.
  void append_line(const pwru_event_v1& ev, fmt::memory_buffer& out);

 private:
  char* put_absolute_time(char* p, uint64_t wall_ns);

  Options opts_;
  SkbLastSeen last_seen_;
  gotext::WallClockText wall_;
};

// Helpers with Go semantics, exposed for the tests.
namespace detail {
// The JSON string literal (quotes included) Go's encoding/json writes for
// `s` with SetEscapeHTML(false): `"` and `\` escaped; \b \f \n \r \t; other
// control bytes as \u00XX; U+2028 and U+2029 as \u2028 and \u2029; every
// byte that is not part of valid UTF-8 as \ufffd. Everything else verbatim.
std::string json_quote(std::string_view s);
// Most bytes json_quote's escaping can produce for n input bytes (quotes excluded).
constexpr size_t escaped_bound(size_t n) { return 6 * n; }
using gotext::ipv4_string;
using gotext::ipv6_string;
using gotext::tcp_flags_string;
}  // namespace detail

}  // namespace pwru::json
