// SPDX-License-Identifier: Apache-2.0
//
// pcapng blocks against bytes checked by hand from the specification
// (draft-ietf-opsawg-pcapng): block and option layout, 32-bit padding,
// option lengths, end of options, the total length at both ends. Then the
// Encoder: one IDB per (link type, netns, ifindex), skipped events, the
// snap length, and a file read back by libpcap.
#include "pcapng_format.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pcap_reader.h"
#include "pwru_common/test_event_builder.h"

namespace pwru::pcapng {
namespace {

// The hand-checked bytes below are little-endian, pwru's only target today.
static_assert(std::endian::native == std::endian::little, "hand-checked bytes are little-endian");

using Bytes = std::vector<uint8_t>;
using pwru::testing::EventBuilder;

Bytes bytes(const Buffer& b) { return Bytes(b.data(), b.data() + b.size()); }

// "abc" as bytes, for building expected blocks.
Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

uint32_t u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// A block as a reader sees it; walk() checks the framing of each one.
struct Block {
  uint32_t type;
  Bytes body;  // between the leading length and the trailing length
};

std::vector<Block> walk(const Bytes& b) {
  std::vector<Block> out;
  size_t at = 0;
  while (at < b.size()) {
    EXPECT_LE(at + 12, b.size()) << "truncated block at " << at;
    if (at + 12 > b.size()) break;
    const uint32_t len = u32(&b[at + 4]);
    EXPECT_EQ(len % 4, 0u) << "block at " << at << " is not padded to 32 bits";
    EXPECT_GE(len, 12u);
    EXPECT_LE(at + len, b.size()) << "block at " << at << " runs past the end";
    if (len < 12 || at + len > b.size()) break;
    EXPECT_EQ(u32(&b[at + len - 4]), len) << "trailing total length of the block at " << at;
    out.push_back({u32(&b[at]), Bytes(b.begin() + static_cast<long>(at) + 8, b.begin() + static_cast<long>(at + len) - 4)});
    at += len;
  }
  return out;
}

// Options from `from` in a block body: code -> value; checks each one's
// padding and that opt_endofopt ends the list.
std::vector<std::pair<uint16_t, std::string>> options(const Bytes& body, size_t from) {
  std::vector<std::pair<uint16_t, std::string>> out;
  size_t at = from;
  bool ended = false;
  while (at + 4 <= body.size()) {
    const uint16_t code = u16(&body[at]);
    const uint16_t len = u16(&body[at + 2]);
    if (code == kOptEndOfOpt) {
      EXPECT_EQ(len, 0);
      ended = true;
      at += 4;
      break;
    }
    const size_t padded = (len + 3u) & ~3u;
    EXPECT_LE(at + 4 + padded, body.size());
    if (at + 4 + padded > body.size()) break;
    for (size_t i = len; i < padded; ++i) EXPECT_EQ(body[at + 4 + i], 0) << "padding must be zero";
    out.emplace_back(code, std::string(body.begin() + static_cast<long>(at) + 4,
                                       body.begin() + static_cast<long>(at + 4 + len)));
    at += 4 + padded;
  }
  if (!out.empty()) {
    EXPECT_TRUE(ended) << "options without opt_endofopt";
  }
  EXPECT_EQ(at, body.size()) << "bytes after the options";
  return out;
}

const Bytes kFF8 = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

TEST(PcapngBlocks, SectionHeaderWithoutOptions) {
  Buffer b;
  append_shb(b, "", "", "");
  EXPECT_EQ(bytes(b), cat({{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0},  // type, total length 28
                           {0x4d, 0x3c, 0x2b, 0x1a},                  // byte-order magic
                           {1, 0, 0, 0},                              // version 1.0
                           kFF8,                                      // section length -1
                           {0x1c, 0, 0, 0}}));
}

TEST(PcapngBlocks, SectionHeaderWithUserApplication) {
  Buffer b;
  append_shb(b, "", "", "pwru 1");
  EXPECT_EQ(bytes(b), cat({{0x0a, 0x0d, 0x0d, 0x0a, 0x2c, 0, 0, 0},  // total length 44
                           {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0},
                           kFF8,
                           {4, 0, 6, 0},  // shb_userappl, 6 bytes
                           text("pwru 1"),
                           {0, 0},        // padding to 32 bits
                           {0, 0, 0, 0},  // opt_endofopt
                           {0x2c, 0, 0, 0}}));
}

TEST(PcapngBlocks, SectionHeaderOptionsInOrder) {
  Buffer b;
  append_shb(b, "x86_64", "Linux 6.1", "pwru 0.1.0");
  const auto blocks = walk(bytes(b));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].type, kBlockShb);
  EXPECT_EQ(b.size(), 24u + 12 + 16 + 16 + 4 + 4);
  const auto opts = options(blocks[0].body, 16);
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[0], (std::pair<uint16_t, std::string>{kShbHardware, "x86_64"}));
  EXPECT_EQ(opts[1], (std::pair<uint16_t, std::string>{kShbOs, "Linux 6.1"}));
  EXPECT_EQ(opts[2], (std::pair<uint16_t, std::string>{kShbUserAppl, "pwru 0.1.0"}));
}

