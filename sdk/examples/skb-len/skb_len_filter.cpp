// SPDX-License-Identifier: Apache-2.0
// skb-len: an example pwru filter whose in-kernel test is BPF C
// (skb_len.bpf.c), built against the installed SDK. It keeps packets whose
// skb->len is in [min, max] at the probe point:
//
//   [[filter]]
//   plugin = "skb-len"
//   min = 500        # bytes, default 0
//   max = 1500       # bytes, default 4294967295
//
// The C++ half only reads and checks the keys; pwru links the BPF object
// into its own kernel program (plugin ABI 1.3).
#include <pwru/sdk.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace {

class SkbLen : public pwru::sdk::Filter {
 public:
  SkbLen(const pwru::sdk::Host& /*host*/, pwru::sdk::Config& cfg)
      : min_(cfg.get_or<uint32_t>("min", 0)),
        max_(cfg.get_or<uint32_t>("max", std::numeric_limits<uint32_t>::max())) {
    if (min_ > max_)
      throw pwru::sdk::Error(cfg.where("min") + ": " + std::to_string(min_) + " is greater than max (" +
                             std::to_string(max_) + "); no packet could match");
  }

  void build(const pwru_filter_env_v1& /*env*/, pwru_filter_spec_v1& spec) override {
    bpf_.attach(spec, {min_, max_, 0, 0},
                "skb->len in [" + std::to_string(min_) + ", " + std::to_string(max_) + "]");
  }

 private:
  uint32_t min_;
  uint32_t max_;
  pwru::sdk::BpfFilterObject bpf_;
};

}  // namespace

PWRU_FILTER_PLUGIN(SkbLen, "skb-len", "1.0.0",
                   "keeps packets whose skb->len is in [min, max] (in-kernel test in BPF C)",
                   "min = 0           # smallest skb->len kept, bytes\n"
                   "max = 4294967295  # largest skb->len kept, bytes\n")
