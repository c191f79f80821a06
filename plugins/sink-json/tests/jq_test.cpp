// SPDX-License-Identifier: Apache-2.0
//
// Every line the formatter produces goes through a real JSON parser: jq
// (scripts/install-deps.sh installs it). Field values are checked with
// `jq -e`, and strings full of random bytes must decode to what Go's
// encoding/json would give (invalid UTF-8 bytes as U+FFFD).
#include "json_format.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "event_builder.h"

namespace pwru::json {
namespace {

using test::EventBuilder;

constexpr uint32_t kInitNetns = 4026531840u;

bool have_jq() { return std::system("jq --version >/dev/null 2>&1") == 0; }

// Writes `data` to a temporary file, removed at the end of the scope.
class TempFile {
 public:
  explicit TempFile(const std::string& data) {
    char tmpl[] = "/tmp/pwru-json-test-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    path_ = tmpl;
    size_t off = 0;
    while (off < data.size()) {
      ssize_t w = ::write(fd, data.data() + off, data.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct JqResult {
  int status = -1;  // jq's exit status
  std::string out;  // stdout and stderr
};

// Runs `jq <args> '<filter>' <file with input>`. The filter must not contain a single quote.
JqResult jq(const std::string& args, const std::string& filter, const std::string& input) {
  TempFile in(input);
  std::string cmd = "jq " + args + " '" + filter + "' " + in.path() + " 2>&1";
  JqResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class JsonJq : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(have_jq()) << "jq is needed by this test: run scripts/install-deps.sh";
  }
};

std::string format_all(const Options& o, const std::vector<pwru_event_v1>& evs) {
  Formatter f(o);
  fmt::memory_buffer b;
  for (const auto& ev : evs) f.append_line(ev, b);
  return std::string(b.data(), b.size());
}

// Asserts that `filter` is true (jq -e) on every line of `lines`.
void expect_all(const std::string& lines, const std::string& filter) {
  // -s: one array of all lines; every line must satisfy the filter.
  JqResult r = jq("-e -s", "all(.[]; " + filter + ")", lines);
  EXPECT_EQ(r.status, 0) << "filter: " << filter << "\njq: " << r.out << "\ninput:\n" << lines;
}

TEST_F(JsonJq, EveryLineParses) {
  std::vector<pwru_event_v1> evs;
  EventBuilder drop;
  drop.skb(0xffff888012345678)
      .cpu(2)
      .ktime(1000)
      .wall(1714566896ull * 1000000000ull)
      .process("/usr/bin/curl:4242")
      .meta(kInitNetns, 0x100, "veth0", 5, 0x0800, 1500, 60)
      .tuple4("198.51.100.10", 40000, "203.0.113.5", 8080, 6, 0x12)
      .func("kfree_skb_reason")
      .drop(6, "SKB_DROP_REASON_NETFILTER_DROP")
      .caller("nf_hook_slow")
      .netns_name("blue");
  evs.push_back(drop);
  EventBuilder v6 = drop;
  v6.tuple6("2001:db8::1", 1, "2001:db8::2", 2, 17).drop(999, nullptr).kind(PWRU_PROBE_TC);
  evs.push_back(v6);
  EventBuilder bare;
  evs.push_back(bare);
  // Every option set, all in one jq run.
  std::string all;
  for (int ts = 0; ts < 4; ++ts) {
    for (int parts = 0; parts < 32; ++parts) {
      Options o;
      o.output_meta = (parts & 1) != 0;
      o.output_tuple = (parts & 2) != 0;
      o.output_tcp_flags = (parts & 4) != 0;
      o.output_caller = (parts & 8) != 0;
      o.output_netns_names = (parts & 16) != 0;
      o.timestamp = static_cast<Timestamp>(ts);
      all += format_all(o, evs);
    }
  }
  JqResult r = jq("-c", ".", all);
  ASSERT_EQ(r.status, 0) << r.out << "\n" << all;
  // jq -c re-prints each object compactly with its keys in input order:
  // for our output (no spaces, no escapes jq writes differently) it is the
  // identical text.
  EXPECT_EQ(r.out, all);
}

TEST_F(JsonJq, FieldValues) {
  EventBuilder ev;
  ev.skb(0xffff888012345678)
      .cpu(0)
      .ktime(5000)
      .process("/usr/bin/curl:4242")
      .meta(kInitNetns, 0, "eth0", 2, 0x0800, 1500, 60)
      .tuple4("198.51.100.10", 40000, "203.0.113.5", 8080, 6, 0x12)
      .func("kfree_skb_reason")
      .drop(6, "SKB_DROP_REASON_NETFILTER_DROP")
      .caller("nf_hook_slow")
      .netns_name("blue");
  Options o;
  o.output_tcp_flags = true;
  o.output_caller = true;
  o.output_netns_names = true;
  o.timestamp = Timestamp::current;
  std::string l = format_all(o, {ev});
  expect_all(l, R"J(.skb == "0xffff888012345678")J");
  expect_all(l, R"J(.cpu == 0 and .mark == 0)J");
  expect_all(l, R"J(.process == "/usr/bin/curl:4242")J");
  expect_all(l, R"J(.func == "kfree_skb_reason(SKB_DROP_REASON_NETFILTER_DROP)")J");
  expect_all(l, R"J(.caller_func == "nf_hook_slow")J");
  expect_all(l, R"J(.time == 5000)J");
  expect_all(l, R"J(.netns == 4026531840 and .netns_name == "blue")J");
  expect_all(l, R"J(.iface == "eth0:2" and .proto == 2048 and .mtu == 1500 and .len == 60)J");
  expect_all(l, R"J(.tuple == {"saddr":"198.51.100.10","daddr":"203.0.113.5","sport":40000,"dport":8080,"proto":6,"flags":"SYN|ACK"})J");
  expect_all(l, R"J(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP" and .drop_reason_code == 6)J");
  expect_all(l, R"J(has("skb_metadata") | not)J");
  // pwru's key order, then ours.
  JqResult keys = jq("-c", "keys_unsorted", l);
  EXPECT_EQ(keys.out,
            R"J(["skb","cpu","process","func","caller_func","time","netns","netns_name","mark","iface",)J"
            R"J("proto","mtu","len","tuple","drop_reason","drop_reason_code"])J"
            "\n");

  o.timestamp = Timestamp::absolute;
  expect_all(format_all(o, {ev}), R"J(.time | type == "string" and test("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}$"))J");
  o.timestamp = Timestamp::relative;
  EventBuilder later = ev;
  later.ktime(5750);
  JqResult times = jq("-c", ".time", format_all(o, {ev, later}));
  EXPECT_EQ(times.out, "0\n750\n");
  o.timestamp = Timestamp::none;
  o.output_meta = false;
  o.output_tuple = false;
  expect_all(format_all(o, {ev}),
             R"J(has("time") or has("netns") or has("mark") or has("iface") or has("tuple") | not)J");
}

// What Go's string(b) -> JSON -> decode round trip yields: valid UTF-8
// sequences as they are, every other byte as U+FFFD.
std::string go_sanitized(const std::string& s) {
  std::string out;
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  for (size_t i = 0; i < n;) {
    unsigned c = b[i];
    size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else {
      // Written independently of the formatter's decoder, from the
      // Unicode table of well-formed UTF-8 byte sequences.
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
      if (need != 0 && i + need < n && b[i + 1] >= lo && b[i + 1] <= hi) {
        len = need + 1;
        for (size_t k = 2; k <= need; ++k)
          if (b[i + k] < 0x80 || b[i + k] > 0xbf) len = 0;
      }
    }
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

TEST_F(JsonJq, RandomBytesRoundTrip) {
  std::mt19937_64 rng(20240501);
  std::vector<std::string> names;
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 40, 'x');
    for (char& c : s) {
      // Mostly awkward bytes: controls, quotes, backslashes, high bytes, and
      // pieces of valid sequences.
      static const char kPick[] = "\x01\x1f\"\\\x7f\x80\xbf\xc2\xc3\xa9\xe2\x80\xa8\xed\xf0\x9f\xf4\xff" "a/:";
      c = (rng() % 3 == 0) ? static_cast<char>(1 + rng() % 255) : kPick[rng() % (sizeof(kPick) - 1)];
    }
    names.push_back(s + ":" + std::to_string(i));
  }
  std::vector<pwru_event_v1> evs;
  for (const auto& n : names) {
    EventBuilder ev;
    ev.process(n.c_str()).func(n.c_str()).meta(1, 2, n.c_str(), 3, 4, 5, 6);
    evs.push_back(ev);
  }
  std::string lines = format_all(Options{}, evs);
  // Output is pure ASCII: every non-ASCII byte that survives is valid UTF-8,
  // and jq must decode each string back to Go's sanitized text.
  JqResult r = jq("-j", R"J(.process + "\u0000" + .func + "\u0000" + .iface + "\u0000")J", lines);
  ASSERT_EQ(r.status, 0) << r.out;
  std::vector<std::string> got;
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t z = r.out.find('\0', pos);
    ASSERT_NE(z, std::string::npos);
    got.push_back(r.out.substr(pos, z - pos));
    pos = z + 1;
  }
  ASSERT_EQ(got.size(), names.size() * 3);
  for (size_t i = 0; i < names.size(); ++i) {
    std::string want = go_sanitized(names[i]);
    EXPECT_EQ(got[3 * i], want) << "process #" << i;
    EXPECT_EQ(got[3 * i + 1], want) << "func #" << i;
    EXPECT_EQ(got[3 * i + 2], want + ":3") << "iface #" << i;
  }
}

TEST_F(JsonJq, RandomEventsAllParse) {
  // Random flags, numbers and strings under every option set; jq must
  // accept every line, and each line must hold exactly one object.
  std::mt19937_64 rng(7);
  std::vector<std::string> pool;
  for (int i = 0; i < 32; ++i) {
    std::string s(rng() % 30, 'x');
    for (char& c : s) c = static_cast<char>(1 + rng() % 255);
    pool.push_back(s);
  }
  auto pick = [&]() -> const char* { return rng() % 8 == 0 ? nullptr : pool[rng() % pool.size()].c_str(); };
  std::string all;
  size_t count = 0;
  for (int round = 0; round < 64; ++round) {
    Options o;
    o.output_meta = (round & 1) != 0;
    o.output_tuple = (round & 2) != 0;
    o.output_tcp_flags = (round & 4) != 0;
    o.output_caller = (round & 8) != 0;
    o.output_netns_names = (round & 16) != 0;
    o.timestamp = static_cast<Timestamp>((round >> 2) % 4);
    std::vector<pwru_event_v1> evs;
    for (int i = 0; i < 50; ++i) {
      pwru_event_v1 ev{};
      ev.size = sizeof(ev);
      ev.flags = static_cast<uint32_t>(rng());
      ev.skb = rng();
      ev.ktime_ns = rng();
      ev.wall_ns = rng() % (4000000000ull * 1000000000ull);
      ev.cpu = static_cast<uint32_t>(rng());
      ev.pid = static_cast<uint32_t>(rng());
      ev.process = pick();
      ev.func = pick();
      ev.func_addr = rng();
      ev.probe_kind = static_cast<uint32_t>(rng() % 6);
      ev.caller = pick();
      ev.drop_reason = rng();
      ev.drop_reason_name = pick();
      ev.netns = static_cast<uint32_t>(rng());
      ev.mark = static_cast<uint32_t>(rng());
      ev.ifindex = static_cast<uint32_t>(rng());
      ev.ifname = pick();
      ev.protocol = static_cast<uint16_t>(rng());
      ev.netns_name = pick();
      auto* t = reinterpret_cast<uint8_t*>(&ev.tuple);
      for (size_t k = 0; k < sizeof(ev.tuple); ++k) t[k] = static_cast<uint8_t>(rng());
      if (rng() % 2 == 0) ev.tuple.l3_proto = (rng() % 2 == 0) ? 0x0800 : 0x86dd;
      evs.push_back(ev);
    }
    all += format_all(o, evs);
    count += evs.size();
  }
  JqResult r = jq("-c", "type", all);
  ASSERT_EQ(r.status, 0) << r.out;
  std::string want;
  for (size_t i = 0; i < count; ++i) want += "\"object\"\n";
  EXPECT_EQ(r.out, want);
}

}  // namespace
}  // namespace pwru::json
