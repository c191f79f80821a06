// SPDX-License-Identifier: Apache-2.0
//
// The `pcapng` sink through its C ABI, twice: the entry point compiled into
// this test, and the built pwru-sink-pcapng.so loaded with dlopen() (what
// the host does). Key validation, needs() (ABI 1.2), and the stream it
// writes through the host's writer.
#include "sink_pcapng.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "pwru_common/test_event_builder.h"

extern "C" const pwru_plugin_v1* pwru_plugin_entry_v1(void);

namespace pwru::pcapng {
namespace {

using pwru::testing::EventBuilder;

// A host writer that appends to a string and counts calls.
struct StringWriter {
  std::string data;
  int writes = 0;
  int flushes = 0;
  int write_rc = 0;

  static int write_cb(void* ctx, const void* buf, size_t len) {
    auto* w = static_cast<StringWriter*>(ctx);
    ++w->writes;
    if (w->write_rc != 0) return w->write_rc;
    w->data.append(static_cast<const char*>(buf), len);
    return 0;
  }
  static int flush_cb(void* ctx) {
    ++static_cast<StringWriter*>(ctx)->flushes;
    return 0;
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

class SinkPcapngAbi : public ::testing::TestWithParam<Load> {
 protected:
  void SetUp() override {
    if (GetParam() == Load::dlopen) {
      handle_ = ::dlopen(PWRU_SINK_PCAPNG_SO, RTLD_NOW | RTLD_LOCAL);
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
    session_.pwru_version = "9.8.7";
  }
  void TearDown() override {
    if (handle_ != nullptr) ::dlclose(handle_);
  }

  void* create(const char* toml) {
    errbuf_[0] = '\0';
    return desc_->create(&host_, toml, "trace.toml [[sink]] #2", &err_);
  }
  pwru_sink_needs_v1 needs_of(void* inst) {
    pwru_sink_needs_v1 n{};
    n.size = sizeof(n);
    EXPECT_EQ(ops_->needs(inst, &n, &err_), 0) << errbuf_;
    return n;
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

INSTANTIATE_TEST_SUITE_P(Load, SinkPcapngAbi, ::testing::Values(Load::compiled_in, Load::dlopen),
                         [](const ::testing::TestParamInfo<Load>& i) {
                           return i.param == Load::dlopen ? "Dlopen" : "CompiledIn";
                         });

// needs() came with ABI 1.2; the plugin is built with this tree's SDK.
TEST_P(SinkPcapngAbi, DescriptorDeclaresAbi12OrLaterWithNeeds) {
  EXPECT_EQ(desc_->abi_major, 1);
  EXPECT_GE(desc_->abi_minor, 2);
  EXPECT_EQ(desc_->abi_minor, PWRU_ABI_MINOR);
  EXPECT_EQ(desc_->kind, static_cast<uint32_t>(PWRU_KIND_SINK));
  EXPECT_STREQ(desc_->name, "pcapng");
  ASSERT_NE(ops_, nullptr);
  EXPECT_EQ(ops_->size, sizeof(pwru_sink_ops_v1));
  EXPECT_NE(ops_->needs, nullptr);
  EXPECT_NE(ops_->flush, nullptr);
  // config_doc: every key, with its default, is accepted as is.
  EXPECT_EQ(std::string(desc_->config_doc).substr(0, 14), "snaplen = 256 ");
  void* inst = create(desc_->config_doc);
  ASSERT_NE(inst, nullptr) << errbuf_;
  desc_->destroy(inst);
}

TEST_P(SinkPcapngAbi, NeedsPacketBytesSnapLengthAndAWholeStream) {
  void* a = create("");
  ASSERT_NE(a, nullptr) << errbuf_;
  pwru_sink_needs_v1 n = needs_of(a);
  EXPECT_EQ(n.flags, PWRU_NEED_PACKET | PWRU_NEED_WHOLE_STREAM);
  EXPECT_EQ(n.snaplen, 256u);
  desc_->destroy(a);
  for (int v : {1, 64, 512}) {
    const std::string t = "snaplen = " + std::to_string(v);
    void* b = create(t.c_str());
    ASSERT_NE(b, nullptr) << errbuf_;
    EXPECT_EQ(needs_of(b).snaplen, static_cast<uint32_t>(v));
    desc_->destroy(b);
  }
}

TEST_P(SinkPcapngAbi, BadSnapLengthNamesTheValue) {
  const std::pair<const char*, const char*> cases[] = {
      {"snaplen = 0", "trace.toml [[sink]] #2:1:11: snaplen: invalid value 0: must be 1..512"},
      {"snaplen = 513", "trace.toml [[sink]] #2:1:11: snaplen: invalid value 513: must be 1..512"},
      {"snaplen = -1", "trace.toml [[sink]] #2:1:11: snaplen: invalid value -1: must be 1..512"},
      {"snaplen = \"big\"", "trace.toml [[sink]] #2:1:11: snaplen: must be an integer"},
      {"snaplen = 64\nfile = \"x\"", "trace.toml [[sink]] #2:2:8: file: unknown key 'file'"},
  };
  for (const auto& [toml, want] : cases) {
    EXPECT_EQ(create(toml), nullptr) << toml;
    EXPECT_STREQ(errbuf_, want) << toml;
  }
}

TEST_P(SinkPcapngAbi, WritesSectionHeaderThenInterfacesAndPackets) {
  void* inst = create("snaplen = 32");
  ASSERT_NE(inst, nullptr) << errbuf_;
  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  // The SHB at once, flushed for a live reader.
  ASSERT_GE(writer_.data.size(), 28u);
  EXPECT_EQ(writer_.data.substr(0, 4), std::string("\x0a\x0d\x0d\x0a", 4));
  EXPECT_NE(writer_.data.find("pwru 9.8.7"), std::string::npos);
  EXPECT_EQ(writer_.flushes, 1);
  const size_t shb = writer_.data.size();

  static const uint8_t frame[60] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0x45};
  EventBuilder a, b, none;
  a.func("net_dev_queue").meta(1, 0, "lo", 1, 0x0800, 65536, 46).packet(frame, 60, 60).wall(10);
  b.func("kfree_skb").drop(2, "SKB_DROP_REASON_NOT_SPECIFIED").meta(1, 0, "lo", 1, 0x0800, 65536, 46)
      .packet(frame, 60, 60).wall(11);
  const pwru_event_v1* batch[] = {&a.get(), &none.get(), &b.get()};
  ASSERT_EQ(ops_->write(inst, batch, 3, &err_), 0) << errbuf_;
  EXPECT_EQ(writer_.writes, 2) << "one writer call per batch";
  const std::string body = writer_.data.substr(shb);
  // IDB (type 1) then two EPBs (type 6), each cut to 32 bytes.
  ASSERT_GE(body.size(), 8u);
  uint32_t t = 0, len = 0;
  std::memcpy(&t, body.data(), 4);
  EXPECT_EQ(t, kBlockIdb);
  std::memcpy(&len, body.data() + 4, 4);
  size_t at = len;
  int epbs = 0;
  while (at + 8 <= body.size()) {
    std::memcpy(&t, body.data() + at, 4);
    std::memcpy(&len, body.data() + at + 4, 4);
    EXPECT_EQ(t, kBlockEpb);
    uint32_t caplen = 0;
    std::memcpy(&caplen, body.data() + at + 20, 4);
    EXPECT_EQ(caplen, 32u);
    ++epbs;
    at += len;
  }
  EXPECT_EQ(at, body.size());
  EXPECT_EQ(epbs, 2);
  EXPECT_NE(body.find("reason=SKB_DROP_REASON_NOT_SPECIFIED"), std::string::npos);

  ASSERT_EQ(ops_->flush(inst, &err_), 0);
  EXPECT_EQ(writer_.flushes, 2);
  ASSERT_EQ(ops_->close(inst, &err_), 0) << errbuf_;
  ASSERT_EQ(logs_.lines.size(), 1u);
  EXPECT_EQ(logs_.lines[0], "pcapng: 1 events without packet bytes were not written (2 packets written)");
  desc_->destroy(inst);
}

TEST_P(SinkPcapngAbi, WriterFailureIsAnError) {
  void* inst = create("");
  ASSERT_NE(inst, nullptr) << errbuf_;
  ASSERT_EQ(ops_->open(inst, &session_, &err_), 0) << errbuf_;
  writer_.write_rc = -28;  // ENOSPC
  static const uint8_t frame[14] = {};
  EventBuilder a;
  a.packet(frame, 14, 14);
  const pwru_event_v1* batch[] = {&a.get()};
  EXPECT_NE(ops_->write(inst, batch, 1, &err_), 0);
  EXPECT_STREQ(errbuf_, "writing output: No space left on device");
  desc_->destroy(inst);
}

}  // namespace
}  // namespace pwru::pcapng
