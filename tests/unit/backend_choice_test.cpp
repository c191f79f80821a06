// SPDX-License-Identifier: Apache-2.0
// Backend choice against fake kernels (ARCHITECTURE: feature probes behind
// an interface so the choice is unit-tested).
#include <gtest/gtest.h>

#include "attach/backend.h"
#include "util/error.h"

using namespace pwru::attach;
using pwru::kernel::FeatureResult;

namespace {

struct FakeFeatures : pwru::kernel::Features {
  FeatureResult kp{false, "no kprobe PMU"}, multi{false, "EOPNOTSUPP"}, cookie{true, {}};
  FeatureResult kprobe() const override { return kp; }
  FeatureResult kprobe_multi() const override { return multi; }
  FeatureResult raw_tp_cookie() const override { return cookie; }
};

}  // namespace

TEST(BackendChoice, AutoFallsBackToTracepointWithReason) {
  FakeFeatures f;
  Choice c = choose_backend(BackendKind::kAuto, f);
  EXPECT_EQ(c.kind, BackendKind::kTracepoint);
  EXPECT_NE(c.notice.find("using the tracepoint backend"), std::string::npos);
  EXPECT_NE(c.notice.find("no kprobe PMU"), std::string::npos);
  EXPECT_NE(c.notice.find("EOPNOTSUPP"), std::string::npos);
}

TEST(BackendChoice, AskedForUnavailableBackendIsUsageError) {
  FakeFeatures f;
  try {
    choose_backend(BackendKind::kKprobe, f);
    FAIL() << "no exception";
  } catch (const pwru::UsageError& e) {
    EXPECT_STREQ(e.what(), "backend 'kprobe' is not available: no kprobe PMU");
  }
  EXPECT_THROW(choose_backend(BackendKind::kKprobeMulti, f), pwru::UsageError);
  // Without raw tracepoint cookies (< 6.10) the tracepoint backend still
  // works (one program per tracepoint), so it stays the last resort.
  f.cookie = {false, "E2BIG"};
  EXPECT_EQ(choose_backend(BackendKind::kTracepoint, f).kind, BackendKind::kTracepoint);
  EXPECT_EQ(choose_backend(BackendKind::kAuto, f).kind, BackendKind::kTracepoint);
}

TEST(BackendChoice, AutoPrefersKprobeMultiThenKprobe) {
  FakeFeatures f;
  f.kp = {true, {}};
  f.multi = {true, {}};
  EXPECT_EQ(choose_backend(BackendKind::kAuto, f).kind, BackendKind::kKprobeMulti);
  f.multi = {false, "creating a kprobe-multi link: Operation not supported"};
  Choice c = choose_backend(BackendKind::kAuto, f);
  EXPECT_EQ(c.kind, BackendKind::kKprobe);
  EXPECT_EQ(c.notice, "using the kprobe backend (kprobe-multi: creating a kprobe-multi link: Operation not supported)");
}

TEST(BackendChoice, ExplicitTracepointHasNoNotice) {
  FakeFeatures f;
  Choice c = choose_backend(BackendKind::kTracepoint, f);
  EXPECT_EQ(c.kind, BackendKind::kTracepoint);
  EXPECT_TRUE(c.notice.empty());
}

TEST(BackendChoice, Parse) {
  EXPECT_EQ(parse_backend(""), BackendKind::kAuto);
  EXPECT_EQ(parse_backend("auto"), BackendKind::kAuto);
  EXPECT_EQ(parse_backend("kprobe-multi"), BackendKind::kKprobeMulti);
  EXPECT_EQ(parse_backend("kprobe"), BackendKind::kKprobe);
  EXPECT_EQ(parse_backend("tracepoint"), BackendKind::kTracepoint);
  try {
    parse_backend("foo");
    FAIL();
  } catch (const pwru::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'foo'"), std::string::npos);
  }
}
