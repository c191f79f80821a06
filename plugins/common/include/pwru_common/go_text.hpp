// SPDX-License-Identifier: Apache-2.0
//
// Text pieces both built-in sinks (text, json) print exactly as cilium/pwru
// (Go) prints them: numbers, IP addresses as net.IP.String(), TCP flag
// names, the --timestamp modes with pwru's per-skb "last seen" table, and
// the absolute-time text. Raw-cursor writers: the caller guarantees room
// (each function says how much it can write).
#pragma once

#include <time.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace pwru::gotext {

inline constexpr uint16_t kEthPIp = 0x0800;
inline constexpr uint16_t kEthPIpv6 = 0x86dd;
inline constexpr char kHexDigits[] = "0123456789abcdef";

namespace tables {

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
inline constexpr TcpFlagNames kTcpFlagNames = make_tcp_flag_names();

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
inline constexpr Octets kOctets = make_octets();

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
inline constexpr Digits2 kDigits2 = make_digits2();

}  // namespace tables

inline char* put(char* p, const char* s, size_t n) {
  std::memcpy(p, s, n);
  return p + n;
}
inline char* put(char* p, std::string_view s) { return put(p, s.data(), s.size()); }

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

// %d (at most 20 bytes), written in place two digits at a time from the end.
inline char* put_dec(char* p, uint64_t v) {
  char* end = p + count_digits(v);
  char* q = end;
  while (v >= 100) {
    auto r = static_cast<size_t>(v % 100);
    v /= 100;
    q -= 2;
    std::memcpy(q, &tables::kDigits2.text[2 * r], 2);
  }
  if (v >= 10) {
    std::memcpy(q - 2, &tables::kDigits2.text[2 * v], 2);
  } else {
    q[-1] = static_cast<char>('0' + v);
  }
  return end;
}

// %x: lower case, no prefix (at most 16 bytes).
inline char* put_hex(char* p, uint64_t v) {
  int bits = v == 0 ? 1 : 64 - __builtin_clzll(v);
  int n = (bits + 3) / 4;
  for (int i = n - 1; i >= 0; --i) {
    p[i] = kHexDigits[v & 0xf];
    v >>= 4;
  }
  return p + n;
}

// Dotted quad (at most 15 bytes).
inline char* put_ipv4(char* p, const uint8_t* a) {
  for (int i = 0; i < 4; ++i) {
    const auto& o = tables::kOctets.text[a[i]];
    std::memcpy(p, o.data(), 3);  // copy 3, advance by the real length
    p += static_cast<unsigned char>(o[3]);
    if (i != 3) *p++ = '.';
  }
  return p;
}

