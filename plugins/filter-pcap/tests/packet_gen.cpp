// SPDX-License-Identifier: Apache-2.0
// Packets drawn from small pools of addresses, ports and types that include
// every value the differential test's expressions name, so that each
// expression matches a fair share of them.
#include "packet_gen.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace pwru::test {
namespace {

using Bytes = std::vector<uint8_t>;

void put8(Bytes& b, uint32_t v) { b.push_back(static_cast<uint8_t>(v)); }
void put16(Bytes& b, uint32_t v) {
  put8(b, v >> 8);
  put8(b, v);
}
void put32(Bytes& b, uint32_t v) {
  put16(b, v >> 16);
  put16(b, v);
}
void put(Bytes& b, const Bytes& v) { b.insert(b.end(), v.begin(), v.end()); }
Bytes random_bytes(Rng& r, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(r.below(256));
  return b;
}

const std::vector<uint32_t> kIpv4Pool = {
    0xc633640a, 0xc633640a, 0xc633640a,  // 198.51.100.10 (the host in the expressions)
    0xc6336401, 0xc633644d, 0xc63364ff,  // 198.51.100.1, .77, .255
    0xcb007105, 0xcb00717f,              // 203.0.113.5, .127 (in 203.0.113.0/25)
    0xcb007180, 0xcb0071c8,              // 203.0.113.128, .200 (outside it)
    0x0a000001, 0xc0000221,              // 10.0.0.1, 192.0.2.33
    0xe0000001, 0xeffe0102, 0xffffffff,  // 224.0.0.1, 239.254.1.2, broadcast
    0,                                   // 0: random
};

using Ip6 = std::array<uint8_t, 16>;
const std::vector<Ip6> kIpv6Pool = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},  // 2001:db8::10
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},  // 2001:db8::1
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20},  // 2001:db8::20
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10},  // 2001:db8:1::10
    {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},        // fe80::1
    {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},        // ff02::1
    {},                                                                 // random
};

const std::vector<uint32_t> kPorts = {22, 22, 80, 80, 443, 53, 8080, 8080, 8000,
                                      8050, 8100, 7999, 8101, 12345, 0 /* random */};

const std::vector<Bytes> kMacPool = {
    {0x02, 0, 0, 0, 0, 0x01}, {0x02, 0, 0, 0, 0, 0x01}, {0x02, 0, 0, 0, 0, 0x02},
    {0x02, 0, 0, 0, 0, 0x03}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    {0x01, 0x00, 0x5e, 0, 0, 0x01}, {0x33, 0x33, 0, 0, 0, 0x01}, {} /* random */};

uint32_t ipv4(Rng& r) {
  const uint32_t a = r.pick(kIpv4Pool);
  return a != 0 ? a : r.u32();
}
Bytes ipv6(Rng& r) {
  const Ip6& a = r.pick(kIpv6Pool);
  if (a == Ip6{}) return random_bytes(r, 16);
  return Bytes(a.begin(), a.end());
}
uint32_t port(Rng& r) {
  const uint32_t p = r.pick(kPorts);
  return p != 0 ? p : r.below(65536);
}
Bytes mac(Rng& r) {
  const Bytes& m = r.pick(kMacPool);
  return m.empty() ? random_bytes(r, 6) : m;
}

// Payload sizes: often empty, mostly small, sometimes enough to pass 512.
size_t payload_len(Rng& r) {
  const uint32_t c = r.below(100);
  if (c < 35) return 0;
  if (c < 85) return r.range(1, 120);
  if (c < 93) return r.range(121, 400);
  return r.range(430, 560);
}

Bytes tcp(Rng& r) {
  static const std::vector<uint32_t> flags = {0x02, 0x02, 0x12, 0x12, 0x10, 0x10, 0x18,
                                              0x11, 0x04, 0x14, 0xc2, 0x42, 0x01, 0x29, 0};
  Bytes b;
  put16(b, port(r));
  put16(b, port(r));
  put32(b, r.u32());
  put32(b, r.u32());
  const uint32_t doff = r.chance(20) ? r.range(6, 15) : 5;
  put8(b, doff << 4 | r.below(16));
  uint32_t f = r.pick(flags);
  if (f == 0) f = r.below(256);
  put8(b, f);
  put16(b, r.below(65536));
  put16(b, r.below(65536));
  put16(b, r.chance(80) ? 0 : r.below(65536));
  put(b, random_bytes(r, (doff - 5) * 4));
  put(b, random_bytes(r, payload_len(r)));
  return b;
}

Bytes udp(Rng& r) {
  Bytes p = random_bytes(r, payload_len(r));
  if (p.size() >= 2 && r.chance(35)) {
    p[0] = 0x12;
    p[1] = 0x34;
  }
  Bytes b;
  put16(b, port(r));
  put16(b, port(r));
  put16(b, static_cast<uint32_t>(8 + p.size()));
  put16(b, r.below(65536));
  put(b, p);
  return b;
}

