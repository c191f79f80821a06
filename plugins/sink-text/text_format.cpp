// SPDX-License-Identifier: Apache-2.0
//
// The text formatter. Every column reproduces cilium/pwru's Go formatting
// (internal/pwru/output.go); the comments name the Go verb each one mimics.
//
// Speed: a line is written with a raw cursor into the caller's
// fmt::memory_buffer, which is grown once per line to an upper bound and
// shrunk to the bytes used. Nothing allocates per event once the buffer and
// the relative-timestamp table have reached their working size.
#include "text_format.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <ctime>

namespace pwru::text {

namespace {

constexpr uint8_t kIpprotoIcmp = 1;
constexpr uint8_t kIpprotoTcp = 6;
constexpr uint8_t kIpprotoUdp = 17;
constexpr uint8_t kIpprotoIcmpv6 = 58;

// Column widths of pwru's Printf formats.
constexpr size_t kSkbWidth = 18;      // %-18s
constexpr size_t kCpuWidth = 3;       // %-3s
constexpr size_t kProcessWidth = 16;  // %-16s, and the `~` truncation length
constexpr size_t kTsWidth = 16;       // %-16d
constexpr size_t kNetnsWidth = 10;    // %-10s
constexpr size_t kMarkWidth = 8;      // %-8s
constexpr size_t kIfaceWidth = 16;    // %16s of centerAlignString(.., 16), `~` truncation
constexpr size_t kMtuWidth = 5;       // %-5s
constexpr size_t kLenWidth = 5;       // %-5s
constexpr size_t kTimeWidth = 23;     // %-23s of "2006-01-02T15:04:05.000"

using gotext::kHexDigits;
using gotext::put;
using gotext::put_addr;
using gotext::put_dec;
using gotext::put_hex;

inline char* put_spaces(char* p, size_t n) {
  std::memset(p, ' ', n);
  return p + n;
}
// Left-justifies [start, end) in `width` bytes (Go `%-Ns` of ASCII text).
inline char* pad_right(char* start, char* end, size_t width) {
  auto used = static_cast<size_t>(end - start);
  return used < width ? put_spaces(end, width - used) : end;
}

inline bool is_ascii(const char* s, size_t n) {
  unsigned char acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= static_cast<unsigned char>(s[i]);
  return (acc & 0x80) == 0;
}

// Display width as Go's fmt measures it: runes, with an ASCII fast path.
inline size_t go_width(const char* s, size_t n) {
  return is_ascii(s, n) ? n : detail::go_rune_count(std::string_view(s, n));
}

inline const char* proto_name(uint8_t l4, size_t& n) {
  switch (l4) {
    case kIpprotoTcp:
      n = 3;
      return "tcp";
    case kIpprotoUdp:
      n = 3;
      return "udp";
    case kIpprotoIcmp:
      n = 4;
      return "icmp";
    case kIpprotoIcmpv6:
      n = 5;
      return "icmp6";
    default:
      n = 0;
      return "";
  }
}

// getTuple(): "%s:%d->%s:%d(%s)", l4 info "tcp:FLAGS" with --output-tcp-flags.
// Bytes written are at most 2 * (41 + 1 + 5) + 2 + 2 + 4 + 31 = 133.
constexpr size_t kMaxTupleLen = 136;
char* put_tuple(char* p, const pwru_tuple_v1& t, bool tcp_flags) {
  p = put_addr(p, t.l3_proto, t.saddr);
  *p++ = ':';
  p = put_dec(p, t.sport);
  *p++ = '-';
  *p++ = '>';
  p = put_addr(p, t.l3_proto, t.daddr);
  *p++ = ':';
  p = put_dec(p, t.dport);
  *p++ = '(';
  size_t n;
  const char* name = proto_name(t.l4_proto, n);
  p = put(p, name, n);
  if (tcp_flags && t.l4_proto == kIpprotoTcp && t.tcp_flags != 0) {
    *p++ = ':';
    p = put(p, gotext::tcp_flags_string(t.tcp_flags));
  }
  *p++ = ')';
  return p;
}

// `~` truncation shared by PROCESS and IFACE: when longer than `width`
// bytes, keep the last `width` bytes and overwrite the first with '~'.
// Returns the length of the text now in `tmp` (at most `width`) or 0 when
// `s` fits and should be used as is.
inline size_t tilde_truncate(const char* s, size_t n, size_t width, char* tmp) {
  if (n <= width) return 0;
  std::memcpy(tmp, s + (n - width), width);
  tmp[0] = '~';
  return width;
}

// `%16s` of centerAlignString(s, 16): Go centres by bytes (left gets the
// smaller half), then right-aligns by runes.
inline char* put_centered(char* p, const char* s, size_t n, size_t width) {
  size_t left = 0;
  size_t right = 0;
  if (n < width) {
    left = (width - n) / 2;
    right = width - n - left;
  }
  size_t runes = go_width(s, n) + left + right;
  if (runes < width) p = put_spaces(p, width - runes);
  p = put_spaces(p, left);
  p = put(p, s, n);
  return put_spaces(p, right);
}

}  // namespace

namespace detail {

size_t go_rune_count(std::string_view s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t runes = 0;
  size_t i = 0;
  while (i < n) {
    unsigned c = b[i];
    size_t size = 1;
    if (c >= 0x80) {
      // Valid UTF-8 sequences as Go's decoder accepts them (no overlongs,
      // no surrogates, nothing above U+10FFFF). Anything else: one byte.
      unsigned lo = 0x80;
      unsigned hi = 0xbf;
      size_t need = 0;
      if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
      } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
      }
      if (need != 0 && i + need < n) {
        bool ok = b[i + 1] >= lo && b[i + 1] <= hi;
        for (size_t k = 2; ok && k <= need; ++k) ok = b[i + k] >= 0x80 && b[i + k] <= 0xbf;
        if (ok) size = need + 1;
      }
    }
    i += size;
    ++runes;
  }
  return runes;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Formatter

Formatter::Formatter(const Options& opts) : opts_(opts) {
  // PrintHeader(), column by column.
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);
  if (opts_.timestamp == Timestamp::absolute) fmt::format_to(out, "{:<23} ", "TIME");
  fmt::format_to(out, "{:<18} {:<3} {:<16}", "SKB", "CPU", "PROCESS");
  if (opts_.timestamp != Timestamp::none) fmt::format_to(out, " {:<16}", "TIMESTAMP");
  if (opts_.output_meta) {
    // centerAlignString("IFACE", 16): 5 spaces left, 6 right.
    fmt::format_to(out, " {:<10} {:<8} {:>16} {:<6} {:<5} {:<5}", "NETNS", "MARK/x",
                   "     IFACE      ", "PROTO", "MTU", "LEN");
    if (opts_.output_skb_cb) fmt::format_to(out, " {:<56}", "__sk_buff->cb[]");
  }
  if (opts_.output_netns_names) {
    // centerAlignString("NETNS NAME", N), printed without a leading space.
    char tmp[256];
    size_t w = opts_.netns_names_max_length;
    char* e = put_centered(tmp, "NETNS NAME", 10, w);
    b.append(tmp, e);
  }
  if (opts_.output_tuple) fmt::format_to(out, " TUPLE");
  fmt::format_to(out, " FUNC");
  if (opts_.output_caller) fmt::format_to(out, " CALLER");
  if (opts_.output_tunnel) fmt::format_to(out, " TUNNEL");
  b.push_back('\n');
  header_.assign(b.data(), b.size());
}