// Go's net.IP(a[:16]).String() (at most 39 bytes): IPv4-mapped
// (::ffff:a.b.c.d) prints as a dotted quad; everything else follows RFC
// 5952 (lower-case hex, no leading zeros, the longest run of two or more
// zero groups as "::", the first run on a tie).
inline char* put_ipv6(char* p, const uint8_t* a) {
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

// pwru's addrToStr() (at most 41 bytes): dotted quad, "[v6]", or nothing
// when the L3 protocol is neither.
inline char* put_addr(char* p, uint16_t l3, const uint8_t* a) {
  if (l3 == kEthPIp) return put_ipv4(p, a);
  if (l3 == kEthPIpv6) {
    *p++ = '[';
    p = put_ipv6(p, a);
    *p++ = ']';
  }
  return p;
}

// pwru's tcpFlag.String(): "FIN|SYN|..." in the order FIN,SYN,RST,PSH,ACK,URG,ECE,CWR.
inline std::string_view tcp_flags_string(uint8_t flags) {
  return std::string_view(tables::kTcpFlagNames.text[flags].data(), tables::kTcpFlagNames.len[flags]);
}

inline std::string ipv6_string(const uint8_t addr[16]) {
  char tmp[64];
  return std::string(tmp, put_ipv6(tmp, addr));
}
inline std::string ipv4_string(const uint8_t addr[4]) {
  char tmp[16];
  return std::string(tmp, put_ipv4(tmp, addr));
}

// pwru's --timestamp values.
enum class Timestamp {
  none,      // nothing
  current,   // ev.ktime_ns
  relative,  // ktime delta from the previous event of the same skb (0 the first time)
  absolute,  // "2006-01-02T15:04:05.000", local time of ev.wall_ns
};

// Parses "none", "current", "relative" or "absolute"; nullopt otherwise.
inline std::optional<Timestamp> parse_timestamp(std::string_view s) {
  if (s == "none") return Timestamp::none;
  if (s == "current") return Timestamp::current;
  if (s == "relative") return Timestamp::relative;
  if (s == "absolute") return Timestamp::absolute;
  return std::nullopt;
}

// Remembers the last ktime of every skb address (pwru's lastSeenSkb): an
// open-addressing table that only allocates when it grows, so a steady set
// of skb addresses (slab objects are reused) costs no allocation per event.
// Like pwru, entries are never removed.
class SkbLastSeen {
 public:
  // Stores `ts` for `skb` and returns the previous value, if any.
  std::optional<uint64_t> exchange(uint64_t skb, uint64_t ts) {
    if (skb == 0) {
      std::optional<uint64_t> prev;
      if (has_zero_) prev = zero_value_;
      has_zero_ = true;
      zero_value_ = ts;
      return prev;
    }
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
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
  size_t size() const { return used_ + (has_zero_ ? 1 : 0); }

 private:
  struct Slot {
    uint64_t key;  // 0 = empty; skb 0 lives in zero_value_
    uint64_t value;
  };
  // Fibonacci hashing; skb addresses share their low bits (slab alignment).
  static size_t slot_of(uint64_t key, size_t mask) {
    return static_cast<size_t>((key * 0x9e3779b97f4a7c15ull) >> 32) & mask;
  }
  void grow() {
    std::vector<Slot> old(slots_.empty() ? 1024 : slots_.size() * 2, Slot{0, 0});
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.key == 0) continue;
      size_t i = slot_of(s.key, mask);
      while (slots_[i].key != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
  bool has_zero_ = false;
  uint64_t zero_value_ = 0;
};

// Go's time.Format("2006-01-02T15:04:05.000") in local time, fraction
// truncated (exactly 23 bytes). localtime_r runs once per second of events,
// not once per event.
class WallClockText {
 public:
  char* put(char* p, uint64_t wall_ns) {
    auto sec = static_cast<int64_t>(wall_ns / 1000000000ull);
    auto ms = static_cast<unsigned>((wall_ns / 1000000ull) % 1000);
    if (sec != sec_) {
      time_t t = static_cast<time_t>(sec);
      struct tm tm {};
      if (localtime_r(&t, &tm) == nullptr) std::memset(&tm, 0, sizeof(tm));
      auto r = fmt::format_to_n(text_, sizeof(text_), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      len_ = std::min(r.size, sizeof(text_));
      sec_ = sec;
    }
    p = gotext::put(p, text_, len_);
    *p++ = '.';
    *p++ = static_cast<char>('0' + ms / 100);
    *p++ = static_cast<char>('0' + ms / 10 % 10);
    *p++ = static_cast<char>('0' + ms % 10);
    return p;
  }

 private:
  int64_t sec_ = -1;
  char text_[32] = {};
  size_t len_ = 0;
};

// Go's encoding/hex Dump(data), byte for byte, appended to `out`: per 16
// bytes "%08x  " offset, each byte as two lowercase hex digits and a space
// (one more space after the 8th), then " |" + the bytes as text ('.'
// outside 32..126) + "|\n"; a short last line is padded so its text column
// lines up. No bytes, no output.
template <typename Out>
void hex_dump(const uint8_t* data, size_t n, Out& out) {
  for (size_t line = 0; line < n; line += 16) {
    char buf[80];
    char* p = buf;
    const auto off = static_cast<uint32_t>(line);
    for (int shift = 28; shift >= 0; shift -= 4) *p++ = kHexDigits[(off >> shift) & 0xf];
    *p++ = ' ';
    *p++ = ' ';
    const size_t used = std::min<size_t>(16, n - line);
    for (size_t i = 0; i < 16; ++i) {
      if (i < used) {
        *p++ = kHexDigits[data[line + i] >> 4];
        *p++ = kHexDigits[data[line + i] & 0xf];
      } else {
        *p++ = ' ';
        *p++ = ' ';
      }
      *p++ = ' ';
      if (i == 7) *p++ = ' ';
    }
    *p++ = ' ';
    *p++ = '|';
    for (size_t i = 0; i < used; ++i) {
      const uint8_t c = data[line + i];
      *p++ = c < 32 || c > 126 ? '.' : static_cast<char>(c);
    }
    *p++ = '|';
    *p++ = '\n';
    out.append(buf, p);
  }
}

}  // namespace pwru::gotext
