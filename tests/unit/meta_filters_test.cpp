// SPDX-License-Identifier: Apache-2.0
// The built-in metadata filter plugins (mark, netns, ifname), loaded from the
// build tree through the plugin host: what each puts into the filter spec
// the kernel program is built from, and how each refuses bad values.
#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "plugin/plugin_error.h"
#include "plugin/plugin_host.h"

using pwru::plugin::PluginHost;

namespace {

PluginHost build_host() {
  return PluginHost(pwru::plugin::SearchPath{{std::filesystem::path(PWRU_BUILD_PLUGIN_DIR), "build tree"}});
}

uint32_t self_netns() {
  struct stat st {};
  return ::stat("/proc/self/ns/net", &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

pwru_filter_env_v1 env() {
  pwru_filter_env_v1 e{};
  e.size = sizeof(e);
  e.pkt_buf_size = 512;
  e.self_netns = self_netns();
  return e;
}

struct Built {
  uint32_t flags, mark, mask, netns, ifindex;
};

Built build(const std::string& plugin, const std::string& toml) {
  PluginHost host = build_host();
  auto f = host.create_filter(plugin, toml, "test");
  const pwru_filter_spec_v1& s = f.build(env());
  EXPECT_EQ(s.ncode, 0u);
  return {s.meta_flags, s.mark, s.mark_mask, s.netns, s.ifindex};
}

std::string error_of(const std::string& plugin, const std::string& toml) {
  try {
    PluginHost host = build_host();
    auto f = host.create_filter(plugin, toml, "test");
    f.build(env());
  } catch (const pwru::plugin::PluginError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(MarkFilter, ValuesAndMasks) {
  struct Case {
    const char* text;
    uint32_t mark, mask;
  } cases[] = {
      {"0", 0, 0xffffffff},         {"5", 5, 0xffffffff},          {"0xa00/0xf00", 0xa00, 0xf00},
      {"0XFF/255", 0xff, 0xff},     {"4294967295", 0xffffffff, 0xffffffff},
      {"0x11/0x10", 0x10, 0x10},  // bits outside the mask are dropped (with a warning), as pwru does
  };
  for (const auto& c : cases) {
    Built b = build("mark", std::string("mark = \"") + c.text + "\"");
    EXPECT_EQ(b.flags, static_cast<uint32_t>(PWRU_META_MARK)) << c.text;
    EXPECT_EQ(b.mark, c.mark) << c.text;
    EXPECT_EQ(b.mask, c.mask) << c.text;
  }
  EXPECT_EQ(build("mark", "").flags, 0u);  // no key: no filter
}

TEST(MarkFilter, BadValuesAreOneLineNamingTheValue) {
  for (const char* bad : {"1/2/3", "0xZZ", "-1", "0x100000000", "1/0x100000000", "5/", "/5", "0/0", "1.5", " 1",
                          "0x", "1/-1"}) {
    std::string e = error_of("mark", std::string("mark = \"") + bad + "\"");
    EXPECT_NE(e.find(std::string("'") + bad + "'"), std::string::npos) << bad << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(error_of("mark", "mark = 5").find("must be a string"), std::string::npos);
  EXPECT_NE(error_of("mark", "mask = \"5\"").find("unknown key 'mask'"), std::string::npos);
}

TEST(NetnsFilter, PathNameAndInodeForms) {
  Built b = build("netns", "netns = \"/proc/self/ns/net\"");
  EXPECT_EQ(b.flags, static_cast<uint32_t>(PWRU_META_NETNS));
  EXPECT_EQ(b.netns, self_netns());
  b = build("netns", "netns = \"inode:4026531840\"");
  EXPECT_EQ(b.netns, 4026531840u);
  for (const char* bad : {"inode:", "inode:0", "inode:-1", "inode:4294967296", "inode:12x", "/nonexistent/x",
                          "/proc/self/ns/uts", "/etc/hostname", "no-such-named-ns"}) {
    std::string e = error_of("netns", std::string("netns = \"") + bad + "\"");
    EXPECT_NE(e.find(std::string("'") + bad + "'"), std::string::npos) << bad << ": " << e;
  }
}

TEST(IfnameFilter, ResolvesInPwrusNamespaceAndChecksItToo) {
  Built b = build("ifname", "ifname = \"lo\"");
  EXPECT_EQ(b.flags, static_cast<uint32_t>(PWRU_META_IFINDEX | PWRU_META_NETNS));
  EXPECT_EQ(b.ifindex, if_nametoindex("lo"));
  EXPECT_EQ(b.netns, self_netns());
  b = build("ifname", "ifname = \"lo\"\nnetns = \"/proc/self/ns/net\"");
  EXPECT_EQ(b.netns, self_netns());
}

TEST(IfnameFilter, Refusals) {
  std::string e = error_of("ifname", "ifname = \"pwrunosuch0\"");
  EXPECT_NE(e.find("'pwrunosuch0'"), std::string::npos) << e;
  EXPECT_NE(e.find("lo"), std::string::npos) << e;  // lists what the namespace has
  EXPECT_NE(error_of("ifname", "ifname = \"lo\"\nnetns = \"inode:4026531840\"").find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(error_of("ifname", "ifname = \"0123456789abcdef\"").find("longer than 15"), std::string::npos);
  EXPECT_NE(error_of("ifname", "netns = \"/proc/self/ns/net\"").find("without 'ifname'"), std::string::npos);
}
