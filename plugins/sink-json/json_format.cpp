// SPDX-License-Identifier: Apache-2.0
//
// The JSON formatter. Field names and order follow cilium/pwru's
// jsonPrinter (internal/pwru/output.go); strings are escaped the way Go's
// encoding/json escapes them with SetEscapeHTML(false).
//
// Speed: a line is written with a raw cursor into the caller's
// fmt::memory_buffer, which is grown once per line to an upper bound and
// shrunk to the bytes used. Nothing allocates per event once the buffer and
// the relative-timestamp table have reached their working size.
//
// The small helpers below (IP text, TCP flag names, Go's UTF-8 rules, the
// per-skb table) are twins of the text sink's: plugins share only the SDK.
#include "json_format.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <ctime>

namespace pwru::json {

namespace {

constexpr uint16_t kEthPIp = 0x0800;
constexpr uint16_t kEthPIpv6 = 0x86dd;

constexpr char kHexDigits[] = "0123456789abcdef";

// "FIN|SYN|..." for every flags byte, built at compile time.
struct TcpFlagNames {
  std::array<std::array<char, 32>, 256> text{};
  std::array<uint8_t, 256> len{};
};

constexpr TcpFlagNames make_tcp_flag_names() {
  constexpr const char* names[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
  TcpFlagNames t{};
  for (unsigned f = 0; f < 256; ++f) {
    size_t n = 0;
    for (unsigned bit = 0; bit < 8; ++bit) {
      if ((f & (1u << bit)) == 0) continue;
      if (n != 0) t.text[f][n++] = '|';
      for (const char* c = names[bit]; *c != '\0'; ++c) t.text[f][n++] = *c;
    }
    t.len[f] = static_cast<uint8_t>(n);
  }
  return t;
}
constexpr TcpFlagNames kTcpFlagNames = make_tcp_flag_names();

// Decimal text of 0..255 for dotted quads: 3 chars + length.
struct Octets {
  std::array<std::array<char, 4>, 256> text{};
};
constexpr Octets make_octets() {
  Octets o{};
  for (unsigned v = 0; v < 256; ++v) {
    char d[3];
    unsigned n = 0;
    unsigned x = v;
    do {
      d[n++] = static_cast<char>('0' + x % 10);
      x /= 10;
    } while (x != 0);
    for (unsigned i = 0; i < n; ++i) o.text[v][i] = d[n - 1 - i];
    o.text[v][3] = static_cast<char>(n);
  }
  return o;
}
constexpr Octets kOctets = make_octets();

// For each byte: 0 = copied as is; otherwise it needs a closer look
// (`"`, `\`, a control byte, or the start of a non-ASCII sequence).
// kShortEscape holds the letter of a two-byte escape, or 'u' for \u00XX.
struct EscapeTables {
  std::array<uint8_t, 256> special{};
  std::array<char, 128> short_escape{};
};
constexpr EscapeTables make_escape_tables() {
  EscapeTables t{};
  for (unsigned c = 0; c < 256; ++c) t.special[c] = (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) ? 1 : 0;
  for (unsigned c = 0; c < 0x20; ++c) t.short_escape[c] = 'u';
  t.short_escape['\b'] = 'b';
  t.short_escape['\f'] = 'f';
  t.short_escape['\n'] = 'n';
  t.short_escape['\r'] = 'r';
  t.short_escape['\t'] = 't';
  t.short_escape['"'] = '"';
  t.short_escape['\\'] = '\\';
  return t;
}
constexpr EscapeTables kEscape = make_escape_tables();

inline char* put(char* p, const char* s, size_t n) {
  std::memcpy(p, s, n);
  return p + n;
}
// A string literal without its NUL.
template <size_t N>
inline char* put_lit(char* p, const char (&s)[N]) {
  return put(p, s, N - 1);
}

// "00" "01" ... "99"
struct Digits2 {
  std::array<char, 200> text{};
};
constexpr Digits2 make_digits2() {
  Digits2 d{};
  for (unsigned i = 0; i < 100; ++i) {
    d.text[2 * i] = static_cast<char>('0' + i / 10);
    d.text[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return d;
}
constexpr Digits2 kDigits2 = make_digits2();

inline unsigned count_digits(uint64_t v) {
  unsigned n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000u;
    n += 4;
  }
}

// %d, written in place (two digits at a time, from the end).
inline char* put_dec(char* p, uint64_t v) {
  char* end = p + count_digits(v);
  char* q = end;
  while (v >= 100) {
    auto r = static_cast<size_t>(v % 100);
    v /= 100;
    q -= 2;
    std::memcpy(q, &kDigits2.text[2 * r], 2);
  }
  if (v >= 10) {
    std::memcpy(q - 2, &kDigits2.text[2 * v], 2);
  } else {
    q[-1] = static_cast<char>('0' + v);
  }
  return end;
}

// %x (lower case, no prefix)
inline char* put_hex(char* p, uint64_t v) {
  int bits = v == 0 ? 1 : 64 - __builtin_clzll(v);
  int n = (bits + 3) / 4;
  for (int i = n - 1; i >= 0; --i) {
    p[i] = kHexDigits[v & 0xf];
    v >>= 4;
  }
  return p + n;
}

// Length of the UTF-8 sequence starting at b[i] (a byte >= 0x80) if Go's
// decoder accepts it (no overlongs, no surrogates, nothing above
// U+10FFFF, not cut short by the end), else 0.
inline size_t utf8_seq_len(const unsigned char* b, size_t i, size_t n) {
  unsigned c = b[i];
  unsigned lo = 0x80;
  unsigned hi = 0xbf;
  size_t need;
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
  } else {
    return 0;
  }
  if (i + need >= n) return 0;
  if (b[i + 1] < lo || b[i + 1] > hi) return 0;
  for (size_t k = 2; k <= need; ++k)
    if (b[i + k] < 0x80 || b[i + k] > 0xbf) return 0;
  return need + 1;
}

// The inside of a JSON string (no quotes), as Go's encodeState.string with
// escapeHTML=false writes it. At most 6 output bytes per input byte.
// Nonzero exactly when one of the 8 bytes in `x` needs a closer look: a
// byte below 0x20, `"`, `\`, or a byte >= 0x80. (The "has a byte less
// than n" and "has a zero byte" bit tricks, which are exact for words
// without high bytes; a word with a high byte is flagged by `| x` anyway.)
inline uint64_t special_bytes(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t quote = x ^ (kOnes * '"');
  uint64_t bslash = x ^ (kOnes * '\\');
  uint64_t lt20 = x - kOnes * 0x20;
  uint64_t zq = quote - kOnes;
  uint64_t zb = bslash - kOnes;
  return ((lt20 & ~x) | (zq & ~quote) | (zb & ~bslash) | x) & kHigh;
}

char* put_escaped(char* p, const char* s, size_t n) {
  const auto* b = reinterpret_cast<const unsigned char*>(s);
  size_t i = 0;
  while (i < n) {
    // Plain bytes: 8 at a time while no byte in the word is special, then
    // one at a time up to the next special byte.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (special_bytes(w) != 0) break;
      std::memcpy(p, &w, 8);
      p += 8;
      i += 8;
    }
    while (i < n && kEscape.special[b[i]] == 0) *p++ = s[i++];
    if (i >= n) break;
    unsigned c = b[i];
    if (c < 0x80) {
      char e = kEscape.short_escape[c];
      *p++ = '\\';
      *p++ = e;
      if (e == 'u') {
        *p++ = '0';
        *p++ = '0';
        *p++ = kHexDigits[c >> 4];
        *p++ = kHexDigits[c & 0xf];
      }
      ++i;
      continue;
    }
    size_t len = utf8_seq_len(b, i, n);
    if (len == 0) {
      // utf8.RuneError of width 1: one \ufffd per invalid byte.
      p = put_lit(p, "\\ufffd");
      ++i;
    } else if (len == 3 && c == 0xe2 && b[i + 1] == 0x80 && (b[i + 2] == 0xa8 || b[i + 2] == 0xa9)) {
      // U+2028 / U+2029: Go escapes them even without HTML escaping.
      p = put_lit(p, "\\u202");
      *p++ = b[i + 2] == 0xa8 ? '8' : '9';
      i += 3;
    } else {
      p = put(p, s + i, len);
      i += len;
    }
  }
  return p;
}

inline char* put_quoted(char* p, const char* s, size_t n) {
  *p++ = '"';
  p = put_escaped(p, s, n);
  *p++ = '"';
  return p;
}

inline char* put_ipv4(char* p, const uint8_t* a) {
  for (int i = 0; i < 4; ++i) {
    const auto& o = kOctets.text[a[i]];
    std::memcpy(p, o.data(), 3);  // copy 3, advance by the real length
    p += static_cast<unsigned char>(o[3]);
    if (i != 3) *p++ = '.';
  }
  return p;
}

// Go's net.IP(a[:16]).String(): IPv4-mapped (::ffff:a.b.c.d) prints as a
// dotted quad; everything else follows RFC 5952 (lower-case hex, no leading
// zeros, the longest run of two or more zero groups as "::", the first run
// on a tie).
char* put_ipv6(char* p, const uint8_t* a) {
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kMappedPrefix, sizeof(kMappedPrefix)) == 0) return put_ipv4(p, a + 12);
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>((a[2 * i] << 8) | a[2 * i + 1]);
  int zs = -1;
  int ze = -1;
  for (int i = 0; i < 8; ++i) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i >= 2 && j - i > ze - zs) {
      zs = i;
      ze = j;
    }
  }
  for (int i = 0; i < 8; ++i) {
    if (i == zs) {
      *p++ = ':';
      *p++ = ':';
      i = ze - 1;
      continue;
    }
    if (i != 0 && i != ze) *p++ = ':';
    p = put_hex(p, g[i]);
  }
  return p;
}

