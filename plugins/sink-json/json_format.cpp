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
#include <cstddef>
#include <cstring>
#include <ctime>

namespace pwru::json {

namespace {


using gotext::kEthPIp;
using gotext::kEthPIpv6;
using gotext::kHexDigits;
using gotext::put;
using gotext::put_dec;
using gotext::put_hex;

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

// A string literal without its NUL.
template <size_t N>
inline char* put_lit(char* p, const char (&s)[N]) {
  return put(p, s, N - 1);
}

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

// pwru's addrToStr() as a JSON string: "a.b.c.d", "[v6]" (pwru keeps the
// brackets in JSON too), or "" when the tuple's L3 protocol is neither.
inline char* put_addr(char* p, uint16_t l3, const uint8_t* a) {
  *p++ = '"';
  p = gotext::put_addr(p, l3, a);
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

}  // namespace detail

// ---------------------------------------------------------------------------
// Formatter

char* Formatter::put_absolute_time(char* p, uint64_t wall_ns) {
  // A JSON string; the event's own wall clock, not the print time.
  *p++ = '"';
  p = wall_.put(p, wall_ns);
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
  // ABI 1.4 parts: pwru's skb_shared_info and skb_metadata (the BTF texts,
  // each after a "\n" as pwru's getSkbData returns it), and our `metadata`
  // object of --output-skb-metadata values.
  // What the host filled: ABI 1.4 ends at shinfo_btf, 1.5 at bpfmap_value.
  const bool v14 = ev.size >= offsetof(pwru_event_v1, shinfo_btf) + sizeof(ev.shinfo_btf);
  const bool v15 = ev.size >= offsetof(pwru_event_v1, bpfmap_value) + sizeof(ev.bpfmap_value);
  // --output-bpfmap (pwru prints it in text only): our `bpfmap` object.
  const bool has_bpfmap = v15 && (ev.flags & PWRU_EV_BPFMAP) != 0;
  const char* bpfmap_name = has_bpfmap && ev.bpfmap_name != nullptr ? ev.bpfmap_name : "";
  const size_t bpfmap_name_n = std::strlen(bpfmap_name);
  const char* skb_btf = v14 && (ev.flags & PWRU_EV_SKB_BTF) != 0 ? ev.skb_btf : nullptr;
  const char* shinfo_btf = v14 && (ev.flags & PWRU_EV_SHINFO_BTF) != 0 ? ev.shinfo_btf : nullptr;
  const size_t skb_btf_n = skb_btf != nullptr ? std::strlen(skb_btf) : 0;
  const size_t shinfo_btf_n = shinfo_btf != nullptr ? std::strlen(shinfo_btf) : 0;
  const bool has_md = v14 && (ev.flags & PWRU_EV_SKB_METADATA) != 0 && ev.skb_metadata_exprs != nullptr &&
                      ev.skb_metadata_text != nullptr;
  size_t md_n = 0;
  if (has_md)
    for (uint32_t i = 0; i < ev.nskb_metadata; ++i)
      md_n += 8 + (ev.skb_metadata_exprs[i] != nullptr ? std::strlen(ev.skb_metadata_exprs[i]) : 0) +
              (ev.skb_metadata_text[i] != nullptr ? std::strlen(ev.skb_metadata_text[i]) : 0);
  const bool has_tunnel = opts_.output_tunnel && v14 && (ev.flags & PWRU_EV_TUNNEL) != 0;
  const bool has_cb = opts_.output_skb_cb && has_meta && v14 && (ev.flags & PWRU_EV_SKB_CB) != 0;
  size_t bound = kFixedBound + 16 + (has_tunnel ? 256 : 0) + (has_cb ? 64 : 0) +
                 (has_bpfmap ? 160 + 2 * (ev.bpfmap_key_len + ev.bpfmap_value_len) : 0) +
                 detail::escaped_bound(process_n + func_n + 2 * reason_n + caller_n + ifname_n + netns_name_n +
                                       stack_text.size() + skb_btf_n + shinfo_btf_n + 2 + md_n + bpfmap_name_n);
  size_t old_size = out.size();
  out.resize(old_size + bound);
  char* p = out.data() + old_size;

  // "skb": %#x as a string.
  p = put_lit(p, "{\"skb\":\"0x");
  p = put_hex(p, ev.skb);
  *p++ = '"';

  if (shinfo_btf != nullptr) {
    p = put_lit(p, ",\"skb_shared_info\":\"\\n");
    p = put_escaped(p, shinfo_btf, shinfo_btf_n);
    *p++ = '"';
  }

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
    if (has_cb) {
      p = put_lit(p, ",\"cb\":[");
      for (int i = 0; i < 5; ++i) {
        if (i != 0) *p++ = ',';
        p = put_dec(p, ev.skb_cb[i]);
      }
      *p++ = ']';
    }
  }