TEST(PcapngBlocks, InterfaceDescriptionWithOptions) {
  Buffer b;
  append_idb(b, 1, 256, "eth0@netns:1", "d");
  EXPECT_EQ(bytes(b), cat({{1, 0, 0, 0, 0x38, 0, 0, 0},  // type 1, total length 56
                           {1, 0, 0, 0},                 // LINKTYPE_ETHERNET, reserved
                           {0, 1, 0, 0},                 // snaplen 256
                           {2, 0, 12, 0},                // if_name, 12 bytes: no padding
                           text("eth0@netns:1"),
                           {3, 0, 1, 0, 'd', 0, 0, 0},   // if_description, 1 byte + 3 padding
                           {9, 0, 1, 0, 9, 0, 0, 0},     // if_tsresol = 9 (ns) + 3 padding
                           {0, 0, 0, 0},                 // opt_endofopt
                           {0x38, 0, 0, 0}}));
}

TEST(PcapngBlocks, InterfaceDescriptionRawIp) {
  Buffer b;
  append_idb(b, 101, 512, "lo@netns:4026531840", "");
  const auto blocks = walk(bytes(b));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(u16(&blocks[0].body[0]), 101);
  EXPECT_EQ(u32(&blocks[0].body[4]), 512u);
  const auto opts = options(blocks[0].body, 8);
  ASSERT_EQ(opts.size(), 2u);  // no empty description
  EXPECT_EQ(opts[0].second, "lo@netns:4026531840");  // 19 bytes + 1 padding
  EXPECT_EQ(opts[1], (std::pair<uint16_t, std::string>{kIfTsresol, "\x09"}));
}

TEST(PcapngBlocks, EnhancedPacketPaddingForCaplen1To5) {
  const uint8_t data[5] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  const Bytes head = {6, 0, 0, 0};
  const Bytes common = {2, 0, 0, 0,     // interface 2
                        1, 0, 0, 0,     // timestamp high: 0x1'00000002 ns
                        2, 0, 0, 0};    // timestamp low
  // caplen 1..4: 28 + 4 + 4 = 36 bytes; caplen 5: 40.
  const std::vector<Bytes> want_data = {{0xaa, 0, 0, 0},
                                        {0xaa, 0xbb, 0, 0},
                                        {0xaa, 0xbb, 0xcc, 0},
                                        {0xaa, 0xbb, 0xcc, 0xdd},
                                        {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0, 0}};
  for (uint32_t n = 1; n <= 5; ++n) {
    Buffer b;
    append_epb(b, 2, 0x100000002ull, data, n, 60, "");
    const uint8_t total = n <= 4 ? 36 : 40;
    EXPECT_EQ(bytes(b), cat({head, {total, 0, 0, 0}, common,
                             {static_cast<uint8_t>(n), 0, 0, 0},  // captured length
                             {60, 0, 0, 0},                       // original length
                             want_data[n - 1],
                             {total, 0, 0, 0}}))
        << "caplen " << n;
  }
}

