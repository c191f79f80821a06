// SPDX-License-Identifier: Apache-2.0
//
// cilium/pwru's text output, byte for byte, as a pure formatter.
//
// The formatter turns one struct pwru_event_v1 into one line exactly as
// pwru's `output.Print` would print it (column widths, `~` truncation,
// centred iface, running max-width tuple and func columns, Go's IP text).
// It does no I/O: the sink plugin, the tests and the benchmark all drive it.
#pragma once

#include <pwru/plugin.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace pwru::text {

// pwru's --timestamp values.
enum class Timestamp {
  none,      // no TIMESTAMP column
  current,   // TIMESTAMP = ev.ktime_ns
  relative,  // TIMESTAMP = ktime delta from the previous event of the same skb (0 first)
  absolute,  // TIME column (local wall clock, ms) before SKB, and TIMESTAMP = ev.ktime_ns
};

// Parses "none", "current", "relative" or "absolute"; nullopt otherwise.
std::optional<Timestamp> parse_timestamp(std::string_view s);

struct Options {
  bool output_meta = true;        // NETNS MARK/x IFACE PROTO MTU LEN
  bool output_tuple = true;       // TUPLE
  bool output_tcp_flags = false;  // `tcp:SYN|ACK` in the tuple
  Timestamp timestamp = Timestamp::none;
  bool output_caller = false;  // FUNC padded to the widest seen, then ` <caller>`
  bool output_netns_names = false;     // NETNS NAME column (names from /run/netns)
  size_t netns_names_max_length = 16;  // its width (pwru: --netns-names-max-length, min 10)
};

// Remembers the last ktime of every skb address (pwru's lastSeenSkb): an
// open-addressing table that only allocates when it grows, so a steady set
// of skb addresses (slab objects are reused) costs no allocation per event.
// Like pwru, entries are never removed.
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
  explicit Formatter(const Options& opts);

  const Options& options() const { return opts_; }

  // The header line as pwru prints it, with its trailing '\n'. Default:
  // "SKB                CPU PROCESS          NETNS      MARK/x        IFACE       PROTO  MTU   LEN   TUPLE FUNC\n"
  const std::string& header() const { return header_; }

  // Appends one line, with its trailing '\n'. Not const: the TUPLE and FUNC
  // columns grow to the widest value seen so far by this formatter, and
  // relative timestamps remember each skb's previous event.
  void append_line(const pwru_event_v1& ev, fmt::memory_buffer& out);

  // Current running widths (exposed for tests).
  size_t max_tuple_len() const { return max_tuple_len_; }
  size_t max_func_len() const { return max_func_len_; }

 private:
  char* put_absolute_time(char* p, uint64_t wall_ns);

  Options opts_;
  std::string header_;
  size_t max_tuple_len_ = 0;
  size_t max_func_len_ = 0;
  SkbLastSeen last_seen_;
  // "YYYY-MM-DDTHH:MM:SS" for the epoch second last converted: localtime_r
  // runs once per second of events, not once per event.
  int64_t time_sec_ = -1;
  char time_text_[32] = {};
  size_t time_len_ = 0;
};

// Helpers with Go semantics, exposed for the tests.
namespace detail {
// utf8.RuneCountInString: each invalid byte counts as one rune. Go's fmt
// measures %-16s widths in runes, so padding must too.
size_t go_rune_count(std::string_view s);
// net.IP(addr[:16]).String() (IPv4-mapped addresses print dotted, as Go does).
std::string ipv6_string(const uint8_t addr[16]);
std::string ipv4_string(const uint8_t addr[4]);
// pwru's tcpFlag.String(): "FIN|SYN|..." in the order FIN,SYN,RST,PSH,ACK,URG,ECE,CWR.
std::string_view tcp_flags_string(uint8_t flags);
}  // namespace detail

}  // namespace pwru::text