Bytes icmp(Rng& r, bool v6) {
  static const std::vector<uint32_t> v4_types = {0, 0, 8, 8, 3, 11, 5, 13, 256};
  static const std::vector<uint32_t> v6_types = {128, 128, 129, 1, 3, 135, 136, 133, 256};
  uint32_t t = r.pick(v6 ? v6_types : v4_types);
  if (t == 256) t = r.below(256);
  Bytes b;
  put8(b, t);
  put8(b, r.chance(80) ? 0 : r.below(256));
  put16(b, r.below(65536));
  put32(b, r.u32());
  put(b, random_bytes(r, std::min<size_t>(payload_len(r), 200)));
  return b;
}

Bytes gre(Rng& r) {
  Bytes b;
  put16(b, r.chance(80) ? 0 : r.below(65536));
  put16(b, r.chance(50) ? 0x0800 : 0x6558);
  put(b, random_bytes(r, r.range(0, 80)));
  return b;
}

// A transport header + payload for protocol `proto` (IPv4 or IPv6 flavour).
Bytes l4(Rng& r, uint32_t proto, bool v6) {
  switch (proto) {
    case 6:
      return tcp(r);
    case 17:
      return udp(r);
    case 1:
    case 58:
      return icmp(r, v6);
    case 47:
      return gre(r);
    default:
      return random_bytes(r, r.range(0, 60));
  }
}

Bytes ipv4_packet(Rng& r) {
  static const std::vector<uint32_t> protos = {6, 6, 6, 6, 17, 17, 17, 1, 1, 47, 58, 132, 256};
  static const std::vector<uint32_t> ttls = {1, 32, 63, 64, 64, 65, 128, 255};
  uint32_t proto = r.pick(protos);
  if (proto == 256) proto = r.below(256);
  const uint32_t ihl = r.chance(15) ? r.range(6, 15) : 5;
  uint32_t frag;
  const uint32_t c = r.below(100);
  if (c < 70)
    frag = r.chance(50) ? 0x4000 : 0;  // DF or nothing
  else if (c < 80)
    frag = 0x2000;  // MF, first fragment
  else if (c < 95)
    frag = (r.chance(50) ? 0x2000 : 0) | r.range(1, 0x1fff);
  else
    frag = r.below(65536);
  const Bytes payload = l4(r, proto, false);
  Bytes b;
  put8(b, 0x40 | ihl);
  put8(b, r.below(256));
  const uint32_t total = ihl * 4 + static_cast<uint32_t>(payload.size());
  put16(b, r.chance(95) ? total : r.below(65536));
  put16(b, r.below(65536));
  put16(b, frag);
  put8(b, r.pick(ttls));
  put8(b, proto);
  put16(b, r.below(65536));
  put32(b, ipv4(r));
  put32(b, ipv4(r));
  for (uint32_t i = 0; i < (ihl - 5) * 4; ++i) put8(b, r.chance(60) ? 1 : r.below(256));  // NOPs
  put(b, payload);
  return b;
}

Bytes ipv6_packet(Rng& r) {
  static const std::vector<uint32_t> protos = {6, 6, 6, 6, 17, 17, 17, 58, 58, 58, 59, 47, 256};
  static const std::vector<uint32_t> exts = {0, 60, 43, 44, 44};
  uint32_t proto = r.pick(protos);
  if (proto == 256) proto = r.below(256);
  // Extension headers: each names the next one, the last names `proto`.
  std::vector<uint32_t> chain;
  if (r.chance(35))
    for (uint32_t i = r.range(1, 3); i > 0; --i) chain.push_back(r.pick(exts));
  Bytes ext;
  for (size_t i = 0; i < chain.size(); ++i) {
    const uint32_t next = i + 1 < chain.size() ? chain[i + 1] : proto;
    put8(ext, next);
    if (chain[i] == 44) {  // fragment header
      put8(ext, 0);
      put16(ext, r.chance(50) ? 0 : (r.range(1, 0x1fff) << 3 | r.below(2)));
      put32(ext, r.u32());
    } else {
      const uint32_t len = r.below(2);  // 8 or 16 bytes
      put8(ext, len);
      put(ext, random_bytes(r, 6 + 8 * len));
    }
  }
  const Bytes payload = l4(r, proto, true);
  Bytes b;
  put32(b, 0x60000000 | (r.u32() & 0x0fffffff));
  const uint32_t plen = static_cast<uint32_t>(ext.size() + payload.size());
  put16(b, r.chance(95) ? plen : r.below(65536));
  put8(b, chain.empty() ? proto : chain[0]);
  put8(b, r.below(256));
  put(b, ipv6(r));
  put(b, ipv6(r));
  put(b, ext);
  put(b, payload);
  return b;
}

Bytes garbage(Rng& r) {
  Bytes b = random_bytes(r, r.range(0, 80));
  if (!b.empty() && r.chance(50)) b[0] = r.chance(50) ? 0x45 : 0x60;
  return b;
}