TEST(PcapngBlocks, EnhancedPacketWithComment) {
  const uint8_t data[4] = {0xde, 0xad, 0xbe, 0xef};
  Buffer b;
  append_epb(b, 0, 0, data, 4, 4, "abc");
  EXPECT_EQ(bytes(b), cat({{6, 0, 0, 0, 0x30, 0, 0, 0},  // total length 48
                           {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                           {4, 0, 0, 0, 4, 0, 0, 0},
                           {0xde, 0xad, 0xbe, 0xef},
                           {1, 0, 3, 0, 'a', 'b', 'c', 0},  // opt_comment, 3 bytes + 1 padding
                           {0, 0, 0, 0},                    // opt_endofopt
                           {0x30, 0, 0, 0}}));
}

TEST(PcapngBlocks, CommentLengthsAndPadding) {
  for (size_t n = 1; n <= 9; ++n) {
    const std::string c(n, 'x');
    Buffer b;
    append_epb(b, 0, 0, nullptr, 0, 0, c);
    const size_t padded = (n + 3) / 4 * 4;
    ASSERT_EQ(b.size(), 32 + 4 + padded + 4) << n;
    const auto blocks = walk(bytes(b));
    ASSERT_EQ(blocks.size(), 1u);
    const auto opts = options(blocks[0].body, 20);
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_EQ(opts[0], (std::pair<uint16_t, std::string>{kOptComment, c}));
  }
}

TEST(PcapngBlocks, OriginalLengthIsNeverBelowCaplen) {
  const uint8_t data[8] = {};
  Buffer b;
  append_epb(b, 0, 0, data, 8, 3, "");
  EXPECT_EQ(u32(reinterpret_cast<const uint8_t*>(b.data()) + 24), 8u);
}

// ---- the comment ------------------------------------------------------------

std::string comment_of(const pwru_event_v1& ev) {
  Buffer b;
  append_comment(b, ev);
  return std::string(b.data(), b.size());
}

TEST(PcapngComment, DropWithEverything) {
  EventBuilder e;
  e.func("kfree_skb")
      .drop(12, "SKB_DROP_REASON_NETFILTER_DROP")
      .skb(0xffff88810536d4e0ull)
      .meta(4026532317u, 0, "rts0", 2, 0x0800, 1500, 60)
      .cpu(1)
      .process("/usr/bin/curl:31104");
  EXPECT_EQ(comment_of(e),
            "func=kfree_skb reason=SKB_DROP_REASON_NETFILTER_DROP skb=0xffff88810536d4e0 netns=4026532317 "
            "mark=0x0 ifindex=2 ifname=rts0 cpu=1 process=/usr/bin/curl:31104");
}

TEST(PcapngComment, WithoutMetaUnknownReasonNetnsNameAndOddProcess) {
  EventBuilder a;
  a.func("ip_rcv").skb(1).cpu(0).process("<empty>:0");
  EXPECT_EQ(comment_of(a), "func=ip_rcv skb=0x1 cpu=0 process=<empty>:0");

  EventBuilder b;
  b.func("kfree_skb_reason").drop(999, nullptr).skb(0x10).meta(7, 0xa00, nullptr, 0, 0, 0, 0).cpu(3);
  b.netns_name("blue");
  b.process("my tool\nx:5");
  EXPECT_EQ(comment_of(b),
            "func=kfree_skb_reason reason=999 skb=0x10 netns=7 mark=0xa00 ifindex=0 netns_name=blue cpu=3 "
            "process=my tool_x:5");
}

// ---- the encoder ------------------------------------------------------------

const uint8_t kFrame[64] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45};

