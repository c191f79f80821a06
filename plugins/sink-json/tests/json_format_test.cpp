// SPDX-License-Identifier: Apache-2.0
//
// Golden tests of the JSON formatter: cilium/pwru's jsonPrinter fields and
// order (shared/reference/pwru-behaviour.md §2), our documented deviations
// (README.md), and Go's encoding/json string escaping. The events are
// formatting fixtures only: no traffic is sent anywhere.
#include "json_format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "event_builder.h"

namespace pwru::json {
namespace {

using test::EventBuilder;

constexpr uint32_t kInitNetns = 4026531840u;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kIcmp6 = 58;

std::string line(Formatter& f, const pwru_event_v1& ev) {
  fmt::memory_buffer b;
  f.append_line(ev, b);
  return std::string(b.data(), b.size());
}

std::string line(const Options& o, const pwru_event_v1& ev) {
  Formatter f(o);
  return line(f, ev);
}

Options no_parts() {
  Options o;
  o.output_meta = false;
  o.output_tuple = false;
  return o;
}

// A curl connection dropped by an iptables DROP rule, as pwru's CI sees it.
EventBuilder netfilter_drop() {
  EventBuilder ev;
  ev.skb(0xffff00001603cae8)
      .cpu(1)
      .pid(8493)
      .process("/usr/bin/curl:8493")
      .meta(kInitNetns, 0, nullptr, 0, 0x0800, 1500, 60)
      .tuple4("198.51.100.15", 54448, "203.0.113.1", 8080, kTcp, 0x02)
      .func("kfree_skb_reason")
      .drop(6, "SKB_DROP_REASON_NETFILTER_DROP");
  return ev;
}

// ---------------------------------------------------------------------------
// Golden lines

TEST(JsonFormatGolden, NetfilterDrop) {
  EXPECT_EQ(line(Options{}, netfilter_drop()),
            R"J({"skb":"0xffff00001603cae8","cpu":1,"process":"/usr/bin/curl:8493",)J"
            R"J("func":"kfree_skb_reason(SKB_DROP_REASON_NETFILTER_DROP)","netns":4026531840,"mark":0,)J"
            R"J("iface":"0","proto":2048,"mtu":1500,"len":60,)J"
            R"J("tuple":{"saddr":"198.51.100.15","daddr":"203.0.113.1","sport":54448,"dport":8080,"proto":6},)J"
            R"J("drop_reason":"SKB_DROP_REASON_NETFILTER_DROP","drop_reason_code":6})J"
            "\n");
}

TEST(JsonFormatGolden, PwruExampleWithZeroFieldsKept) {
  // The example line of the reference (built there from pwru's code):
  //   {"skb":"0xffff99cf11aa4100","process":"<empty>:0","func":"ip_rcv_core","netns":4026531840,
  //    "iface":"eth0:2","proto":2048,"mtu":1500,"len":58,
  //    "tuple":{"saddr":"192.168.6.1","daddr":"192.168.6.236","proto":1}}
  // pwru drops cpu 0, mark 0 and the 0 ports (omitempty); we keep them.
  EventBuilder ev;
  ev.skb(0xffff99cf11aa4100)
      .func("ip_rcv_core")
      .meta(kInitNetns, 0, "eth0", 2, 0x0800, 1500, 58)
      .tuple4("192.168.6.1", 0, "192.168.6.236", 0, kIcmp);
  const std::string got = line(Options{}, ev);
  EXPECT_EQ(got,
            R"J({"skb":"0xffff99cf11aa4100","cpu":0,"process":"<empty>:0","func":"ip_rcv_core",)J"
            R"J("netns":4026531840,"mark":0,"iface":"eth0:2","proto":2048,"mtu":1500,"len":58,)J"
            R"J("tuple":{"saddr":"192.168.6.1","daddr":"192.168.6.236","sport":0,"dport":0,"proto":1}})J"
            "\n");
  // Taking the zero fields out gives pwru's line byte for byte.
  std::string pwru = got;
  for (const char* zero : {R"J("cpu":0,)J", R"J("mark":0,)J", R"J("sport":0,)J", R"J("dport":0,)J"})
    pwru.erase(pwru.find(zero), std::strlen(zero));
  EXPECT_EQ(pwru,
            R"J({"skb":"0xffff99cf11aa4100","process":"<empty>:0","func":"ip_rcv_core","netns":4026531840,)J"
            R"J("iface":"eth0:2","proto":2048,"mtu":1500,"len":58,)J"
            R"J("tuple":{"saddr":"192.168.6.1","daddr":"192.168.6.236","proto":1}})J"
            "\n");
}

TEST(JsonFormatGolden, Ipv6UdpKeepsPwruBrackets) {
  EventBuilder ev;
  ev.skb(0xffff888012345678)
      .cpu(3)
      .process("/usr/bin/dig:77")
      .meta(kInitNetns, 0x100, "veth0", 5, 0x86dd, 1500, 80)
      .tuple6("2001:db8::10", 53000, "2001:db8:0:1::53", 53, kUdp)
      .func("ip6_output");
  EXPECT_EQ(line(Options{}, ev),
            R"J({"skb":"0xffff888012345678","cpu":3,"process":"/usr/bin/dig:77","func":"ip6_output",)J"
            R"J("netns":4026531840,"mark":256,"iface":"veth0:5","proto":34525,"mtu":1500,"len":80,)J"
            R"J("tuple":{"saddr":"[2001:db8::10]","daddr":"[2001:db8:0:1::53]","sport":53000,"dport":53,"proto":17}})J"
            "\n");
}

TEST(JsonFormatGolden, Icmp6AndMappedAddress) {
  EventBuilder ev;
  ev.tuple6("::ffff:198.51.100.7", 0, "2001:db8::1", 0, kIcmp6);
  Options o = no_parts();
  o.output_tuple = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"f",)J"
            R"J("tuple":{"saddr":"[198.51.100.7]","daddr":"[2001:db8::1]","sport":0,"dport":0,"proto":58}})J"
            "\n");
}

