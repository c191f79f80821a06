// SPDX-License-Identifier: Apache-2.0
// The `netns` filter plugin (--filter-netns): keeps packets whose network
// namespace has the given inode. The kernel program takes the namespace of
// the packet's device, else that of its socket (as cilium/pwru does).
#include <pwru/sdk.hpp>

#include <stdexcept>
#include <string>

#include "pwru_common/netns.hpp"

namespace {

constexpr const char* kConfigDoc =
    "netns = \"\"  # /proc/<pid>/ns/net, /run/netns/NAME (or just NAME), or inode:<n>. Packets "
    "pass when the namespace of their device (else of their socket) is this one.";

class NetnsFilter final : public pwru::sdk::Filter {
 public:
  NetnsFilter(const pwru::sdk::Host& host, pwru::sdk::Config& cfg) {
    const std::string v = cfg.get_or<std::string>("netns", "");
    if (v.empty()) return;
    try {
      ref_ = pwru::common::parse_netns(v, "--filter-netns");
    } catch (const std::invalid_argument& e) {
      throw pwru::sdk::Error(e.what());
    }
    host.debug("netns " + v + " is inode " + std::to_string(ref_.inode));
  }

  void build(const pwru_filter_env_v1& /*env*/, pwru_filter_spec_v1& spec) override {
    if (ref_.inode == 0) return;
    spec.meta_flags |= PWRU_META_NETNS;
    spec.netns = ref_.inode;
  }

 private:
  pwru::common::NetnsRef ref_;
};

}  // namespace

PWRU_FILTER_PLUGIN(NetnsFilter, "netns", "0.1.0",
                   "packets of one network namespace (--filter-netns)", kConfigDoc)