TEST(PcapngEncoder, OneInterfacePerLinkTypeNetnsAndIfindex) {
  Encoder enc(256);
  Buffer b;
  enc.begin(b, "", "", "pwru test");
  auto ev = [](uint32_t lt, uint32_t netns, uint32_t ifindex, const char* ifname) {
    EventBuilder e;
    e.meta(netns, 0, ifname, ifindex, 0x0800, 1500, 60).packet(kFrame, 60, 60, lt).wall(1000);
    return e;
  };
  const EventBuilder evs[] = {
      ev(PWRU_LINKTYPE_ETHERNET, 11, 2, "veth0"),  // if 0
      ev(PWRU_LINKTYPE_ETHERNET, 11, 2, "veth0"),  // if 0 again
      ev(PWRU_LINKTYPE_RAW, 11, 2, "veth0"),       // if 1: same device, raw IP
      ev(PWRU_LINKTYPE_ETHERNET, 12, 2, "veth1"),  // if 2: same ifindex, other netns
      ev(PWRU_LINKTYPE_ETHERNET, 11, 3, nullptr),  // if 3: other ifindex, no name
      ev(PWRU_LINKTYPE_ETHERNET, 11, 2, "veth0"),  // if 0 once more
      ev(PWRU_LINKTYPE_RAW, 11, 0, nullptr),       // if 4: no device
  };
  for (const auto& e : evs) EXPECT_TRUE(enc.append_event(e, b));
  EXPECT_EQ(enc.interfaces(), 5u);
  EXPECT_EQ(enc.packets(), 7u);

  const auto blocks = walk(bytes(b));
  std::vector<std::string> idb_names;
  std::vector<uint16_t> idb_types;
  std::vector<uint32_t> epb_ifs;
  for (const auto& bl : blocks) {
    if (bl.type == kBlockIdb) {
      idb_types.push_back(u16(&bl.body[0]));
      EXPECT_EQ(u32(&bl.body[4]), 256u);
      idb_names.push_back(options(bl.body, 8).at(0).second);
    } else if (bl.type == kBlockEpb) {
      const uint32_t id = u32(&bl.body[0]);
      EXPECT_LT(id, idb_names.size()) << "a packet names an interface not described before it";
      epb_ifs.push_back(id);
    }
  }
  EXPECT_EQ(blocks.front().type, kBlockShb);
  EXPECT_EQ(idb_names, (std::vector<std::string>{"veth0@netns:11", "veth0@netns:11", "veth1@netns:12",
                                                 "ifindex3@netns:11", "nodev@netns:11"}));
  EXPECT_EQ(idb_types, (std::vector<uint16_t>{1, 101, 1, 1, 101}));
  EXPECT_EQ(epb_ifs, (std::vector<uint32_t>{0, 0, 1, 2, 3, 0, 4}));
}

TEST(PcapngEncoder, EventsWithoutPacketBytesAreSkippedAndCounted) {
  Encoder enc;
  Buffer b;
  EventBuilder none;
  none.meta(1, 0, "lo", 1, 0x0800, 65536, 60);
  EXPECT_FALSE(enc.append_event(none, b));
  EXPECT_EQ(b.size(), 0u) << "no IDB for a packet that is not written";
  EventBuilder with;
  with.meta(1, 0, "lo", 1, 0x0800, 65536, 60).packet(kFrame, 60, 60);
  EXPECT_TRUE(enc.append_event(with, b));
  EXPECT_FALSE(enc.append_event(none, b));
  EXPECT_EQ(enc.skipped(), 2u);
  EXPECT_EQ(enc.packets(), 1u);
  EXPECT_EQ(walk(bytes(b)).size(), 2u);  // IDB + EPB
}

