// SPDX-License-Identifier: Apache-2.0
//
// The `json` sink through its C ABI, twice: the entry point compiled into
// this test, and the built pwru-sink-json.so loaded with dlopen() (what the
// host does). Then the C++ class through pwru::sdk::Config.
#include "sink_json.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "event_builder.h"

extern "C" const pwru_plugin_v1* pwru_plugin_entry_v1(void);

namespace pwru::json {
namespace {

using test::EventBuilder;

// A host writer that appends to a string, counts calls and can fail.
struct StringWriter {
  std::string data;
  int writes = 0;
  int flushes = 0;
  int write_rc = 0;
  int flush_rc = 0;

  static int write_cb(void* ctx, const void* buf, size_t len) {
    auto* w = static_cast<StringWriter*>(ctx);
    ++w->writes;
    if (w->write_rc != 0) return w->write_rc;
    w->data.append(static_cast<const char*>(buf), len);
    return 0;
  }
  static int flush_cb(void* ctx) {
    auto* w = static_cast<StringWriter*>(ctx);
    ++w->flushes;
    return w->flush_rc;
  }

  pwru_writer_v1 writer() {
    pwru_writer_v1 out{};
    out.size = sizeof(out);
    out.ctx = this;
    out.write = &write_cb;
    out.flush = &flush_cb;
    return out;
  }
};

struct Logs {
  std::vector<std::string> lines;
  static void log(void* ctx, int /*level*/, const char* plugin, const char* msg) {
    static_cast<Logs*>(ctx)->lines.push_back(std::string(plugin) + ": " + msg);
  }
};

enum class Load { compiled_in, dlopen };

class SinkJsonAbi : public ::testing::TestWithParam<Load> {
 protected:
  void SetUp() override {
    if (GetParam() == Load::dlopen) {
      handle_ = ::dlopen(PWRU_SINK_JSON_SO, RTLD_NOW | RTLD_LOCAL);
      ASSERT_NE(handle_, nullptr) << ::dlerror();
      auto entry = reinterpret_cast<pwru_plugin_entry_v1_fn>(::dlsym(handle_, PWRU_PLUGIN_ENTRY_V1_NAME));
      ASSERT_NE(entry, nullptr) << ::dlerror();
      ASSERT_NE(entry, &pwru_plugin_entry_v1) << "dlsym found the test's own copy";
      desc_ = entry();
    } else {
      desc_ = pwru_plugin_entry_v1();
    }
    ASSERT_NE(desc_, nullptr);
    ops_ = static_cast<const pwru_sink_ops_v1*>(desc_->ops);
    host_.size = sizeof(host_);
    host_.abi_minor = PWRU_ABI_MINOR;
    host_.ctx = &logs_;
    host_.log = &Logs::log;
    err_.buf = errbuf_;
    err_.len = sizeof(errbuf_);
    out_ = writer_.writer();
    session_.size = sizeof(session_);
    session_.out = &out_;
    session_.backend = "tracepoint";
    session_.pwru_version = "test";
  }
  void TearDown() override {
    if (handle_ != nullptr) ::dlclose(handle_);
  }

  void* create(const char* toml) {
    errbuf_[0] = '\0';
    return desc_->create(&host_, toml, "trace.toml [[sink]] #1", &err_);
  }

