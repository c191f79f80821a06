// SPDX-License-Identifier: Apache-2.0
// Deterministic packet generator for the differential test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pwru::test {

// splitmix64: fully specified, so a seed means the same packets everywhere
// (std:: distributions are implementation-defined).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  // Uniform in [0, n) (n > 0); the modulo bias is irrelevant here.
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
  uint32_t range(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }  // [lo, hi]
  bool chance(uint32_t percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(static_cast<uint32_t>(v.size()))];
  }

 private:
  uint64_t s_;
};

struct Packet {
  std::vector<uint8_t> bytes;  // what was generated; caplen <= bytes.size()
  uint32_t caplen = 0;
  uint32_t wirelen = 0;
  std::string kind;  // short description, for failure messages
};

// Ethernet frames (with 802.1Q/802.1ad tags, ARP, IPv4, IPv6, others).
std::vector<Packet> make_l2_packets(size_t n, uint64_t seed, uint32_t max_caplen);
// Packets starting at the network header (IPv4, IPv6, garbage).
std::vector<Packet> make_l3_packets(size_t n, uint64_t seed, uint32_t max_caplen);

// "caplen=.. wirelen=.. kind=..\n" plus a hex dump of the captured bytes.
std::string describe(const Packet& p);

}  // namespace pwru::test