// pwru's addrToStr() as a JSON string: "a.b.c.d", "[v6]" (pwru keeps the
// brackets in JSON too), or "" when the tuple's L3 protocol is neither.
inline char* put_addr(char* p, uint16_t l3, const uint8_t* a) {
  *p++ = '"';
  if (l3 == kEthPIp) {
    p = put_ipv4(p, a);
  } else if (l3 == kEthPIpv6) {
    *p++ = '[';
    p = put_ipv6(p, a);
    *p++ = ']';
  }
  *p++ = '"';
  return p;
}

// Bytes of a line besides the escaped strings: keys, numbers, the tuple
// (two bracketed IPv6 texts at most 2 * 43), the time text, the drop-reason
// number. Their sum is under 600; the assertion in append_line checks it.
constexpr size_t kFixedBound = 768;

}  // namespace

namespace detail {

std::string json_quote(std::string_view s) {
  std::string out(escaped_bound(s.size()) + 2, '\0');
  char* e = put_quoted(out.data(), s.data(), s.size());
  out.resize(static_cast<size_t>(e - out.data()));
  return out;
}

std::string ipv6_string(const uint8_t addr[16]) {
  char tmp[64];
  char* e = put_ipv6(tmp, addr);
  return std::string(tmp, e);
}

std::string ipv4_string(const uint8_t addr[4]) {
  char tmp[16];
  char* e = put_ipv4(tmp, addr);
  return std::string(tmp, e);
}

std::string_view tcp_flags_string(uint8_t flags) {
  return std::string_view(kTcpFlagNames.text[flags].data(), kTcpFlagNames.len[flags]);
}

}  // namespace detail

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  if (s == "none") return Timestamp::none;
  if (s == "current") return Timestamp::current;
  if (s == "relative") return Timestamp::relative;
  if (s == "absolute") return Timestamp::absolute;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// SkbLastSeen

