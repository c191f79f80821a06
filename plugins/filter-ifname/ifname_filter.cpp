// SPDX-License-Identifier: Apache-2.0
// The `ifname` filter plugin (--filter-ifname): keeps packets whose device
// is the named interface. An ifindex is only unique inside a namespace, so
// the name is resolved inside the namespace given by `netns` (the value of
// --filter-netns) or pwru's own, and the filter checks that namespace too —
// as cilium/pwru does.
#include <net/if.h>

#include <pwru/sdk.hpp>

#include <stdexcept>
#include <string>

#include "pwru_common/netns.hpp"

namespace {

constexpr const char* kConfigDoc =
    "ifname = \"\"  # interface name, resolved to an ifindex when pwru starts\n"
    "netns = \"\"   # namespace to resolve it in (as for --filter-netns, but not inode:<n>); "
    "default: pwru's own";

class IfnameFilter final : public pwru::sdk::Filter {
 public:
  IfnameFilter(const pwru::sdk::Host& host, pwru::sdk::Config& cfg) : host_(host) {
    name_ = cfg.get_or<std::string>("ifname", "");
    netns_text_ = cfg.get_or<std::string>("netns", "");
    if (name_.empty()) {
      if (!netns_text_.empty()) throw pwru::sdk::Error("ifname filter: 'netns' given without 'ifname'");
      return;
    }
    auto bad = [&](const std::string& why) {
      return pwru::sdk::Error("invalid --filter-ifname value '" + name_ + "': " + why);
    };
    if (name_.size() >= IFNAMSIZ) throw bad("longer than " + std::to_string(IFNAMSIZ - 1) + " characters");
    if (name_.find_first_of("/ \t\n:") != std::string::npos) throw bad("not a valid interface name");
    if (netns_text_.rfind("inode:", 0) == 0)
      throw pwru::sdk::Error("--filter-ifname cannot be combined with --filter-netns " + netns_text_ +
                             ": the name must be looked up inside the namespace; give its file "
                             "(/proc/<pid>/ns/net or /run/netns/NAME)");
    std::string where = "pwru's own network namespace";
    std::string path;
    if (!netns_text_.empty()) {
      try {
        auto ref = pwru::common::parse_netns(netns_text_, "--filter-netns");
        path = ref.path;
        netns_ = ref.inode;
        where = "network namespace " + ref.path + " (inode " + std::to_string(ref.inode) + ")";
      } catch (const std::invalid_argument& e) {
        throw pwru::sdk::Error(e.what());
      }
    }
    std::string present;
    std::string err = pwru::common::run_in_netns(path, [&] {
      ifindex_ = if_nametoindex(name_.c_str());
      if (ifindex_ != 0) return;
      if (struct if_nameindex* all = if_nameindex()) {
        for (auto* p = all; p->if_index != 0; ++p) present += (present.empty() ? "" : ", ") + std::string(p->if_name);
        if_freenameindex(all);
      }
    });
    if (!err.empty()) throw bad(err);
    if (ifindex_ == 0)
      throw bad("no such interface in " + where + " (it has: " + (present.empty() ? "none" : present) + ")");
    host_.debug("interface " + name_ + " is ifindex " + std::to_string(ifindex_) + " in " + where);
  }

  void build(const pwru_filter_env_v1& env, pwru_filter_spec_v1& spec) override {
    if (ifindex_ == 0) return;
    spec.meta_flags |= PWRU_META_IFINDEX | PWRU_META_NETNS;
    spec.ifindex = ifindex_;
    spec.netns = netns_ != 0 ? netns_ : env.self_netns;
    if (spec.netns == 0) throw pwru::sdk::Error("ifname filter: the host did not say which namespace pwru runs in");
  }

 private:
  pwru::sdk::Host host_;
  std::string name_, netns_text_;
  uint32_t ifindex_ = 0;
  uint32_t netns_ = 0;
};

}  // namespace

PWRU_FILTER_PLUGIN(IfnameFilter, "ifname", "0.1.0",
                   "packets on one network interface (--filter-ifname)", kConfigDoc)