// A packet from the network header on.
Bytes l3_payload(Rng& r) {
  const uint32_t c = r.below(100);
  if (c < 46) return ipv4_packet(r);
  if (c < 86) return ipv6_packet(r);
  if (c < 93) return garbage(r);
  Bytes b = r.chance(50) ? ipv4_packet(r) : ipv6_packet(r);  // a very short packet
  b.resize(std::min<size_t>(b.size(), r.range(0, 30)));
  return b;
}

Bytes arp(Rng& r) {
  Bytes b;
  put16(b, r.chance(90) ? 1 : r.below(65536));
  put16(b, 0x0800);
  put8(b, 6);
  put8(b, 4);
  static const std::vector<uint32_t> ops = {1, 1, 2, 2, 3, 4, 0};
  put16(b, r.pick(ops));
  put(b, mac(r));
  put32(b, ipv4(r));
  put(b, mac(r));
  put32(b, ipv4(r));
  return b;
}

Bytes ethernet_frame(Rng& r) {
  if (r.chance(4)) return random_bytes(r, r.range(0, 40));  // garbage / runt
  Bytes b;
  put(b, mac(r));
  put(b, mac(r));
  // 802.1Q (sometimes 802.1ad or QinQ) tags.
  const uint32_t tags = r.chance(20) ? (r.chance(20) ? 2 : 1) : 0;
  static const std::vector<uint32_t> tpids = {0x8100, 0x8100, 0x8100, 0x88a8, 0x9100};
  static const std::vector<uint32_t> vids = {100, 100, 200, 1, 4095, 4096};
  for (uint32_t i = 0; i < tags; ++i) {
    put16(b, r.pick(tpids));
    uint32_t vid = r.pick(vids);
    if (vid == 4096) vid = r.below(4096);
    put16(b, r.below(8) << 13 | vid);
  }
  const uint32_t c = r.below(100);
  if (c < 40) {
    put16(b, 0x0800);
    put(b, r.chance(97) ? ipv4_packet(r) : garbage(r));
  } else if (c < 68) {
    put16(b, 0x86dd);
    put(b, r.chance(97) ? ipv6_packet(r) : garbage(r));
  } else if (c < 84) {
    put16(b, 0x0806);
    put(b, arp(r));
  } else {
    static const std::vector<uint32_t> types = {0x88cc, 0x8847, 0x8035, 0x0800, 0x86dd, 0};
    uint32_t t = r.pick(types);
    if (t == 0) t = r.chance(50) ? r.below(0x600) : r.below(65536);  // 802.3 length or any
    put16(b, t);
    put(b, random_bytes(r, r.range(0, 100)));
  }
  if (b.size() < 60 && r.chance(70)) b.resize(60, 0);  // minimum frame padding
  return b;
}

// caplen/wirelen: mostly the whole packet; sometimes truncated; the wire
// sometimes longer than what was generated (a GSO skb); caplen <= max.
Packet finish(Rng& r, Bytes bytes, std::string kind, uint32_t max_caplen) {
  Packet p;
  p.bytes = std::move(bytes);
  const auto size = static_cast<uint32_t>(p.bytes.size());
  p.wirelen = size;
  if (r.chance(4)) p.wirelen += r.range(1, 3000);
  p.caplen = size;
  if (r.chance(15)) p.caplen = r.below(size + 1);
  p.caplen = std::min(p.caplen, max_caplen);
  p.kind = std::move(kind);
  return p;
}

}  // namespace

std::vector<Packet> make_l2_packets(size_t n, uint64_t seed, uint32_t max_caplen) {
  Rng r(seed);
  std::vector<Packet> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) v.push_back(finish(r, ethernet_frame(r), "eth", max_caplen));
  return v;
}

std::vector<Packet> make_l3_packets(size_t n, uint64_t seed, uint32_t max_caplen) {
  Rng r(seed);
  std::vector<Packet> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) v.push_back(finish(r, l3_payload(r), "ip", max_caplen));
  return v;
}

std::string describe(const Packet& p) {
  std::string s = "caplen=" + std::to_string(p.caplen) + " wirelen=" + std::to_string(p.wirelen) +
                  " generated=" + std::to_string(p.bytes.size()) + " (" + p.kind + ")\n";
  // The captured bytes, then a few of those beyond caplen (which the
  // kernel side also has in its buffer and must not look at).
  char buf[8];
  const size_t shown = std::min<size_t>(p.bytes.size(), p.caplen + 16u);
  for (size_t i = 0; i < shown; ++i) {
    if (i == p.caplen) s += (i % 32 == 0 ? "" : "\n") + std::string("beyond caplen:\n");
    std::snprintf(buf, sizeof(buf), "%02x%s", p.bytes[i],
                  (i % 32 == 31) ? "\n" : (i % 2 == 1 ? " " : ""));
    s += buf;
  }
  if (s.back() != '\n') s += '\n';
  return s;
}

}  // namespace pwru::test
