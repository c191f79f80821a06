// SPDX-License-Identifier: Apache-2.0
// The `mark` filter plugin (--filter-mark mark[/mask]): the kernel program
// keeps a packet only if (skb->mark & mask) == mark. It is a metadata check
// the core program already implements, so the plugin only validates and
// hands over the two numbers.
#include <pwru/sdk.hpp>

#include <cstdio>
#include <string>

#include "pwru_common/parse.hpp"

namespace {

constexpr const char* kConfigDoc =
    "mark = \"\"  # mark[/mask], decimal or 0x-hex, each at most 32 bits (0xffffffff); without a "
    "mask every bit must match (mask 0xffffffff). Packets pass when (skb->mark & mask) == mark.";

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", v);
  return b;
}

class MarkFilter final : public pwru::sdk::Filter {
 public:
  MarkFilter(const pwru::sdk::Host& host, pwru::sdk::Config& cfg) {
    text_ = cfg.get_or<std::string>("mark", "");
    if (text_.empty()) return;  // no filter
    auto bad = [&](const std::string& why) {
      return pwru::sdk::Error("invalid --filter-mark value '" + text_ + "': " + why);
    };
    const auto slash = text_.find('/');
    const std::string m = text_.substr(0, slash);
    const std::string k = slash == std::string::npos ? "" : text_.substr(slash + 1);
    if (slash != std::string::npos && k.find('/') != std::string::npos)
      throw bad("expected mark[/mask]");
    auto mark = pwru::common::parse_uint(m, UINT32_MAX);
    if (!mark) throw bad("mark '" + m + "' is not a 32-bit decimal or 0x-hex number");
    uint64_t mask = UINT32_MAX;
    if (slash != std::string::npos) {
      auto mk = pwru::common::parse_uint(k, UINT32_MAX);
      if (!mk) throw bad("mask '" + k + "' is not a 32-bit decimal or 0x-hex number");
      if (*mk == 0) throw bad("mask 0 matches every packet; leave the filter out instead");
      mask = *mk;
    }
    mark_ = static_cast<uint32_t>(*mark);
    mask_ = static_cast<uint32_t>(mask);
    if ((mark_ & mask_) != mark_)
      // cilium/pwru silently uses mark & mask; say so, since such a filter
      // rarely means what was intended.
      host.warn("--filter-mark " + text_ + ": bits of the mark outside the mask are ignored (matching " +
                hex(mark_ & mask_) + "/" + hex(mask_) + ")");
    set_ = true;
  }

  void build(const pwru_filter_env_v1& /*env*/, pwru_filter_spec_v1& spec) override {
    if (!set_) return;
    spec.meta_flags |= PWRU_META_MARK;
    spec.mark = mark_ & mask_;
    spec.mark_mask = mask_;
  }

 private:
  std::string text_;
  bool set_ = false;
  uint32_t mark_ = 0, mask_ = 0;
};

}  // namespace

PWRU_FILTER_PLUGIN(MarkFilter, "mark", "0.1.0",
                   "packets whose skb->mark matches mark[/mask] (--filter-mark)", kConfigDoc)
