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

#include "pwru_common/go_text.hpp"

namespace pwru::text {

// pwru's --timestamp values (shared with the json sink).
using Timestamp = gotext::Timestamp;
using gotext::parse_timestamp;

struct Options {
  bool output_meta = true;        // NETNS MARK/x IFACE PROTO MTU LEN
  bool output_tuple = true;       // TUPLE
  bool output_tcp_flags = false;  // `tcp:SYN|ACK` in the tuple
  Timestamp timestamp = Timestamp::none;
  bool output_caller = false;  // FUNC padded to the widest seen, then ` <caller>`
  bool output_netns_names = false;     // NETNS NAME column (names from /run/netns)
  size_t netns_names_max_length = 16;  // its width (pwru: --netns-names-max-length, min 10)
  bool output_skb_cb = false;  // __sk_buff->cb[] column (in the meta columns, as pwru)
  bool output_tunnel = false;  // TUNNEL: the inner tuple at the end of the line
};

using SkbLastSeen = gotext::SkbLastSeen;

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
  gotext::WallClockText wall_;
};

// Helpers with Go semantics, exposed for the tests.
namespace detail {
// utf8.RuneCountInString: each invalid byte counts as one rune. Go's fmt
// measures %-16s widths in runes, so padding must too.
size_t go_rune_count(std::string_view s);
using gotext::ipv4_string;
using gotext::ipv6_string;
using gotext::tcp_flags_string;
}  // namespace detail

}  // namespace pwru::text