TEST(PcapngEncoder, SnapLengthCutsThePacketAndKeepsTheOriginalLength) {
  std::vector<uint8_t> big(512, 0x5a);
  Encoder enc(100);
  Buffer b;
  EventBuilder e;
  e.meta(1, 0, "lo", 1, 0x0800, 65536, 1000).packet(big.data(), 512, 1014).wall(5);
  ASSERT_TRUE(enc.append_event(e, b));
  const auto blocks = walk(bytes(b));
  ASSERT_EQ(blocks.size(), 2u);
  const Bytes& epb = blocks[1].body;
  EXPECT_EQ(u32(&epb[12]), 100u);   // captured
  EXPECT_EQ(u32(&epb[16]), 1014u);  // original
  const auto opts = options(epb, 20 + 100);
  ASSERT_EQ(opts.size(), 1u);
  EXPECT_EQ(opts[0].first, kOptComment);
  EXPECT_EQ(opts[0].second.rfind("func=f skb=0x0 netns=1 mark=0x0 ifindex=1 ifname=lo cpu=0 process=", 0), 0u)
      << opts[0].second;
}

TEST(PcapngEncoder, LongCommentIsCutToItsMaximum) {
  const std::string proc(kMaxComment + 100, 'p');
  Encoder enc;
  Buffer b;
  EventBuilder e;
  e.process(proc.c_str()).packet(kFrame, 14, 14);
  ASSERT_TRUE(enc.append_event(e, b));
  const auto blocks = walk(bytes(b));
  ASSERT_EQ(blocks.size(), 2u);
  const auto opts = options(blocks[1].body, 20 + 16);
  ASSERT_EQ(opts.size(), 1u);
  EXPECT_EQ(opts[0].second.size(), kMaxComment);
  EXPECT_EQ(options(blocks[0].body, 8).at(0).second, "unknown");  // no meta: if_name says so
}

// ---- libpcap reads what we write ----------------------------------------------

class TempFile {
 public:
  TempFile() {
    std::string t = (std::filesystem::temp_directory_path() / "pwru-pcapng-XXXXXX").string();
    int fd = ::mkstemp(t.data());
    EXPECT_GE(fd, 0);
    if (fd >= 0) ::close(fd);
    path_ = t;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }
  void write(const Buffer& b) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  }

 private:
  std::string path_;
};

TEST(PcapngLibpcap, ReadsBackPacketsTimestampsAndLengths) {
  Encoder enc(256);
  Buffer b;
  enc.begin(b, "x86_64", "Linux", "pwru test");
  std::vector<uint8_t> frames[3];
  const uint32_t caplens[3] = {1, 60, 300};
  const uint64_t walls[3] = {1700000000123456789ull, 1700000000123456790ull, 1700000001000000001ull};
  for (int i = 0; i < 3; ++i) {
    frames[i].resize(caplens[i]);
    for (size_t j = 0; j < frames[i].size(); ++j) frames[i][j] = static_cast<uint8_t>(j * 7 + i);
    EventBuilder e;
    e.meta(4026531840u, 0, i == 2 ? "eth1" : "eth0", i == 2 ? 3 : 2, 0x0800, 1500, caplens[i])
        .packet(frames[i].data(), caplens[i], caplens[i] + 100)
        .wall(walls[i])
        .func("net_dev_queue");
    ASSERT_TRUE(enc.append_event(e, b));
  }
  TempFile f;
  f.write(b);

  const auto r = test::read_with_libpcap(f.path());
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_TRUE(r.clean_end) << r.error;
  EXPECT_EQ(r.datalink, test::kDltEthernet);
  EXPECT_EQ(r.snapshot, 256);
  ASSERT_EQ(r.packets.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const uint32_t want = std::min<uint32_t>(caplens[i], 256);
    EXPECT_EQ(r.packets[i].caplen, want);
    EXPECT_EQ(r.packets[i].len, caplens[i] + 100);
    EXPECT_EQ(r.packets[i].ts_ns, walls[i]);
    EXPECT_EQ(r.packets[i].data, std::vector<uint8_t>(frames[i].begin(), frames[i].begin() + want));
  }
}