  void* handle_ = nullptr;
  const pwru_plugin_v1* desc_ = nullptr;
  const pwru_sink_ops_v1* ops_ = nullptr;
  Logs logs_;
  pwru_host_v1 host_{};
  char errbuf_[512] = {};
  pwru_error err_{};
  StringWriter writer_;
  pwru_writer_v1 out_{};
  pwru_session_v1 session_{};
};

INSTANTIATE_TEST_SUITE_P(Load, SinkJsonAbi, ::testing::Values(Load::compiled_in, Load::dlopen),
                         [](const ::testing::TestParamInfo<Load>& i) {
                           return i.param == Load::dlopen ? "Dlopen" : "CompiledIn";
                         });

TEST_P(SinkJsonAbi, Descriptor) {
  EXPECT_EQ(desc_->size, sizeof(pwru_plugin_v1));
  EXPECT_EQ(desc_->abi_major, PWRU_ABI_MAJOR);
  EXPECT_EQ(desc_->abi_minor, PWRU_ABI_MINOR);
  EXPECT_EQ(desc_->kind, static_cast<uint32_t>(PWRU_KIND_SINK));
  EXPECT_STREQ(desc_->name, "json");
  EXPECT_NE(std::string(desc_->version), "");
  EXPECT_NE(std::string(desc_->description), "");
  ASSERT_NE(ops_, nullptr);
  EXPECT_EQ(ops_->size, sizeof(pwru_sink_ops_v1));
  EXPECT_NE(ops_->open, nullptr);
  EXPECT_NE(ops_->write, nullptr);
  EXPECT_NE(ops_->flush, nullptr);
  EXPECT_NE(ops_->close, nullptr);

  // config_doc: one documented key per line, every key the sink reads.
  std::string doc = desc_->config_doc;
  std::vector<std::string> keys;
  size_t pos = 0;
  while (pos < doc.size()) {
    size_t nl = doc.find('\n', pos);
    std::string l = doc.substr(pos, nl - pos);
    keys.push_back(l.substr(0, l.find(' ')));
    EXPECT_NE(l.find('#'), std::string::npos) << l;
    pos = nl == std::string::npos ? doc.size() : nl + 1;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"output-meta", "output-tuple", "output-tcp-flags",
                                            "output-caller", "output-netns-names", "timestamp", "output-skb-cb",
                                            "output-tunnel"}));
  // Each documented key, with its documented default, is accepted.
  void* inst = create(doc.c_str());
  ASSERT_NE(inst, nullptr) << errbuf_;
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, CreateOpenWriteFlushCloseDestroy) {
  void* inst = create("output-tcp-flags = true\ntimestamp = \"current\"\n");
  ASSERT_NE(inst, nullptr) << errbuf_;

  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.writes, 0) << "no header";
  EXPECT_EQ(writer_.data, "");

  EventBuilder a;
  a.skb(0xffff888012345678)
      .cpu(2)
      .ktime(1000)
      .process("/usr/bin/curl:4242")
      .meta(4026531840u, 0x100, "veth0", 5, 0x0800, 1500, 60)
      .tuple4("198.51.100.10", 40000, "203.0.113.5", 8080, 6, 0x02)
      .func("ip_output");
  EventBuilder b = a;
  b.ktime(3000)
      .kind(PWRU_PROBE_TRACEPOINT)
      .func("kfree_skb")
      .drop(6, "SKB_DROP_REASON_NETFILTER_DROP");
  const pwru_event_v1* batch[] = {&a.get(), &b.get()};
  ASSERT_EQ(ops_->write(inst, batch, 2, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.writes, 1) << "one write for the whole batch";
  EXPECT_EQ(writer_.data,
            R"J({"skb":"0xffff888012345678","cpu":2,"process":"/usr/bin/curl:4242","func":"ip_output",)J"
            R"J("time":1000,"netns":4026531840,"mark":256,"iface":"veth0:5","proto":2048,"mtu":1500,"len":60,)J"
            R"J("tuple":{"saddr":"198.51.100.10","daddr":"203.0.113.5","sport":40000,"dport":8080,"proto":6,"flags":"SYN"}})J"
            "\n"
            R"J({"skb":"0xffff888012345678","cpu":2,"process":"/usr/bin/curl:4242",)J"
            R"J("func":"kfree_skb(SKB_DROP_REASON_NETFILTER_DROP)",)J"
            R"J("time":3000,"netns":4026531840,"mark":256,"iface":"veth0:5","proto":2048,"mtu":1500,"len":60,)J"
            R"J("tuple":{"saddr":"198.51.100.10","daddr":"203.0.113.5","sport":40000,"dport":8080,"proto":6,"flags":"SYN"},)J"
            R"J("drop_reason":"SKB_DROP_REASON_NETFILTER_DROP","drop_reason_code":6})J"
            "\n");

  ASSERT_EQ(ops_->flush(inst, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.flushes, 1);
  ASSERT_EQ(ops_->close(inst, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.flushes, 2) << "close pushes buffered bytes";
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, OneWritePerBatch) {
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  std::vector<EventBuilder> evs(100);
  std::vector<const pwru_event_v1*> ptrs;
  for (size_t i = 0; i < evs.size(); ++i) {
    evs[i].skb(0xffff888000000000ull + i * 256).func("ip_rcv");
    ptrs.push_back(&evs[i].get());
  }
  ASSERT_EQ(ops_->write(inst, ptrs.data(), ptrs.size(), &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.writes, 1);
  EXPECT_EQ(std::count(writer_.data.begin(), writer_.data.end(), '\n'), 100);

  // An empty batch writes nothing.
  ASSERT_EQ(ops_->write(inst, ptrs.data(), 0, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.writes, 1);
  ASSERT_EQ(ops_->close(inst, &err_), 0) << errbuf_;
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, UnknownKeyRejected) {
  EXPECT_EQ(create("output-meta = true\noutput-json = true\n"), nullptr);
  EXPECT_STREQ(errbuf_, "trace.toml [[sink]] #1:2:15: output-json: unknown key 'output-json'");
}

TEST_P(SinkJsonAbi, InvalidTimestampRejected) {
  EXPECT_EQ(create("timestamp = \"monotonic\"\n"), nullptr);
  EXPECT_STREQ(errbuf_,
               "invalid --timestamp value 'monotonic': must be none, current, relative or absolute");
}

TEST_P(SinkJsonAbi, WrongTypeRejected) {
  EXPECT_EQ(create("output-netns-names = \"yes\"\n"), nullptr);
  EXPECT_STREQ(errbuf_, "trace.toml [[sink]] #1:1:22: output-netns-names: must be a boolean");
  EXPECT_EQ(create("timestamp = 3\n"), nullptr);
  EXPECT_STREQ(errbuf_, "trace.toml [[sink]] #1:1:13: timestamp: must be a string");
}

TEST_P(SinkJsonAbi, BadTomlRejected) {
  EXPECT_EQ(create("output-meta = \n"), nullptr);
  EXPECT_NE(std::string(errbuf_).find("trace.toml [[sink]] #1:1:"), std::string::npos) << errbuf_;
}

TEST_P(SinkJsonAbi, WriterErrorPropagates) {
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  writer_.write_rc = -ENOSPC;
  EventBuilder ev;
  const pwru_event_v1* batch[] = {&ev.get()};
  EXPECT_LT(ops_->write(inst, batch, 1, &err_), 0);
  EXPECT_STREQ(errbuf_, "writing output: No space left on device");
  // After a failed write, close() does not flush the broken stream again.
  EXPECT_EQ(ops_->close(inst, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.flushes, 0);
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, FlushErrorPropagates) {
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  writer_.flush_rc = -EIO;
  EXPECT_LT(ops_->flush(inst, &err_), 0);
  EXPECT_STREQ(errbuf_, "flushing output: Input/output error");
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, OpenWithoutWriterFails) {
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  session_.out = nullptr;
  EXPECT_LT(ops_->open(inst, &session_, &err_), 0);
  EXPECT_STREQ(errbuf_, "json sink: the host gave no output writer");
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, WriteBeforeOpenFails) {
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  EventBuilder ev;
  const pwru_event_v1* batch[] = {&ev.get()};
  EXPECT_LT(ops_->write(inst, batch, 1, &err_), 0);
  EXPECT_STREQ(errbuf_, "json sink: write() before open()");
  desc_->destroy(inst);
}

TEST_P(SinkJsonAbi, WriterWithoutFlushIsFine) {
  out_.flush = nullptr;
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  EXPECT_EQ(ops_->flush(inst, &err_), 0) << errbuf_;
  EXPECT_EQ(ops_->close(inst, &err_), 0) << errbuf_;
  desc_->destroy(inst);
}

// The module exports its entry point and nothing else of pwru's.
TEST(SinkJsonModule, ExportsOnlyTheEntryPoint) {
  std::string cmd = std::string("nm -D --defined-only ") + PWRU_SINK_JSON_SO + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (pclose(p) != 0 || out.empty()) GTEST_SKIP() << "nm (binutils) is not available";
  std::vector<std::string> ours;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    std::string l = out.substr(pos, nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    std::string sym = l.substr(l.rfind(' ') + 1);
    if (sym.find("pwru") != std::string::npos) ours.push_back(sym);
  }
  EXPECT_EQ(ours, std::vector<std::string>{"pwru_plugin_entry_v1"});
}

// ---------------------------------------------------------------------------
// The class, through pwru::sdk::Config.

Options options_from(const char* toml) {
  pwru::sdk::Config cfg(toml, "test");
  Options o = JsonSink::parse_options(cfg);
  cfg.finish();
  return o;
}

TEST(SinkJsonConfig, Defaults) {
  Options o = options_from("");
  EXPECT_TRUE(o.output_meta);
  EXPECT_TRUE(o.output_tuple);
  EXPECT_FALSE(o.output_tcp_flags);
  EXPECT_FALSE(o.output_caller);
  EXPECT_FALSE(o.output_netns_names);
  EXPECT_EQ(o.timestamp, Timestamp::none);
}

TEST(SinkJsonConfig, EveryKey) {
  Options o = options_from(
      "output-meta = false\noutput-tuple = false\noutput-tcp-flags = true\n"
      "output-caller = true\noutput-netns-names = true\ntimestamp = \"relative\"\n");
  EXPECT_FALSE(o.output_meta);
  EXPECT_FALSE(o.output_tuple);
  EXPECT_TRUE(o.output_tcp_flags);
  EXPECT_TRUE(o.output_caller);
  EXPECT_TRUE(o.output_netns_names);
  EXPECT_EQ(o.timestamp, Timestamp::relative);
  EXPECT_EQ(options_from("timestamp = \"absolute\"").timestamp, Timestamp::absolute);
  EXPECT_EQ(options_from("timestamp = \"current\"").timestamp, Timestamp::current);
  EXPECT_EQ(options_from("timestamp = \"none\"").timestamp, Timestamp::none);
}

TEST(SinkJsonConfig, InvalidTimestampThrowsSdkError) {
  pwru::sdk::Config cfg("timestamp = \"Absolute\"", "test");
  try {
    JsonSink::parse_options(cfg);
    FAIL() << "no exception";
  } catch (const pwru::sdk::Error& e) {
    EXPECT_STREQ(e.what(),
                 "invalid --timestamp value 'Absolute': must be none, current, relative or absolute");
  }
}

TEST(SinkJsonClass, WriteErrorThrows) {
  pwru::sdk::Config cfg("output-meta = false", "test");
  pwru::sdk::Host host(nullptr, "json");
  JsonSink sink(host, cfg);
  StringWriter w;
  pwru_writer_v1 out = w.writer();
  pwru_session_v1 s{};
  s.size = sizeof(s);
  s.out = &out;
  sink.open(s);
  EXPECT_EQ(w.writes, 0);
  w.write_rc = -EBADF;
  EventBuilder ev;
  const pwru_event_v1* batch[] = {&ev.get()};
  try {
    sink.write(batch);
    FAIL() << "no exception";
  } catch (const pwru::sdk::Error& e) {
    EXPECT_STREQ(e.what(), "writing output: Bad file descriptor");
  }
}

}  // namespace
}  // namespace pwru::json