// ---------------------------------------------------------------------------
// TCP flags

TEST(JsonFormatTuple, TcpFlagsOnlyWhenAskedForAndNonZero) {
  EventBuilder ev;
  ev.tuple4("198.51.100.1", 8080, "198.51.100.2", 32956, kTcp, 0x14);  // RST|ACK
  Options o = no_parts();
  o.output_tuple = true;
  const std::string tuple =
      R"J("tuple":{"saddr":"198.51.100.1","daddr":"198.51.100.2","sport":8080,"dport":32956,"proto":6)J";
  EXPECT_NE(line(o, ev).find(tuple + "}}"), std::string::npos) << line(o, ev);
  o.output_tcp_flags = true;
  EXPECT_NE(line(o, ev).find(tuple + R"J(,"flags":"RST|ACK"}})J"), std::string::npos) << line(o, ev);
  ev.tuple4("198.51.100.1", 8080, "198.51.100.2", 32956, kTcp, 0);
  EXPECT_NE(line(o, ev).find(tuple + "}}"), std::string::npos) << line(o, ev);
  ev.tuple4("198.51.100.1", 8080, "198.51.100.2", 32956, kTcp, 0xff);
  EXPECT_NE(line(o, ev).find(R"J("flags":"FIN|SYN|RST|PSH|ACK|URG|ECE|CWR"})J"), std::string::npos);
}

TEST(JsonFormatTuple, UnknownL3GivesEmptyAddresses) {
  EventBuilder ev;
  ev.no_tuple();
  Options o = no_parts();
  o.output_tuple = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"f",)J"
            R"J("tuple":{"saddr":"","daddr":"","sport":0,"dport":0,"proto":0}})J"
            "\n");
}

TEST(JsonFormatDetail, FlagNamesInPwruOrder) {
  EXPECT_EQ(detail::tcp_flags_string(0x02), "SYN");
  EXPECT_EQ(detail::tcp_flags_string(0x12), "SYN|ACK");
  EXPECT_EQ(detail::tcp_flags_string(0x11), "FIN|ACK");
  EXPECT_EQ(detail::tcp_flags_string(0xc0), "ECE|CWR");
  EXPECT_EQ(detail::tcp_flags_string(0), "");
}