  auto put_tuple_obj = [&](char* q, const pwru_tuple_v1& t) {
    q = put_lit(q, "{\"saddr\":");
    q = put_addr(q, t.l3_proto, t.saddr);
    q = put_lit(q, ",\"daddr\":");
    q = put_addr(q, t.l3_proto, t.daddr);
    q = put_lit(q, ",\"sport\":");
    q = put_dec(q, t.sport);
    q = put_lit(q, ",\"dport\":");
    q = put_dec(q, t.dport);
    q = put_lit(q, ",\"proto\":");
    q = put_dec(q, t.l4_proto);
    if (opts_.output_tcp_flags && t.tcp_flags != 0) {
      q = put_lit(q, ",\"flags\":\"");
      q = put(q, gotext::tcp_flags_string(t.tcp_flags));
      *q++ = '"';
    }
    *q++ = '}';
    return q;
  };
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
      p = put(p, gotext::tcp_flags_string(t.tcp_flags));
      *p++ = '"';
    }
    *p++ = '}';
  }

  if (has_tunnel) {
    p = put_lit(p, ",\"tunnel_tuple\":");
    p = put_tuple_obj(p, ev.tunnel_tuple);
  }

  if (!stack_text.empty()) {
    p = put_lit(p, ",\"stack\":");
    p = put_quoted(p, stack_text.data(), stack_text.size());
  }

  // pwru's quirk: the --output-skb text goes into `skb_metadata`.
  if (skb_btf != nullptr) {
    p = put_lit(p, ",\"skb_metadata\":\"\\n");
    p = put_escaped(p, skb_btf, skb_btf_n);
    *p++ = '"';
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
  // --output-skb-metadata values (pwru prints them in text only):
  // {"skb->mark":"42", ...}, each value as the text column shows it.
  if (has_md) {
    p = put_lit(p, ",\"metadata\":{");
    for (uint32_t i = 0; i < ev.nskb_metadata; ++i) {
      if (i != 0) *p++ = ',';
      const char* x = ev.skb_metadata_exprs[i] != nullptr ? ev.skb_metadata_exprs[i] : "";
      const char* v = ev.skb_metadata_text[i] != nullptr ? ev.skb_metadata_text[i] : "";
      p = put_quoted(p, x, std::strlen(x));
      *p++ = ':';
      p = put_quoted(p, v, std::strlen(v));
    }
    *p++ = '}';
  }
  // --output-bpfmap: {"id":N,"name":"...","key_size":N,"key":"<hex>","value_size":N,"value":"<hex>"},
  // key and value as the bytes read (at most 256; "value" left out when
  // there is none: a delete, a lookup that found nothing).
  if (has_bpfmap) {
    auto put_bytes = [&](const uint8_t* b, uint32_t n) {
      *p++ = '"';
      for (uint32_t i = 0; b != nullptr && i < n; ++i) {
        *p++ = gotext::kHexDigits[b[i] >> 4];
        *p++ = gotext::kHexDigits[b[i] & 0xf];
      }
      *p++ = '"';
    };
    p = put_lit(p, ",\"bpfmap\":{\"id\":");
    p = put_dec(p, ev.bpfmap_id);
    p = put_lit(p, ",\"name\":");
    p = put_quoted(p, bpfmap_name, bpfmap_name_n);
    p = put_lit(p, ",\"key_size\":");
    p = put_dec(p, ev.bpfmap_key_size);
    p = put_lit(p, ",\"key\":");
    put_bytes(ev.bpfmap_key, ev.bpfmap_key_len);
    p = put_lit(p, ",\"value_size\":");
    p = put_dec(p, ev.bpfmap_value_size);
    if (ev.bpfmap_value_len > 0) {
      p = put_lit(p, ",\"value\":");
      put_bytes(ev.bpfmap_value, ev.bpfmap_value_len);
    }
    *p++ = '}';
  }

  *p++ = '}';
  *p++ = '\n';
  assert(static_cast<size_t>(p - (out.data() + old_size)) <= bound);
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace pwru::json