TEST(PcapngLibpcap, RawIpFileIsDltRaw) {
  Encoder enc(128);
  Buffer b;
  enc.begin(b, "", "", "pwru test");
  const uint8_t ip[20] = {0x45, 0, 0, 20};
  EventBuilder e;
  e.packet(ip, 20, 20, PWRU_LINKTYPE_RAW).wall(1);
  ASSERT_TRUE(enc.append_event(e, b));
  TempFile f;
  f.write(b);
  const auto r = test::read_with_libpcap(f.path());
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_EQ(r.datalink, test::kDltRaw);
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].caplen, 20u);
}

// libpcap's limit (not pcapng's): one link type per file. A trace with
// both Ethernet and raw IP packets is for Wireshark/tshark; README says so.
TEST(PcapngLibpcap, MixedLinkTypesAreRefusedByLibpcapOnly) {
  Encoder enc;
  Buffer b;
  enc.begin(b, "", "", "pwru test");
  EventBuilder l2, l3;
  l2.packet(kFrame, 60, 60, PWRU_LINKTYPE_ETHERNET);
  l3.packet(kFrame + 14, 20, 46, PWRU_LINKTYPE_RAW);
  ASSERT_TRUE(enc.append_event(l2, b));
  ASSERT_TRUE(enc.append_event(l3, b));
  TempFile f;
  f.write(b);
  const auto r = test::read_with_libpcap(f.path());
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_FALSE(r.clean_end);
  EXPECT_NE(r.error.find("different from the type of the first interface"), std::string::npos) << r.error;
}

// linktype = "ethernet": the raw IP packet gets a synthetic Ethernet header
// (zero addresses, IPv4's EtherType), so libpcap reads the whole file.
TEST(PcapngLibpcap, EthernetOnlyFileIsReadWhole) {
  Encoder enc(256, /*ethernet_only=*/true);
  Buffer b;
  enc.begin(b, "", "", "pwru test");
  EventBuilder l2, l3;
  l2.packet(kFrame, 60, 60, PWRU_LINKTYPE_ETHERNET);
  l3.packet(kFrame + 14, 20, 46, PWRU_LINKTYPE_RAW);
  ASSERT_TRUE(enc.append_event(l2, b));
  ASSERT_TRUE(enc.append_event(l3, b));
  EXPECT_EQ(enc.interfaces(), 1u);  // both are Ethernet now (same netns and ifindex)
  TempFile f;
  f.write(b);
  const auto r = test::read_with_libpcap(f.path());
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_TRUE(r.clean_end) << r.error;
  EXPECT_EQ(r.datalink, test::kDltEthernet);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].data, std::vector<uint8_t>(kFrame, kFrame + 60));
  std::vector<uint8_t> want(12, 0);
  want.push_back(0x08);
  want.push_back(0x00);
  want.insert(want.end(), kFrame + 14, kFrame + 34);
  EXPECT_EQ(r.packets[1].data, want);
  EXPECT_EQ(r.packets[1].caplen, 34u);
  EXPECT_EQ(r.packets[1].len, 60u);
}

TEST(PcapngEncoder, EthernetOnlyFramingCountsInTheSnapLength) {
  Encoder enc(30, /*ethernet_only=*/true);
  Buffer b;
  enc.begin(b, "", "", "pwru test");
  uint8_t ip6[40] = {0x60};
  EventBuilder e;
  e.packet(ip6, 40, 40, PWRU_LINKTYPE_RAW);
  ASSERT_TRUE(enc.append_event(e, b));
  TempFile f;
  f.write(b);
  const auto r = test::read_with_libpcap(f.path());
  ASSERT_TRUE(r.opened) << r.error;
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].caplen, 30u);  // 14 synthetic + 16 of the packet
  EXPECT_EQ(r.packets[0].len, 54u);
  EXPECT_EQ(r.packets[0].data[12], 0x86);
  EXPECT_EQ(r.packets[0].data[13], 0xdd);
}

}  // namespace
}  // namespace pwru::pcapng