TEST(JsonFormatDetail, IpTextLikeGo) {
  auto v6 = [](const char* s) {
    uint8_t a[16];
    EXPECT_EQ(inet_pton(AF_INET6, s, a), 1) << s;
    return detail::ipv6_string(a);
  };
  EXPECT_EQ(v6("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(v6("2001:0db8:0000:0000:0001:0000:0000:0001"), "2001:db8::1:0:0:1");
  EXPECT_EQ(v6("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(v6("::"), "::");
  EXPECT_EQ(v6("::1"), "::1");
  EXPECT_EQ(v6("::ffff:203.0.113.9"), "203.0.113.9");
  const uint8_t v4[4] = {203, 0, 113, 255};
  EXPECT_EQ(detail::ipv4_string(v4), "203.0.113.255");
}

// ---------------------------------------------------------------------------
// Parts on and off, zero values

TEST(JsonFormatParts, MetaAndTupleOff) {
  Options o = no_parts();
  EXPECT_EQ(line(o, netfilter_drop()),
            R"J({"skb":"0xffff00001603cae8","cpu":1,"process":"/usr/bin/curl:8493",)J"
            R"J("func":"kfree_skb_reason(SKB_DROP_REASON_NETFILTER_DROP)",)J"
            R"J("drop_reason":"SKB_DROP_REASON_NETFILTER_DROP","drop_reason_code":6})J"
            "\n");
}

TEST(JsonFormatParts, AbsentPartsAreOmittedEvenWhenEnabled) {
  // Defaults have meta and tuple on, but this event carries neither.
  EventBuilder ev;
  ev.skb(0xffff888012345678).func("ip_rcv");
  EXPECT_EQ(line(Options{}, ev),
            R"J({"skb":"0xffff888012345678","cpu":0,"process":"<empty>:0","func":"ip_rcv"})J"
            "\n");
}

TEST(JsonFormatParts, ZeroValuesArePresent) {
  EventBuilder ev;
  ev.meta(0, 0, nullptr, 0, 0, 0, 0).tuple4("0.0.0.0", 0, "0.0.0.0", 0, 0);
  EXPECT_EQ(line(Options{}, ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"f","netns":0,"mark":0,"iface":"0",)J"
            R"J("proto":0,"mtu":0,"len":0,)J"
            R"J("tuple":{"saddr":"0.0.0.0","daddr":"0.0.0.0","sport":0,"dport":0,"proto":0}})J"
            "\n");
}

TEST(JsonFormatParts, MaxValues) {
  EventBuilder ev;
  ev.skb(~0ull)
      .cpu(~0u)
      .meta(~0u, ~0u, "eth0", ~0u, 0xffff, ~0u, ~0u)
      .tuple4("255.255.255.255", 65535, "255.255.255.255", 65535, 255, 0xff);
  Options o;
  o.output_tcp_flags = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0xffffffffffffffff","cpu":4294967295,"process":"<empty>:0","func":"f",)J"
            R"J("netns":4294967295,"mark":4294967295,"iface":"eth0:4294967295","proto":65535,)J"
            R"J("mtu":4294967295,"len":4294967295,"tuple":{"saddr":"255.255.255.255",)J"
            R"J("daddr":"255.255.255.255","sport":65535,"dport":65535,"proto":255,)J"
            R"J("flags":"FIN|SYN|RST|PSH|ACK|URG|ECE|CWR"}})J"
            "\n");
}

TEST(JsonFormatParts, IfaceIsNotTruncated) {
  EventBuilder ev;
  ev.meta(kInitNetns, 0, "veth0123456789ab", 123456, 0x0800, 1500, 60);
  EXPECT_NE(line(Options{}, ev).find(R"J("iface":"veth0123456789ab:123456")J"), std::string::npos);
}

TEST(JsonFormatParts, Caller) {
  EventBuilder ev;
  ev.func("skb_ensure_writable").caller("bpf_skb_pull_data");
  Options o = no_parts();
  EXPECT_EQ(line(o, ev).find("caller_func"), std::string::npos);
  o.output_caller = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"skb_ensure_writable",)J"
            R"J("caller_func":"bpf_skb_pull_data"})J"
            "\n");
  EventBuilder none;  // no PWRU_EV_CALLER: no field
  EXPECT_EQ(line(o, none).find("caller_func"), std::string::npos);
}

TEST(JsonFormatParts, NetnsName) {
  EventBuilder ev;
  ev.meta(4026532000u, 0, "veth1", 7, 0x0800, 1500, 60).netns_name("blue");
  Options o;
  o.output_tuple = false;
  EXPECT_EQ(line(o, ev).find("netns_name"), std::string::npos) << "off by default";
  o.output_netns_names = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"f","netns":4026532000,)J"
            R"J("netns_name":"blue","mark":0,"iface":"veth1:7","proto":2048,"mtu":1500,"len":60})J"
            "\n");
  // No name for that namespace: no field.
  ev.netns_name(nullptr);
  EXPECT_EQ(line(o, ev).find("netns_name"), std::string::npos);
  // A producer whose struct ends before netns_name: the field is not read.
  ev.netns_name("blue").size(static_cast<uint32_t>(offsetof(pwru_event_v1, netns_name)));
  EXPECT_EQ(line(o, ev).find("netns_name"), std::string::npos);
}

