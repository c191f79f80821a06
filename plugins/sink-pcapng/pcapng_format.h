// SPDX-License-Identifier: Apache-2.0
//
// pcapng blocks for the `pcapng` sink, written by hand (libpcap only reads
// pcapng). Pure code, no I/O: everything appends to a byte buffer.
//
// Blocks follow the pcapng specification (IETF draft-ietf-opsawg-pcapng):
// host byte order (the Section Header's byte-order magic tells readers
// which), every block and every option padded to 32 bits with zero bytes,
// a block's total length repeated at its end, options ended by
// opt_endofopt. What pwru writes:
//   SHB  once: shb_hardware, shb_os (uname), shb_userappl ("pwru <version>"),
//        section length -1 (not known: the file is a stream).
//   IDB  one per (link type, netns, ifindex) the first time a packet of it
//        is written: LINKTYPE_ETHERNET or LINKTYPE_RAW, the snap length,
//        if_name "<ifname>@netns:<inode>", if_description, if_tsresol 9 (ns).
//   EPB  one per event with packet bytes: wall-clock ns timestamp, caplen,
//        original length, the bytes, and an opt_comment in key=value form
//        (see README.md) saying where in the kernel the packet was.
#pragma once

#include <pwru/plugin.h>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pwru::pcapng {

// Snap length: default, and the most the kernel side captures (PWRU_PKT_BUF
// in bpf/pwru_event.h is the twin of kMaxSnaplen).
inline constexpr uint32_t kDefaultSnaplen = 256;
inline constexpr uint32_t kMaxSnaplen = 512;

// Block types and option codes (pcapng specification, section 4 and 3.5).
inline constexpr uint32_t kBlockShb = 0x0A0D0D0A;
inline constexpr uint32_t kBlockIdb = 0x00000001;
inline constexpr uint32_t kBlockEpb = 0x00000006;
inline constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
inline constexpr uint16_t kOptEndOfOpt = 0;
inline constexpr uint16_t kOptComment = 1;
inline constexpr uint16_t kShbHardware = 2;
inline constexpr uint16_t kShbOs = 3;
inline constexpr uint16_t kShbUserAppl = 4;
inline constexpr uint16_t kIfName = 2;
inline constexpr uint16_t kIfDescription = 3;
inline constexpr uint16_t kIfTsresol = 9;
// A comment longer than this is cut (an option's length is 16 bits).
inline constexpr size_t kMaxComment = 4096;

using Buffer = fmt::memory_buffer;

// The Section Header Block. Empty strings are left out.
void append_shb(Buffer& buf, std::string_view hardware, std::string_view os, std::string_view userappl);
// An Interface Description Block with if_name, if_description (left out
// when empty) and if_tsresol = 9.
void append_idb(Buffer& buf, uint16_t linktype, uint32_t snaplen, std::string_view name,
                std::string_view description);
// An Enhanced Packet Block; the comment option is left out when empty.
void append_epb(Buffer& buf, uint32_t interface_id, uint64_t ts_ns, const uint8_t* data, uint32_t caplen,
                uint32_t origlen, std::string_view comment);

// The packet comment of one event, e.g.
// "func=kfree_skb reason=SKB_DROP_REASON_NETFILTER_DROP skb=0xffff888105 netns=4026532317
//  mark=0x0 ifindex=2 ifname=rts0 cpu=0 process=/usr/bin/curl:31104" (one line).
void append_comment(Buffer& buf, const pwru_event_v1& ev);

// The interface an event's packet belongs to.
struct InterfaceKey {
  uint32_t linktype = 0;
  uint32_t netns = 0;
  uint32_t ifindex = 0;
  bool operator==(const InterfaceKey&) const = default;
};
InterfaceKey interface_key(const pwru_event_v1& ev);
// if_name and if_description of an interface (the event gives the name).
std::string interface_name(const InterfaceKey& k, const pwru_event_v1& ev);
std::string interface_description(const InterfaceKey& k, const pwru_event_v1& ev);

// The stateful part: one section, its interfaces, its packets.
class Encoder {
 public:
  explicit Encoder(uint32_t snaplen = kDefaultSnaplen, bool ethernet_only = false)
      : snaplen_(snaplen), ethernet_only_(ethernet_only) {}

  uint32_t snaplen() const { return snaplen_; }
  // linktype = "ethernet": packets captured from the network header (raw
  // IP) get a synthetic Ethernet header (both addresses 00:00:00:00:00:00,
  // the EtherType of their IP version), so that every interface of the file
  // is Ethernet. libpcap (tcpdump) reads one link type per file only; the
  // default keeps each capture's own link type, which Wireshark reads.
  bool ethernet_only() const { return ethernet_only_; }
  // Starts the section: the SHB. Forgets every interface.
  void begin(Buffer& buf, std::string_view hardware, std::string_view os, std::string_view userappl);
  // Appends the event's packet (an IDB first when its interface is new).
  // An event without packet bytes (no PWRU_EV_PACKET) is skipped and
  // counted; returns whether a packet was written.
  bool append_event(const pwru_event_v1& ev, Buffer& buf);

  uint64_t packets() const { return packets_; }
  uint64_t skipped() const { return skipped_; }
  size_t interfaces() const { return ids_.size(); }

 private:
  struct KeyHash {
    size_t operator()(const InterfaceKey& k) const noexcept {
      uint64_t h = (static_cast<uint64_t>(k.netns) << 32 | k.ifindex) * 0x9E3779B97F4A7C15ull;
      return static_cast<size_t>(h ^ (h >> 29) ^ k.linktype);
    }
  };
  uint32_t interface_id(const pwru_event_v1& ev, Buffer& buf);

  uint32_t snaplen_;
  bool ethernet_only_;
  // A raw IP packet behind its synthetic Ethernet header (ethernet_only).
  std::array<uint8_t, 14 + kMaxSnaplen> framed_{};
  std::unordered_map<InterfaceKey, uint32_t, KeyHash> ids_;
  // The first kSmall interfaces, by id (small_[id] is that id's key).
  static constexpr size_t kSmall = 16;
  std::vector<InterfaceKey> small_;
  // The last interface looked up: consecutive events often share one.
  InterfaceKey last_key_{};
  uint32_t last_id_ = UINT32_MAX;
  uint64_t packets_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace pwru::pcapng
