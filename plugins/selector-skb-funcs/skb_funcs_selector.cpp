// SPDX-License-Identifier: Apache-2.0
// The `skb-funcs` selector plugin (pwru-selector-skb-funcs.so): chooses the
// kernel functions to kprobe from the core's candidates (BTF functions with a
// struct sk_buff * argument that ftrace can trace), narrowed by --filter-func
// with cilium/pwru's semantics (func_regex.h). Tracepoint candidates are
// judged by the same expression: the core offers them when it traces with
// the tracepoint backend (kernels that cannot attach kprobes), so that
// --filter-func narrows what is traced there too instead of being ignored.
#include <pwru/sdk.hpp>
#include <stdexcept>
#include <string>

#include "func_regex.h"

namespace {

constexpr const char* kConfigDoc =
    "filter-func = \"\"  # RE2 regular expression (Go syntax); a function is traced when the "
    "leftmost match is its whole name (cilium/pwru's --filter-func). \"\" = every function";

class SkbFuncsSelector final : public pwru::sdk::Selector {
 public:
  SkbFuncsSelector(const pwru::sdk::Host& /*host*/, pwru::sdk::Config& cfg)
      : re_(make_regex(cfg.get_or<std::string>("filter-func", ""))) {}

  void select(std::span<const pwru_candidate_v1* const> candidates,
              std::span<uint8_t> chosen) override {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const pwru_candidate_v1* c = candidates[i];
      if (c == nullptr || c->name == nullptr) continue;
      if (c->kind != PWRU_PROBE_KPROBE && c->kind != PWRU_PROBE_TRACEPOINT) continue;
      if (re_.matches(c->name)) chosen[i] = 1;
    }
  }

 private:
  static pwru::skb_funcs::FuncRegex make_regex(std::string pattern) {
    try {
      return pwru::skb_funcs::FuncRegex(std::move(pattern));
    } catch (const std::invalid_argument& e) {
      throw pwru::sdk::Error(e.what());
    }
  }
  pwru::skb_funcs::FuncRegex re_;
};

}  // namespace

PWRU_SELECTOR_PLUGIN(SkbFuncsSelector, "skb-funcs", "0.1.0",
                     "kernel functions (or skb tracepoints) with an skb argument, narrowed by --filter-func", kConfigDoc)