// ---------------------------------------------------------------------------
// func

TEST(JsonFormatFunc, UnknownDropReason) {
  EventBuilder ev;
  ev.func("kfree_skb_reason").drop(77, nullptr);
  EXPECT_EQ(line(no_parts(), ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"kfree_skb_reason (77)",)J"
            R"J("drop_reason":"77","drop_reason_code":77})J"
            "\n");
}

TEST(JsonFormatFunc, TracepointDrop) {
  EventBuilder ev;
  ev.kind(PWRU_PROBE_TRACEPOINT).func("kfree_skb").drop(2, "SKB_DROP_REASON_NO_SOCKET");
  EXPECT_NE(line(no_parts(), ev).find(R"J("func":"kfree_skb(SKB_DROP_REASON_NO_SOCKET)")J"),
            std::string::npos);
}

TEST(JsonFormatFunc, TcAndXdpSuffix) {
  EventBuilder tc;
  tc.kind(PWRU_PROBE_TC).func("bpf_prog_e20a685998fd41c8_entry1[bpf]");
  EXPECT_NE(line(no_parts(), tc).find(R"J("func":"bpf_prog_e20a685998fd41c8_entry1[bpf](tc)")J"),
            std::string::npos);
  tc.func("bpf_prog_e20a685998fd41c8_entry1[bpf](tc)");  // already there: not doubled
  EXPECT_NE(line(no_parts(), tc).find(R"J("func":"bpf_prog_e20a685998fd41c8_entry1[bpf](tc)")J"),
            std::string::npos);
  EventBuilder xdp;
  xdp.kind(PWRU_PROBE_XDP).func("bpf_prog_3b185187f1855c4c_dummy[bpf]");
  EXPECT_NE(line(no_parts(), xdp).find(R"J("func":"bpf_prog_3b185187f1855c4c_dummy[bpf](xdp)")J"),
            std::string::npos);
}

