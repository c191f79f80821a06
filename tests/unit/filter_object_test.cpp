// SPDX-License-Identifier: Apache-2.0
// A filter plugin's BPF C object (plugin ABI 1.3): the checks before
// linking, and the link itself with libbpf's static linker, on objects
// clang built from tests/fixtures/bpf/ (no kernel needed).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bpf/core_program.h"
#include "bpf/filter_object.h"
#include "util/error.h"

using namespace pwru;

namespace {

std::vector<uint8_t> fixture(const std::string& name) {
  const std::string path = std::string(PWRU_TEST_FIXTURE_DIR) + "/bpf/" + name + ".bpf.o";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string check_error(const std::vector<uint8_t>& obj) {
  try {
    bpf::check_filter_object(obj.data(), obj.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string link_error(const std::vector<uint8_t>& obj) {
  try {
    bpf::link_core_with_filter(obj.data(), obj.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(FilterObject, AGoodObjectPassesAndLinks) {
  const auto obj = fixture("len_range");
  EXPECT_EQ(check_error(obj), "");
  const auto linked = bpf::link_core_with_filter(obj.data(), obj.size());
  // An ELF image bigger than the filter alone: pwru's programs are in it.
  ASSERT_GT(linked.size(), obj.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(linked.data()) + 1, 3), "ELF");
}

TEST(FilterObject, RefusesWhatIsNotABpfObject) {
  EXPECT_EQ(check_error({}), "its BPF object is not an ELF file");
  const std::string text = "this is not an ELF file at all, but it is long enough for a header......";
  EXPECT_EQ(check_error(std::vector<uint8_t>(text.begin(), text.end())), "its BPF object is not an ELF file");
  // An ELF file for another machine: this test binary itself.
  std::ifstream self("/proc/self/exe", std::ios::binary);
  std::vector<uint8_t> exe{std::istreambuf_iterator<char>(self), std::istreambuf_iterator<char>()};
  EXPECT_EQ(check_error(exe), "its BPF object is not for the BPF target (build it with clang -target bpf)");
}

TEST(FilterObject, RefusesAWeakFilter) {
  EXPECT_EQ(check_error(fixture("weak_filter")),
            "its BPF object defines pwru_bpf_filter as weak; pwru's own weak default would win");
}

TEST(FilterObject, RefusesAnObjectWithoutTheFilter) {
  EXPECT_EQ(check_error(fixture("no_filter")),
            "its BPF object does not define pwru_bpf_filter (see <pwru/bpf/filter.bpf.h>)");
}

TEST(FilterObject, RefusesAnObjectWithPrograms) {
  EXPECT_EQ(check_error(fixture("prog_filter")),
            "its BPF object defines a BPF program (section 'raw_tp/net_dev_queue'); a filter object has only "
            "pwru_bpf_filter and its helpers, in .text");
}

TEST(FilterObject, TheLinkerRefusesAFilterWithTheWrongParameters) {
  const auto obj = fixture("wrong_proto");
  EXPECT_EQ(check_error(obj), "");  // a global function of that name: the linker judges the rest
  EXPECT_EQ(link_error(obj),
            "linking its BPF object into pwru's: Invalid argument: global 'pwru_bpf_filter': incompatible "
            "number of func_proto params 5 and 2");
}