char* Formatter::put_absolute_time(char* p, uint64_t wall_ns) {
  // time.Now().Format(...) padded to 23; the event's own wall clock is used
  // instead of the print time.
  char* start = p;
  p = wall_.put(p, wall_ns);
  p = pad_right(start, p, kTimeWidth);
  *p++ = ' ';
  return p;
}

void Formatter::append_line(const pwru_event_v1& ev, fmt::memory_buffer& out) {
  const char* func = ev.func;
  size_t func_n = func != nullptr ? std::strlen(func) : 0;
  const bool has_reason = (ev.flags & PWRU_EV_DROP_REASON) != 0;
  const char* reason = has_reason ? ev.drop_reason_name : nullptr;
  size_t reason_n = reason != nullptr ? std::strlen(reason) : 0;
  const bool has_caller = (ev.flags & PWRU_EV_CALLER) != 0 && ev.caller != nullptr;
  const char* caller = opts_.output_caller && has_caller ? ev.caller : "";
  size_t caller_n = opts_.output_caller ? std::strlen(caller) : 0;
  const char* process = ev.process;
  size_t process_n = process != nullptr ? std::strlen(process) : 0;
  const char* ifname = ev.ifname;
  size_t ifname_n = ifname != nullptr ? std::strlen(ifname) : 0;

  // Upper bound of this line: fixed columns are < 400 bytes; variable
  // ones are added as they are. The process and iface columns are at most
  // 16 bytes of text plus 16 of padding after truncation.
  size_t bound = 400 + func_n + reason_n + caller_n + max_tuple_len_ + kMaxTupleLen +
                 max_func_len_ + kProcessWidth * 2 + kIfaceWidth * 2 +
                 (opts_.output_netns_names ? opts_.netns_names_max_length * 2 : 0) +
                 (opts_.output_skb_cb ? 64 : 0);
  size_t old_size = out.size();
  out.resize(old_size + bound);
  char* p = out.data() + old_size;

  if (opts_.timestamp == Timestamp::absolute) p = put_absolute_time(p, ev.wall_ns);

  // "%-18s %-3s %-16s": %#x of the skb, CPU, process.
  char* col = p;
  *p++ = '0';
  *p++ = 'x';
  p = put_hex(p, ev.skb);
  p = pad_right(col, p, kSkbWidth);
  *p++ = ' ';
  col = p;
  p = put_dec(p, ev.cpu);
  p = pad_right(col, p, kCpuWidth);
  *p++ = ' ';
  {
    char tmp[kProcessWidth];
    char fallback[32];
    if (process == nullptr) {
      // The ABI promises a string; be safe and print what pwru prints for
      // an unknown process.
      auto r = fmt::format_to_n(fallback, sizeof(fallback), "<empty>:{}", ev.pid);
      process = fallback;
      process_n = r.size;
    }
    if (size_t n = tilde_truncate(process, process_n, kProcessWidth, tmp); n != 0) {
      process = tmp;
      process_n = n;
    }
    p = put(p, process, process_n);
    size_t w = go_width(process, process_n);
    if (w < kProcessWidth) p = put_spaces(p, kProcessWidth - w);
  }

  // " %-16d": ktime, or its per-skb delta for relative.
  if (opts_.timestamp != Timestamp::none) {
    uint64_t ts = ev.ktime_ns;
    if (opts_.timestamp == Timestamp::relative) {
      auto prev = last_seen_.exchange(ev.skb, ev.ktime_ns);
      ts = prev ? ts - *prev : 0;  // unsigned wrap on reordering, as in Go
    }
    *p++ = ' ';
    col = p;
    p = put_dec(p, ts);
    p = pad_right(col, p, kTsWidth);
  }

  // " %-10s %-8s %16s %#04x %-5s %-5s": netns, mark, iface, proto, mtu, len.
  if (opts_.output_meta) {
    const bool meta = (ev.flags & PWRU_EV_META) != 0;
    *p++ = ' ';
    col = p;
    p = put_dec(p, meta ? ev.netns : 0);
    p = pad_right(col, p, kNetnsWidth);
    *p++ = ' ';
    col = p;
    p = put_hex(p, meta ? ev.mark : 0);
    p = pad_right(col, p, kMarkWidth);
    *p++ = ' ';
    {
      // getIfaceName(): "name:ifindex" (`~`-truncated to 16), or the bare
      // ifindex when the name is unknown.
      uint32_t ifindex = meta ? ev.ifindex : 0;
      char name[kIfaceWidth + 1 + 12];
      size_t n;
      if (meta && ifname != nullptr) {
        // Only the last 16 bytes can survive truncation; keep at most that
        // much of the name so the buffer stays small.
        const char* s = ifname;
        size_t sn = ifname_n;
        if (sn > kIfaceWidth) {
          s += sn - kIfaceWidth;
          sn = kIfaceWidth;
        }
        char* e = put(name, s, sn);
        *e++ = ':';
        e = put_dec(e, ifindex);
        n = static_cast<size_t>(e - name);
        if (n > kIfaceWidth) {
          std::memmove(name, name + (n - kIfaceWidth), kIfaceWidth);
          name[0] = '~';
          n = kIfaceWidth;
        }
      } else {
        n = static_cast<size_t>(put_dec(name, ifindex) - name);
      }
      p = put_centered(p, name, n, kIfaceWidth);
    }
    // %#04x of a u16: Go counts the width in digits, so always 0xNNNN.
    uint16_t proto = meta ? ev.protocol : 0;
    *p++ = ' ';
    *p++ = '0';
    *p++ = 'x';
    for (int shift = 12; shift >= 0; shift -= 4) *p++ = kHexDigits[(proto >> shift) & 0xf];
    *p++ = ' ';
    col = p;
    p = put_dec(p, meta ? ev.mtu : 0);
    p = pad_right(col, p, kMtuWidth);
    *p++ = ' ';
    col = p;
    p = put_dec(p, meta ? ev.len : 0);
    p = pad_right(col, p, kLenWidth);
    // " [0x%08X,...]" of the five cb words (zeros when not captured).
    if (opts_.output_skb_cb) {
      const bool cb = (ev.flags & PWRU_EV_SKB_CB) != 0 && ev.size >= sizeof(pwru_event_v1);
      *p++ = ' ';
      *p++ = '[';
      for (int i = 0; i < 5; ++i) {
        if (i != 0) *p++ = ',';
        const uint32_t v = cb ? ev.skb_cb[i] : 0;
        *p++ = '0';
        *p++ = 'x';
        for (int shift = 28; shift >= 0; shift -= 4) *p++ = "0123456789ABCDEF"[(v >> shift) & 0xf];
      }
      *p++ = ']';
    }
  }

  // NETNS NAME: the name centred in N (`~`-truncated like IFACE), or N
  // spaces when the namespace has no name; no leading space, as in pwru.
  if (opts_.output_netns_names) {
    const size_t w = opts_.netns_names_max_length;
    const char* name = (ev.flags & PWRU_EV_META) != 0 && ev.size >= sizeof(pwru_event_v1) ? ev.netns_name : nullptr;
    size_t n = name != nullptr ? std::strlen(name) : 0;
    if (n == 0) {
      p = put_spaces(p, w);
    } else {
      char tmp[256];
      if (size_t t = tilde_truncate(name, n, w, tmp); t != 0) {
        name = tmp;
        n = t;
      }
      p = put_centered(p, name, n, w);
    }
  }

  // " %-*s" of the tuple, padded to the widest tuple seen so far.
  if (opts_.output_tuple) {
    static constexpr pwru_tuple_v1 kNoTuple{};
    const pwru_tuple_v1& t = (ev.flags & PWRU_EV_TUPLE) != 0 ? ev.tuple : kNoTuple;
    *p++ = ' ';
    col = p;
    p = put_tuple(p, t, opts_.output_tcp_flags);
    auto n = static_cast<size_t>(p - col);
    if (n > max_tuple_len_) max_tuple_len_ = n;
    p = pad_right(col, p, max_tuple_len_);
  }

  // FUNC: the name, then the drop reason ("name(REASON)" or "name (N)"),
  // then "(tc)"/"(xdp)" for BPF program events.
  *p++ = ' ';
  col = p;
  if (func != nullptr) {
    p = put(p, func, func_n);
  } else {
    *p++ = '0';
    *p++ = 'x';
    p = put_hex(p, ev.func_addr);
  }
  if (has_reason) {
    if (reason != nullptr) {
      *p++ = '(';
      p = put(p, reason, reason_n);
    } else {
      *p++ = ' ';
      *p++ = '(';
      p = put_dec(p, ev.drop_reason);
    }
    *p++ = ')';
  }
  {
    std::string_view suffix;
    if (ev.probe_kind == PWRU_PROBE_TC) suffix = "(tc)";
    if (ev.probe_kind == PWRU_PROBE_XDP) suffix = "(xdp)";
    // Add it unless the host already put it in the display name.
    if (!suffix.empty() && !std::string_view(col, static_cast<size_t>(p - col)).ends_with(suffix))
      p = put(p, suffix);
  }
  if (opts_.output_caller) {
    auto n = static_cast<size_t>(p - col);
    if (n > max_func_len_) max_func_len_ = n;
    p = pad_right(col, p, max_func_len_);
    *p++ = ' ';
    p = put(p, caller, caller_n);
  }
  assert(static_cast<size_t>(p - (out.data() + old_size)) <= bound);
  out.resize(static_cast<size_t>(p - out.data()));
  // What the host filled: ABI 1.4 ends at shinfo_btf, 1.5 at bpfmap_value.
  const bool v14 = ev.size >= offsetof(pwru_event_v1, shinfo_btf) + sizeof(ev.shinfo_btf);
  const bool v15 = ev.size >= offsetof(pwru_event_v1, bpfmap_value) + sizeof(ev.bpfmap_value);
  // --output-skb-metadata: " name=value" per expression (its last field's name).
  if (v14 && (ev.flags & PWRU_EV_SKB_METADATA) != 0 && ev.skb_metadata_names != nullptr &&
      ev.skb_metadata_text != nullptr) {
    for (uint32_t i = 0; i < ev.nskb_metadata; ++i) {
      out.push_back(' ');
      const char* n = ev.skb_metadata_names[i] != nullptr ? ev.skb_metadata_names[i] : "";
      const char* v = ev.skb_metadata_text[i] != nullptr ? ev.skb_metadata_text[i] : "";
      out.append(n, n + std::strlen(n));
      out.push_back('=');
      out.append(v, v + std::strlen(v));
    }
  }
  // --output-stack: "\n" + nearest symbol per frame (no indentation, as pwru).
  if ((ev.flags & PWRU_EV_STACK) != 0 && ev.size >= sizeof(pwru_event_v1) && ev.stack_syms != nullptr) {
    for (uint32_t i = 0; i < ev.nstack; ++i) {
      out.push_back('\n');
      const char* sym = ev.stack_syms[i] != nullptr ? ev.stack_syms[i] : "";
      out.append(sym, sym + std::strlen(sym));
    }
  }
  // --output-skb, --output-skb-shared-info: "\n" + the BTF text of each.
  if (v14 && (ev.flags & PWRU_EV_SKB_BTF) != 0 && ev.skb_btf != nullptr) {
    out.push_back('\n');
    out.append(ev.skb_btf, ev.skb_btf + std::strlen(ev.skb_btf));
  }
  if (v14 && (ev.flags & PWRU_EV_SHINFO_BTF) != 0 && ev.shinfo_btf != nullptr) {
    out.push_back('\n');
    out.append(ev.shinfo_btf, ev.shinfo_btf + std::strlen(ev.shinfo_btf));
  }
  // --output-tunnel: " " + the inner tuple, unpadded (pwru prints it for
  // every event, a zero tuple ":0->:0()" when there is none).
  if (opts_.output_tunnel) {
    static constexpr pwru_tuple_v1 kNoTuple{};
    const pwru_tuple_v1& t = v14 && (ev.flags & PWRU_EV_TUNNEL) != 0 ? ev.tunnel_tuple : kNoTuple;
    char tmp[kMaxTupleLen];
    char* e = put_tuple(tmp, t, opts_.output_tcp_flags);
    out.push_back(' ');
    out.append(tmp, e);
  }
  // --output-bpfmap, as pwru: "\nmap_id: %d\nmap_name: %s\nkey(%d):\n<hex.Dump>value(%d):\n<hex.Dump>",
  // the sizes the map's, the dumps at most 256 bytes (none for a delete's
  // value or a lookup that found nothing).
  if (v15 && (ev.flags & PWRU_EV_BPFMAP) != 0) {
    const char* name = ev.bpfmap_name != nullptr ? ev.bpfmap_name : "";
    fmt::format_to(std::back_inserter(out), "\nmap_id: {}\nmap_name: {}\nkey({}):\n", ev.bpfmap_id, name,
                   ev.bpfmap_key_size);
    if (ev.bpfmap_key != nullptr) gotext::hex_dump(ev.bpfmap_key, ev.bpfmap_key_len, out);
    fmt::format_to(std::back_inserter(out), "value({}):\n", ev.bpfmap_value_size);
    if (ev.bpfmap_value != nullptr) gotext::hex_dump(ev.bpfmap_value, ev.bpfmap_value_len, out);
  }
  out.push_back('\n');
}

}  // namespace pwru::text