TEST(JsonFormatFunc, NullFuncAndProcess) {
  EventBuilder ev;
  ev.func(nullptr).func_addr(0xffffffff81a2b3c4).process(nullptr).pid(4242);
  EXPECT_EQ(line(no_parts(), ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:4242","func":"0xffffffff81a2b3c4"})J"
            "\n");
}

TEST(JsonFormatProcess, FullNameNotTruncated) {
  EventBuilder ev;
  ev.process("/usr/lib/very/long/path/to/a/daemon:1234567");
  EXPECT_NE(line(no_parts(), ev).find(R"J("process":"/usr/lib/very/long/path/to/a/daemon:1234567")J"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// Timestamps

TEST(JsonFormatTimestamp, NoneOmitsTheField) {
  EventBuilder ev;
  ev.ktime(1000);
  EXPECT_EQ(line(no_parts(), ev).find("time"), std::string::npos);
}

TEST(JsonFormatTimestamp, CurrentIsKtime) {
  Options o = no_parts();
  o.timestamp = Timestamp::current;
  EventBuilder ev;
  ev.skb(0xa00).ktime(18446744073709551615ull).caller("x");
  o.output_caller = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0xa00","cpu":0,"process":"<empty>:0","func":"f","caller_func":"x",)J"
            R"J("time":18446744073709551615})J"
            "\n");
}

TEST(JsonFormatTimestamp, RelativePerSkb) {
  Options o = no_parts();
  o.timestamp = Timestamp::relative;
  Formatter f(o);
  auto ts_of = [&](uint64_t skb, uint64_t t) {
    EventBuilder ev;
    ev.skb(skb).ktime(t);
    std::string l = line(f, ev);
    size_t s = l.find(R"J("time":)J");
    EXPECT_NE(s, std::string::npos) << l;
    s += 7;
    return l.substr(s, l.find('}', s) - s);
  };
  // pwru's TestPrintJSONRelativeTimestamp: 100 then 250 gives 150.
  EXPECT_EQ(ts_of(0xa00, 100), "0");
  EXPECT_EQ(ts_of(0xb00, 150), "0");
  EXPECT_EQ(ts_of(0xa00, 250), "150");
  EXPECT_EQ(ts_of(0xb00, 400), "250");
  EXPECT_EQ(ts_of(0, 5), "0");  // skb 0 is a key like any other
  EXPECT_EQ(ts_of(0, 12), "7");
  // Like Go's uint64 arithmetic, an out-of-order event wraps.
  EXPECT_EQ(ts_of(0xa00, 249), "18446744073709551615");
}

TEST(JsonFormatTimestamp, SkbLastSeenGrows) {
  SkbLastSeen m;
  for (uint64_t i = 1; i <= 5000; ++i) EXPECT_FALSE(m.exchange(0xffff888000000000ull + i * 256, i));
  EXPECT_EQ(m.size(), 5000u);
  for (uint64_t i = 1; i <= 5000; ++i) {
    auto prev = m.exchange(0xffff888000000000ull + i * 256, i + 10);
    ASSERT_TRUE(prev);
    EXPECT_EQ(*prev, i);
  }
  EXPECT_EQ(m.size(), 5000u);
}

class JsonFormatAbsolute : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    had_tz_ = tz != nullptr;
    if (had_tz_) old_tz_ = tz;
  }
  void TearDown() override {
    if (had_tz_)
      setenv("TZ", old_tz_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  static void set_tz(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
  }
  bool had_tz_ = false;
  std::string old_tz_;
};

TEST_F(JsonFormatAbsolute, StringInLocalTime) {
  Options o = no_parts();
  o.timestamp = Timestamp::absolute;
  // 2024-05-01T12:34:56Z plus 789.999999 ms: Go truncates to .789.
  const uint64_t wall = 1714566896ull * 1000000000ull + 789999999ull;
  EventBuilder ev;
  ev.skb(0xffff888012345678).ktime(123456789).wall(wall);
  set_tz("UTC");
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0xffff888012345678","cpu":0,"process":"<empty>:0","func":"f",)J"
            R"J("time":"2024-05-01T12:34:56.789"})J"
            "\n");
  set_tz("XST-5:30");  // a POSIX TZ string needs no tzdata: UTC+05:30
  EXPECT_NE(line(o, ev).find(R"J("time":"2024-05-01T18:04:56.789")J"), std::string::npos);

  // Events in the same second reuse the cached date; the next second does not.
  set_tz("UTC");
  Formatter f(o);
  auto time_of = [&](uint64_t w) {
    EventBuilder e;
    e.wall(w);
    std::string l = line(f, e);
    size_t s = l.find(R"J("time":")J") + 8;
    return l.substr(s, l.find('"', s) - s);
  };
  EXPECT_EQ(time_of(1714566896ull * 1000000000ull + 5000000ull), "2024-05-01T12:34:56.005");
  EXPECT_EQ(time_of(1714566896ull * 1000000000ull + 999000000ull), "2024-05-01T12:34:56.999");
  EXPECT_EQ(time_of(1714566897ull * 1000000000ull), "2024-05-01T12:34:57.000");
}

TEST_F(JsonFormatAbsolute, MatchesPwruRegex) {
  // pwru's TestGetAbsoluteTs pattern.
  Options o = no_parts();
  o.timestamp = Timestamp::absolute;
  Formatter f(o);
  EventBuilder ev;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  ev.wall(static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec));
  std::string l = line(f, ev);
  size_t s = l.find(R"J("time":")J") + 8;
  // ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$, without std::regex.
  const std::string t = l.substr(s, l.find('"', s) - s);
  const std::string shape = "dddd-dd-ddTdd:dd:dd.ddd";
  ASSERT_EQ(t.size(), shape.size()) << l;
  for (size_t i = 0; i < t.size(); ++i) {
    if (shape[i] == 'd')
      EXPECT_TRUE(t[i] >= '0' && t[i] <= '9') << l;
    else
      EXPECT_EQ(t[i], shape[i]) << l;
  }
}

TEST(JsonFormatDetail, ParseTimestamp) {
  EXPECT_EQ(parse_timestamp("none"), Timestamp::none);
  EXPECT_EQ(parse_timestamp("current"), Timestamp::current);
  EXPECT_EQ(parse_timestamp("relative"), Timestamp::relative);
  EXPECT_EQ(parse_timestamp("absolute"), Timestamp::absolute);
  EXPECT_FALSE(parse_timestamp("Absolute"));
  EXPECT_FALSE(parse_timestamp(""));
}

// ---------------------------------------------------------------------------
// Escaping (Go's encoding/json with SetEscapeHTML(false))

TEST(JsonFormatEscape, LikeGoEncodingJson) {
  using detail::json_quote;
  EXPECT_EQ(json_quote(""), R"J("")J");
  EXPECT_EQ(json_quote("plain /usr/bin/curl:1"), R"J("plain /usr/bin/curl:1")J");
  EXPECT_EQ(json_quote(R"J(say "hi")J"), R"J("say \"hi\"")J");
  EXPECT_EQ(json_quote(R"J(C:\dir\)J"), R"J("C:\\dir\\")J");
  EXPECT_EQ(json_quote("a\nb\rc\td\be\ff"), R"J("a\nb\rc\td\be\ff")J");
  EXPECT_EQ(json_quote(std::string_view("\x01\x1f\x00", 3)), R"J("\u0001\u001f\u0000")J");
  EXPECT_EQ(json_quote("\x7f"), "\"\x7f\"");                         // DEL is not escaped
  EXPECT_EQ(json_quote("<a href='x'>&</a>"), R"J("<a href='x'>&</a>")J");  // no HTML escaping
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),   // valid UTF-8 verbatim
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_quote("\xe2\x80\xa8\xe2\x80\xa9"), R"J("\u2028\u2029")J");
}

