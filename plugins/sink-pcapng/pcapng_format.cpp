// SPDX-License-Identifier: Apache-2.0
#include "pcapng_format.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace pwru::pcapng {
namespace {

constexpr uint8_t kZeros[4] = {0, 0, 0, 0};

// Bytes of padding after `n` bytes to reach a multiple of 4.
constexpr size_t pad4(size_t n) { return (4 - (n & 3)) & 3; }

// Grows the buffer by n bytes and returns where they start. resize() of a
// memory_buffer is inline; fmt's append() is a chunked loop that cost a
// quarter of the time per packet here.
char* grow(Buffer& buf, size_t n) {
  const size_t at = buf.size();
  buf.resize(at + n);
  return buf.data() + at;
}

// Host byte order: the SHB's byte-order magic tells a reader which it is.
template <typename T>
void put(Buffer& buf, T v) {
  std::memcpy(grow(buf, sizeof(T)), &v, sizeof(T));
}

void put_bytes(Buffer& buf, const void* p, size_t n) {
  if (n != 0) std::memcpy(grow(buf, n), p, n);
}

void put_pad(Buffer& buf, size_t n) { put_bytes(buf, kZeros, pad4(n)); }

void patch32(Buffer& buf, size_t at, uint32_t v) { std::memcpy(buf.data() + at, &v, sizeof(v)); }

// One option: code, length, value, padding. Empty values are left out.
void put_option(Buffer& buf, uint16_t code, std::string_view v) {
  if (v.empty()) return;
  if (v.size() > kMaxComment) v = v.substr(0, kMaxComment);
  put<uint16_t>(buf, code);
  put<uint16_t>(buf, static_cast<uint16_t>(v.size()));
  put_bytes(buf, v.data(), v.size());
  put_pad(buf, v.size());
}

void put_end_of_options(Buffer& buf) {
  put<uint16_t>(buf, kOptEndOfOpt);
  put<uint16_t>(buf, 0);
}

// Starts a block: type and a placeholder for the total length. Returns the
// block's offset for finish_block().
size_t begin_block(Buffer& buf, uint32_t type) {
  const size_t at = buf.size();
  put<uint32_t>(buf, type);
  put<uint32_t>(buf, 0);
  return at;
}

// Ends a block: the total length, at both ends.
void finish_block(Buffer& buf, size_t at) {
  const auto total = static_cast<uint32_t>(buf.size() - at + 4);
  put<uint32_t>(buf, total);
  patch32(buf, at + 4, total);
}

// Value text without spaces or control characters, so that key=value pairs
// split on spaces (process, the last field, may keep its spaces).
// Appended whole, then fixed in place: cheaper than a byte at a time.
void put_cleaned(Buffer& buf, const char* s, unsigned char lowest_kept) {
  const size_t n = std::strlen(s);
  char* p = grow(buf, n);
  std::memcpy(p, s, n);
  for (size_t i = 0; i < n; ++i)
    if (static_cast<unsigned char>(p[i]) < lowest_kept) p[i] = '_';
}

void put_token(Buffer& buf, const char* s) { put_cleaned(buf, s, ' ' + 1); }

// Decimal and 0x-hex numbers without fmt's type-erased formatting: the
// comment is the hot part of every packet block.
void put_dec(Buffer& buf, uint64_t v) {
  char tmp[20];
  char* e = tmp + sizeof(tmp);
  char* p = e;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put_bytes(buf, p, static_cast<size_t>(e - p));
}

void put_hex(Buffer& buf, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char tmp[18];
  char* e = tmp + sizeof(tmp);
  char* p = e;
  do {
    *--p = kDigits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  *--p = 'x';
  *--p = '0';
  put_bytes(buf, p, static_cast<size_t>(e - p));
}

void put_str(Buffer& buf, std::string_view s) { put_bytes(buf, s.data(), s.size()); }

}  // namespace

void append_shb(Buffer& buf, std::string_view hardware, std::string_view os, std::string_view userappl) {
  const size_t at = begin_block(buf, kBlockShb);
  put<uint32_t>(buf, kByteOrderMagic);
  put<uint16_t>(buf, 1);  // major version
  put<uint16_t>(buf, 0);  // minor version
  put<int64_t>(buf, -1);  // section length: not specified
  put_option(buf, kShbHardware, hardware);
  put_option(buf, kShbOs, os);
  put_option(buf, kShbUserAppl, userappl);
  if (!hardware.empty() || !os.empty() || !userappl.empty()) put_end_of_options(buf);
  finish_block(buf, at);
}

void append_idb(Buffer& buf, uint16_t linktype, uint32_t snaplen, std::string_view name,
                std::string_view description) {
  const size_t at = begin_block(buf, kBlockIdb);
  put<uint16_t>(buf, linktype);
  put<uint16_t>(buf, 0);  // reserved
  put<uint32_t>(buf, snaplen);
  put_option(buf, kIfName, name);
  put_option(buf, kIfDescription, description);
  // if_tsresol: 10^-9 s, so timestamps are nanoseconds.
  put<uint16_t>(buf, kIfTsresol);
  put<uint16_t>(buf, 1);
  put<uint8_t>(buf, 9);
  put_pad(buf, 1);
  put_end_of_options(buf);
  finish_block(buf, at);
}

namespace {

// The EPB up to and including the padded packet data.
size_t begin_epb(Buffer& buf, uint32_t interface_id, uint64_t ts_ns, const uint8_t* data, uint32_t caplen,
                 uint32_t origlen) {
  const size_t at = begin_block(buf, kBlockEpb);
  put<uint32_t>(buf, interface_id);
  put<uint32_t>(buf, static_cast<uint32_t>(ts_ns >> 32));
  put<uint32_t>(buf, static_cast<uint32_t>(ts_ns));
  put<uint32_t>(buf, caplen);
  put<uint32_t>(buf, std::max(origlen, caplen));
  if (caplen != 0) put_bytes(buf, data, caplen);
  put_pad(buf, caplen);
  return at;
}

}  // namespace

void append_epb(Buffer& buf, uint32_t interface_id, uint64_t ts_ns, const uint8_t* data, uint32_t caplen,
                uint32_t origlen, std::string_view comment) {
  const size_t at = begin_epb(buf, interface_id, ts_ns, data, caplen, origlen);
  if (!comment.empty()) {
    put_option(buf, kOptComment, comment);
    put_end_of_options(buf);
  }
  finish_block(buf, at);
}

void append_comment(Buffer& buf, const pwru_event_v1& ev) {
  put_str(buf, "func=");
  put_token(buf, ev.func != nullptr ? ev.func : "?");
  if (ev.flags & PWRU_EV_DROP_REASON) {
    put_str(buf, " reason=");
    if (ev.drop_reason_name != nullptr)
      put_token(buf, ev.drop_reason_name);
    else
      put_dec(buf, ev.drop_reason);
  }
  put_str(buf, " skb=");
  put_hex(buf, ev.skb);
  if (ev.flags & PWRU_EV_META) {
    put_str(buf, " netns=");
    put_dec(buf, ev.netns);
    put_str(buf, " mark=");
    put_hex(buf, ev.mark);
    put_str(buf, " ifindex=");
    put_dec(buf, ev.ifindex);
    if (ev.ifname != nullptr && ev.ifname[0] != '\0') {
      put_str(buf, " ifname=");
      put_token(buf, ev.ifname);
    }
  }
  // ABI 1.1 field: only when the host's event has it.
  if (ev.size >= offsetof(pwru_event_v1, netns_name) + sizeof(ev.netns_name) && ev.netns_name != nullptr &&
      ev.netns_name[0] != '\0') {
    put_str(buf, " netns_name=");
    put_token(buf, ev.netns_name);
  }
  put_str(buf, " cpu=");
  put_dec(buf, ev.cpu);
  put_str(buf, " process=");
  // Control characters would make the comment more than one line.
  put_cleaned(buf, ev.process != nullptr ? ev.process : "", ' ');
}

InterfaceKey interface_key(const pwru_event_v1& ev) {
  InterfaceKey k;
  k.linktype = ev.linktype;
  if (ev.flags & PWRU_EV_META) {
    k.netns = ev.netns;
    k.ifindex = ev.ifindex;
  }
  return k;
}

std::string interface_name(const InterfaceKey& k, const pwru_event_v1& ev) {
  std::string dev;
  if (!(ev.flags & PWRU_EV_META))
    return "unknown";  // --output-meta=false: no device or namespace known
  if (k.ifindex == 0)
    dev = "nodev";
  else if (ev.ifname != nullptr && ev.ifname[0] != '\0')
    dev = ev.ifname;
  else
    dev = "ifindex" + std::to_string(k.ifindex);
  return dev + "@netns:" + std::to_string(k.netns);
}

std::string interface_description(const InterfaceKey& k, const pwru_event_v1& ev) {
  const char* what = k.linktype == PWRU_LINKTYPE_ETHERNET ? "Ethernet frames (from the MAC header)"
                                                          : "raw IP packets (no MAC header yet or any more)";
  if (!(ev.flags & PWRU_EV_META)) return fmt::format("pwru: {}, device and netns not traced", what);
  if (k.ifindex == 0) return fmt::format("pwru: {} without a device, netns {}", what, k.netns);
  return fmt::format("pwru: {} at ifindex {} in netns {}", what, k.ifindex, k.netns);
}

void Encoder::begin(Buffer& buf, std::string_view hardware, std::string_view os, std::string_view userappl) {
  ids_.clear();
  small_.clear();
  last_id_ = UINT32_MAX;
  append_shb(buf, hardware, os, userappl);
}

uint32_t Encoder::interface_id(const pwru_event_v1& ev, Buffer& buf) {
  const InterfaceKey k = interface_key(ev);
  if (last_id_ != UINT32_MAX && k == last_key_) return last_id_;
  // A trace usually has a handful of interfaces: the first ones are found
  // by a linear scan, the rest through the hash map.
  for (size_t i = 0; i < small_.size(); ++i)
    if (small_[i] == k) {
      last_key_ = k;
      last_id_ = static_cast<uint32_t>(i);
      return last_id_;
    }
  auto [it, fresh] = ids_.try_emplace(k, static_cast<uint32_t>(ids_.size()));
  if (fresh && small_.size() < kSmall && it->second == small_.size()) small_.push_back(k);
  if (fresh) {
    // pcapng link types are 16 bits; pwru only produces 1 and 101.
    append_idb(buf, static_cast<uint16_t>(k.linktype), snaplen_, interface_name(k, ev),
               interface_description(k, ev));
  }
  last_key_ = k;
  last_id_ = it->second;
  return it->second;
}

bool Encoder::append_event(const pwru_event_v1& in, Buffer& buf) {
  if (!(in.flags & PWRU_EV_PACKET) || (in.packet == nullptr && in.caplen != 0)) {
    ++skipped_;
    return false;
  }
  pwru_event_v1 framed;
  const pwru_event_v1* evp = &in;
  if (ethernet_only_ && in.linktype != PWRU_LINKTYPE_ETHERNET) {
    // The synthetic header counts in the snap length, as a captured one would.
    const uint32_t n = std::min<uint32_t>(in.caplen, kMaxSnaplen);
    uint16_t type = in.protocol;
    if (n > 0 && (in.packet[0] >> 4) == 4) type = 0x0800;
    if (n > 0 && (in.packet[0] >> 4) == 6) type = 0x86dd;
    std::memset(framed_.data(), 0, 12);
    framed_[12] = static_cast<uint8_t>(type >> 8);
    framed_[13] = static_cast<uint8_t>(type & 0xff);
    if (n > 0) std::memcpy(framed_.data() + 14, in.packet, n);
    framed = in;
    framed.linktype = PWRU_LINKTYPE_ETHERNET;
    framed.packet = framed_.data();
    framed.caplen = n + 14;
    framed.wirelen = in.wirelen + 14;
    evp = &framed;
  }
  const pwru_event_v1& ev = *evp;
  const uint32_t id = interface_id(ev, buf);
  const uint32_t caplen = std::min(ev.caplen, snaplen_);
  const size_t at = begin_epb(buf, id, ev.wall_ns, ev.packet, caplen, ev.wirelen);
  // The comment is formatted in place; its option length is patched after.
  const size_t opt = buf.size();
  put<uint32_t>(buf, 0);
  append_comment(buf, ev);
  size_t len = buf.size() - opt - 4;
  if (len > kMaxComment) {
    buf.resize(opt + 4 + kMaxComment);
    len = kMaxComment;
  }
  // Option header as two host-order u16: code then length.
  uint16_t h[2] = {kOptComment, static_cast<uint16_t>(len)};
  std::memcpy(buf.data() + opt, h, sizeof(h));
  put_pad(buf, len);
  put_end_of_options(buf);
  finish_block(buf, at);
  ++packets_;
  return true;
}

}  // namespace pwru::pcapng