namespace {
inline size_t slot_of(uint64_t key, size_t mask) {
  // Fibonacci hashing; skb addresses share their low bits (slab alignment).
  return static_cast<size_t>((key * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}
}  // namespace

std::optional<uint64_t> SkbLastSeen::exchange(uint64_t skb, uint64_t ts) {
  if (skb == 0) {
    std::optional<uint64_t> prev;
    if (has_zero_) prev = zero_value_;
    has_zero_ = true;
    zero_value_ = ts;
    return prev;
  }
  if ((used_ + 1) * 2 > slots_.size()) grow();
  size_t mask = slots_.size() - 1;
  for (size_t i = slot_of(skb, mask);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.key == skb) {
      uint64_t prev = s.value;
      s.value = ts;
      return prev;
    }
    if (s.key == 0) {
      s.key = skb;
      s.value = ts;
      ++used_;
      return std::nullopt;
    }
  }
}

void SkbLastSeen::grow() {
  std::vector<Slot> old(slots_.empty() ? 1024 : slots_.size() * 2, Slot{0, 0});
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.key == 0) continue;
    size_t i = slot_of(s.key, mask);
    while (slots_[i].key != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

// ---------------------------------------------------------------------------
// Formatter

char* Formatter::put_absolute_time(char* p, uint64_t wall_ns) {
  // Go's time.Format("2006-01-02T15:04:05.000") in local time; the fraction
  // is truncated. The event's own wall clock is used, not the print time.
  auto sec = static_cast<int64_t>(wall_ns / 1000000000ull);
  auto ms = static_cast<unsigned>((wall_ns / 1000000ull) % 1000);
  if (sec != time_sec_) {
    time_t t = static_cast<time_t>(sec);
    struct tm tm {};
    if (localtime_r(&t, &tm) == nullptr) std::memset(&tm, 0, sizeof(tm));
    auto r = fmt::format_to_n(time_text_, sizeof(time_text_), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec);
    time_len_ = std::min(r.size, sizeof(time_text_));
    time_sec_ = sec;
  }
  *p++ = '"';
  p = put(p, time_text_, time_len_);
  *p++ = '.';
  *p++ = static_cast<char>('0' + ms / 100);
  *p++ = static_cast<char>('0' + ms / 10 % 10);
  *p++ = static_cast<char>('0' + ms % 10);
  *p++ = '"';
  return p;
}

void Formatter::append_line(const pwru_event_v1& ev, fmt::memory_buffer& out) {
  const char* process = ev.process;
  size_t process_n = process != nullptr ? std::strlen(process) : 0;
  const char* func = ev.func;
  size_t func_n = func != nullptr ? std::strlen(func) : 0;
  const bool has_reason = (ev.flags & PWRU_EV_DROP_REASON) != 0;
  const char* reason = has_reason ? ev.drop_reason_name : nullptr;
  size_t reason_n = reason != nullptr ? std::strlen(reason) : 0;
  const bool has_caller =
      opts_.output_caller && (ev.flags & PWRU_EV_CALLER) != 0 && ev.caller != nullptr;
  size_t caller_n = has_caller ? std::strlen(ev.caller) : 0;
  const bool has_meta = opts_.output_meta && (ev.flags & PWRU_EV_META) != 0;
  const char* ifname = has_meta ? ev.ifname : nullptr;
  size_t ifname_n = ifname != nullptr ? std::strlen(ifname) : 0;
  // netns_name came with a later struct layout: read it only if the
  // producer's struct has it.
  const bool has_netns_field =
      ev.size >= offsetof(pwru_event_v1, netns_name) + sizeof(ev.netns_name);
  const char* netns_name =
      opts_.output_netns_names && has_netns_field ? ev.netns_name : nullptr;
  size_t netns_name_n = netns_name != nullptr ? std::strlen(netns_name) : 0;

  // Upper bound of this line: fixed parts plus each string at its worst
  // escaping (the reason name appears twice: in func and drop_reason).
  // pwru's `stack`: one string of "\n<symbol>" pieces (--output-stack).
  std::string stack_text;
  if ((ev.flags & PWRU_EV_STACK) != 0 && ev.size >= sizeof(pwru_event_v1) && ev.stack_syms != nullptr) {
    for (uint32_t i = 0; i < ev.nstack; ++i) {
      stack_text.push_back('\n');
      if (ev.stack_syms[i] != nullptr) stack_text += ev.stack_syms[i];
    }
  }
  size_t bound = kFixedBound + 16 +
                 detail::escaped_bound(process_n + func_n + 2 * reason_n + caller_n + ifname_n + netns_name_n +
                                       stack_text.size());
  size_t old_size = out.size();
  out.resize(old_size + bound);
  char* p = out.data() + old_size;

  // "skb": %#x as a string.
  p = put_lit(p, "{\"skb\":\"0x");
  p = put_hex(p, ev.skb);
  *p++ = '"';

  p = put_lit(p, ",\"cpu\":");
  p = put_dec(p, ev.cpu);

  p = put_lit(p, ",\"process\":");
  if (process != nullptr) {
    p = put_quoted(p, process, process_n);
  } else {
    // The ABI promises a string; be safe and print what pwru prints for
    // an unknown process.
    p = put_lit(p, "\"<empty>:");
    p = put_dec(p, ev.pid);
    *p++ = '"';
  }

  // "func": the text sink's FUNC: the name, then the drop reason
  // ("name(REASON)" or "name (N)"), then "(tc)"/"(xdp)" for BPF programs.
  p = put_lit(p, ",\"func\":\"");
  {
    char* start = p;
    if (func != nullptr) {
      p = put_escaped(p, func, func_n);
    } else {
      p = put_lit(p, "0x");
      p = put_hex(p, ev.func_addr);
    }
    if (has_reason) {
      if (reason != nullptr) {
        *p++ = '(';
        p = put_escaped(p, reason, reason_n);
      } else {
        p = put_lit(p, " (");
        p = put_dec(p, ev.drop_reason);
      }
      *p++ = ')';
    }
    std::string_view suffix;
    if (ev.probe_kind == PWRU_PROBE_TC) suffix = "(tc)";
    if (ev.probe_kind == PWRU_PROBE_XDP) suffix = "(xdp)";
    // Add it unless the host already put it in the display name. (An escape
    // sequence never ends in ')', so the escaped text ends with the suffix
    // exactly when the raw text does.)
    if (!suffix.empty() &&
        !std::string_view(start, static_cast<size_t>(p - start)).ends_with(suffix))
      p = put(p, suffix.data(), suffix.size());
    *p++ = '"';
  }

  if (has_caller) {
    p = put_lit(p, ",\"caller_func\":");
    p = put_quoted(p, ev.caller, caller_n);
  }

  switch (opts_.timestamp) {
    case Timestamp::none:
      break;
    case Timestamp::current:
      p = put_lit(p, ",\"time\":");
      p = put_dec(p, ev.ktime_ns);
      break;
    case Timestamp::relative: {
      auto prev = last_seen_.exchange(ev.skb, ev.ktime_ns);
      p = put_lit(p, ",\"time\":");
      p = put_dec(p, prev ? ev.ktime_ns - *prev : 0);  // unsigned wrap on reordering, as in Go
      break;
    }
    case Timestamp::absolute:
      p = put_lit(p, ",\"time\":");
      p = put_absolute_time(p, ev.wall_ns);
      break;
  }

  if (has_meta) {
    p = put_lit(p, ",\"netns\":");
    p = put_dec(p, ev.netns);
  }
  if (netns_name != nullptr) {
    p = put_lit(p, ",\"netns_name\":");
    p = put_quoted(p, netns_name, netns_name_n);
  }
  if (has_meta) {
    p = put_lit(p, ",\"mark\":");
    p = put_dec(p, ev.mark);
    // getIfaceName(): "name:ifindex", or the bare ifindex when the name is
    // unknown (never `~`-truncated in JSON).
    p = put_lit(p, ",\"iface\":\"");
    if (ifname != nullptr) {
      p = put_escaped(p, ifname, ifname_n);
      *p++ = ':';
    }
    p = put_dec(p, ev.ifindex);
    *p++ = '"';
    p = put_lit(p, ",\"proto\":");
    p = put_dec(p, ev.protocol);
    p = put_lit(p, ",\"mtu\":");
    p = put_dec(p, ev.mtu);
    p = put_lit(p, ",\"len\":");
    p = put_dec(p, ev.len);
  }

  if (opts_.output_tuple && (ev.flags & PWRU_EV_TUPLE) != 0) {
    const pwru_tuple_v1& t = ev.tuple;
    p = put_lit(p, ",\"tuple\":{\"saddr\":");
    p = put_addr(p, t.l3_proto, t.saddr);
    p = put_lit(p, ",\"daddr\":");
    p = put_addr(p, t.l3_proto, t.daddr);
    p = put_lit(p, ",\"sport\":");
    p = put_dec(p, t.sport);
    p = put_lit(p, ",\"dport\":");
    p = put_dec(p, t.dport);
    p = put_lit(p, ",\"proto\":");
    p = put_dec(p, t.l4_proto);
    if (opts_.output_tcp_flags && t.tcp_flags != 0) {
      p = put_lit(p, ",\"flags\":\"");
      p = put(p, kTcpFlagNames.text[t.tcp_flags].data(), kTcpFlagNames.len[t.tcp_flags]);
      *p++ = '"';
    }
    *p++ = '}';
  }

  if (!stack_text.empty()) {
    p = put_lit(p, ",\"stack\":");
    p = put_quoted(p, stack_text.data(), stack_text.size());
  }

  // Our additions, after pwru's fields.
  if (has_reason) {
    p = put_lit(p, ",\"drop_reason\":\"");
    if (reason != nullptr)
      p = put_escaped(p, reason, reason_n);
    else
      p = put_dec(p, ev.drop_reason);
    p = put_lit(p, "\",\"drop_reason_code\":");
    p = put_dec(p, ev.drop_reason);
  }

  *p++ = '}';
  *p++ = '\n';
  assert(static_cast<size_t>(p - (out.data() + old_size)) <= bound);
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace pwru::json