TEST(JsonFormatEscape, InvalidUtf8BecomesReplacementPerByte) {
  using detail::json_quote;
  EXPECT_EQ(json_quote("\xff"), R"J("\ufffd")J");
  EXPECT_EQ(json_quote("a\x80z"), R"J("a\ufffdz")J");
  EXPECT_EQ(json_quote("\xc3"), R"J("\ufffd")J");                      // truncated at the end
  EXPECT_EQ(json_quote("\xe2\x82"), R"J("\ufffd\ufffd")J");            // each byte on its own
  EXPECT_EQ(json_quote("\xe2\x82z"), R"J("\ufffd\ufffdz")J");
  EXPECT_EQ(json_quote("\xc0\x80"), R"J("\ufffd\ufffd")J");            // overlong
  EXPECT_EQ(json_quote("\xed\xa0\x80"), R"J("\ufffd\ufffd\ufffd")J");  // surrogate
  EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), R"J("\ufffd\ufffd\ufffd\ufffd")J");  // > U+10FFFF
  EXPECT_EQ(json_quote("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");           // U+10FFFF is fine
  EXPECT_EQ(json_quote("\xc3\xa9\xc3"), "\"\xc3\xa9\\ufffd\"");
}

TEST(JsonFormatEscape, SpecialByteAtEveryOffset) {
  // The plain-run copy works 8 bytes at a time: put one special byte at
  // every offset of strings of every length around the word size.
  const std::pair<std::string, std::string> specials[] = {
      {"\"", R"J(\")J"}, {"\\", R"J(\\)J"}, {"\x01", R"J(\u0001)J"}, {"\x1f", R"J(\u001f)J"},
      {"\n", R"J(\n)J"}, {"\xff", R"J(\ufffd)J"}, {"\xc3\xa9", "\xc3\xa9"},
      {"\xe2\x80\xa9", R"J(\u2029)J"}, {" ", " "}, {"\x7f", "\x7f"}, {"~", "~"}, {"!", "!"},
      {"#", "#"}, {"[", "["}, {"]", "]"}, {"\x20", " "}};
  for (size_t len = 0; len <= 20; ++len) {
    for (size_t at = 0; at <= len; ++at) {
      for (const auto& [raw, esc] : specials) {
        std::string in = std::string(at, 'a') + raw + std::string(len - at, 'b');
        std::string want = "\"" + std::string(at, 'a') + esc + std::string(len - at, 'b') + "\"";
        EXPECT_EQ(detail::json_quote(in), want) << "len " << len << " at " << at;
      }
    }
  }
}

TEST(JsonFormatEscape, WeirdProcessNameInALine) {
  EventBuilder ev;
  ev.process("/tmp/\"evil\"\\\x01\n\xff\xe2\x80\xa8x:1");
  EXPECT_EQ(line(no_parts(), ev),
            R"J({"skb":"0x0","cpu":0,"process":"/tmp/\"evil\"\\\u0001\n\ufffd\u2028x:1","func":"f"})J"
            "\n");
}

