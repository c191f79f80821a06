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

namespace pwru::json {

// pwru's --timestamp values, and what they put in the `time` field.
enum class Timestamp {
  none,      // no `time` field
  current,   // "time": ev.ktime_ns (a number)
  relative,  // "time": ktime delta from the previous event of the same skb (0 first)
  absolute,  // "time": "2006-01-02T15:04:05.000" (a string; local time of ev.wall_ns)
};

// Parses "none", "current", "relative" or "absolute"; nullopt otherwise.
std::optional<Timestamp> parse_timestamp(std::string_view s);

struct Options {
  bool output_meta = true;          // netns mark iface proto mtu len
  bool output_tuple = true;         // tuple {saddr daddr sport dport proto}
  bool output_tcp_flags = false;    // tuple.flags "SYN|ACK" (when the flags byte is not 0)
  bool output_caller = false;       // caller_func
  bool output_netns_names = false;  // netns_name
  Timestamp timestamp = Timestamp::none;
};

// Remembers the last ktime of every skb address (pwru's lastSeenSkb) for
// relative timestamps: an open-addressing table that only allocates when it
// grows. Like pwru, entries are never removed. (A twin of the text sink's
// table: the plugins share no code but the SDK.)
class SkbLastSeen {
 public:
  SkbLastSeen() = default;
  // Stores `ts` for `skb` and returns the previous value, if any.
  std::optional<uint64_t> exchange(uint64_t skb, uint64_t ts);
  size_t size() const { return used_ + (has_zero_ ? 1 : 0); }

 private:
  struct Slot {
    uint64_t key;  // 0 = empty; skb 0 lives in zero_value_
    uint64_t value;
  };
  void grow();
  std::vector<Slot> slots_;
  size_t used_ = 0;
  bool has_zero_ = false;
  uint64_t zero_value_ = 0;
};

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
  // "YYYY-MM-DDTHH:MM:SS" for the epoch second last converted: localtime_r
  // runs once per second of events, not once per event.
  int64_t time_sec_ = -1;
  char time_text_[32] = {};
  size_t time_len_ = 0;
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
// net.IP(addr[:16]).String() (IPv4-mapped addresses print dotted, as Go does).
std::string ipv6_string(const uint8_t addr[16]);
std::string ipv4_string(const uint8_t addr[4]);
// pwru's tcpFlag.String(): "FIN|SYN|..." in the order FIN,SYN,RST,PSH,ACK,URG,ECE,CWR.
std::string_view tcp_flags_string(uint8_t flags);
}  // namespace detail

}  // namespace pwru::json