TEST(JsonFormatEscape, EveryStringFieldIsEscaped) {
  EventBuilder ev;
  ev.func("fu\"nc")
      .caller("ca\\ller")
      .drop(1, "RE\"ASON")
      .meta(1, 2, "if\x02", 3, 4, 5, 6)
      .netns_name("n\"s");
  Options o;
  o.output_caller = true;
  o.output_netns_names = true;
  EXPECT_EQ(line(o, ev),
            R"J({"skb":"0x0","cpu":0,"process":"<empty>:0","func":"fu\"nc(RE\"ASON)",)J"
            R"J("caller_func":"ca\\ller","netns":1,"netns_name":"n\"s","mark":2,"iface":"if\u0002:3",)J"
            R"J("proto":4,"mtu":5,"len":6,"drop_reason":"RE\"ASON","drop_reason_code":1})J"
            "\n");
}

// ---------------------------------------------------------------------------
// Buffer handling and robustness

TEST(JsonFormatBuffer, AppendsWithoutTouchingEarlierBytes) {
  Formatter f(Options{});
  fmt::memory_buffer b;
  b.append(std::string_view("previous\n"));
  EventBuilder ev;
  ev.func("ip_rcv");
  f.append_line(ev, b);
  std::string s(b.data(), b.size());
  EXPECT_EQ(s.substr(0, 9), "previous\n");
  EXPECT_EQ(s.back(), '\n');
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 2);
}

TEST(JsonFormatStress, WorstCaseStringsFitTheBound) {
  // Every string made only of bytes that escape to 6 characters. Debug
  // builds assert the bound; ASan builds check the memory.
  std::string bad(4096, '\xff');
  std::string ctl(4096, '\x01');
  std::string ls;
  for (int i = 0; i < 1000; ++i) ls += "\xe2\x80\xa8";
  EventBuilder ev;
  ev.skb(~0ull)
      .cpu(~0u)
      .pid(~0u)
      .ktime(~0ull)
      .process(bad.c_str())
      .func(ctl.c_str())
      .func_addr(~0ull)
      .kind(PWRU_PROBE_XDP)
      .caller(ls.c_str())
      .drop(~0ull, bad.c_str())
      .meta(~0u, ~0u, ctl.c_str(), ~0u, 0xffff, ~0u, ~0u)
      .netns_name(bad.c_str())
      .tuple6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "1111:2222:3333:4444:5555:6666:7777:8888",
              65535, 255, 0xff);
  for (int ts = 0; ts < 4; ++ts) {
    Options o;
    o.output_tcp_flags = true;
    o.output_caller = true;
    o.output_netns_names = true;
    o.timestamp = static_cast<Timestamp>(ts);
    std::string l = line(o, ev);
    EXPECT_EQ(l.back(), '\n');
    EXPECT_GT(l.size(), 6u * 4096u * 4u);
  }
  ev.drop(~0ull, nullptr);
  EXPECT_NE(line(Options{}, ev).find(R"J("drop_reason":"18446744073709551615","drop_reason_code":18446744073709551615})J"),
            std::string::npos);
}


// ---------------------------------------------------------------------------
// Output flags (ABI 1.4 event fields).

TEST(JsonFormatOutflags, SkbAndShinfoTextUnderPwrusNames) {
  // pwru: skb_shared_info right after skb, and the --output-skb text in
  // skb_metadata (its quirk), each as "\n" + the text.
  EventBuilder ev;
  ev.func("ip_rcv").skb_btf("(struct sk_buff){\n .len = (unsigned int)84,\n}").shinfo_btf("(struct skb_shared_info){\n}");
  EXPECT_EQ(line(no_parts(), ev),
            "{\"skb\":\"0x0\",\"skb_shared_info\":\"\\n(struct skb_shared_info){\\n}\",\"cpu\":0,"
            "\"process\":\"<empty>:0\",\"func\":\"ip_rcv\","
            "\"skb_metadata\":\"\\n(struct sk_buff){\\n .len = (unsigned int)84,\\n}\"}\n");
}

TEST(JsonFormatOutflags, CbWithTheMetaFields) {
  Options o;
  o.output_tuple = false;
  o.output_skb_cb = true;
  EventBuilder ev;
  ev.meta(1, 0, "lo", 1, 0x0800, 65536, 84).skb_cb(0, 0, 0x14, 6, 0x00060001).func("f");
  EXPECT_EQ(line(o, ev),
            "{\"skb\":\"0x0\",\"cpu\":0,\"process\":\"<empty>:0\",\"func\":\"f\",\"netns\":1,\"mark\":0,"
            "\"iface\":\"lo:1\",\"proto\":2048,\"mtu\":65536,\"len\":84,\"cb\":[0,0,20,6,393217]}\n");
  o.output_skb_cb = false;  // not asked for: not written
  EXPECT_EQ(line(o, ev).find("\"cb\""), std::string::npos);
}

TEST(JsonFormatOutflags, TunnelTupleAfterTuple) {
  Options o;
  o.output_meta = false;
  o.output_tunnel = true;
  EventBuilder ev;
  ev.tuple4("198.51.100.1", 41000, "198.51.100.2", 4789, kUdp)
      .tunnel4("203.0.113.1", 40000, "203.0.113.2", 8080, kTcp)
      .func("f");
  EXPECT_EQ(line(o, ev),
            "{\"skb\":\"0x0\",\"cpu\":0,\"process\":\"<empty>:0\",\"func\":\"f\","
            "\"tuple\":{\"saddr\":\"198.51.100.1\",\"daddr\":\"198.51.100.2\",\"sport\":41000,\"dport\":4789,\"proto\":17},"
            "\"tunnel_tuple\":{\"saddr\":\"203.0.113.1\",\"daddr\":\"203.0.113.2\",\"sport\":40000,\"dport\":8080,\"proto\":6}}\n");
  o.output_tunnel = false;
  EXPECT_EQ(line(o, ev).find("tunnel_tuple"), std::string::npos);
}

TEST(JsonFormatOutflags, MetadataObjectByExpression) {
  static const char* const kExprs[] = {"skb->mark", "skb->dev->ml_priv_type"};
  static const char* const kNames[] = {"mark", "ml_priv_type"};
  static const char* const kText[] = {"42", "ML_PRIV_NONE"};
  EventBuilder ev;
  ev.func("f").skb_metadata(kExprs, kNames, kText, 2);
  EXPECT_EQ(line(no_parts(), ev),
            "{\"skb\":\"0x0\",\"cpu\":0,\"process\":\"<empty>:0\",\"func\":\"f\","
            "\"metadata\":{\"skb->mark\":\"42\",\"skb->dev->ml_priv_type\":\"ML_PRIV_NONE\"}}\n");
}

TEST(JsonFormatBpfmap, BpfmapObjectWithHexKeyAndValue) {
  static const uint8_t kKey[] = {0x70, 0x77, 0x72, 0x75};
  static const uint8_t kValue[] = {0x03, 0, 0, 0, 0, 0, 0, 0};
  EventBuilder ev;
  ev.func("htab_map_update_elem").bpfmap(17, "pwru_test_map", 4, kKey, 4, 8, kValue, 8);
  EXPECT_EQ(line(no_parts(), ev),
            "{\"skb\":\"0x0\",\"cpu\":0,\"process\":\"<empty>:0\",\"func\":\"htab_map_update_elem\","
            "\"bpfmap\":{\"id\":17,\"name\":\"pwru_test_map\",\"key_size\":4,\"key\":\"70777275\","
            "\"value_size\":8,\"value\":\"0300000000000000\"}}\n");
  // A delete (no value read): no "value"; a name that needs escaping is escaped.
  EventBuilder del;
  del.func("htab_map_delete_elem").bpfmap(2, "a\"b", 4, kKey, 4, 8, nullptr, 0);
  EXPECT_EQ(line(no_parts(), del),
            "{\"skb\":\"0x0\",\"cpu\":0,\"process\":\"<empty>:0\",\"func\":\"htab_map_delete_elem\","
            "\"bpfmap\":{\"id\":2,\"name\":\"a\\\"b\",\"key_size\":4,\"key\":\"70777275\",\"value_size\":8}}\n");
  // An ABI 1.4 event: no bpfmap.
  del.size(offsetof(pwru_event_v1, bpfmap_id));
  EXPECT_EQ(line(no_parts(), del).find("bpfmap"), std::string::npos);
}

}  // namespace
}  // namespace pwru::json
