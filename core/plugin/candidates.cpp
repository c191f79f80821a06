// SPDX-License-Identifier: Apache-2.0
#include "plugin/candidates.h"

#include <pwru/plugin.h>

namespace pwru::plugin {

std::vector<Candidate> make_candidates(const std::vector<kernel::SkbFunc>& funcs,
                                       const std::vector<kernel::SkbTracepoint>& tracepoints) {
  std::vector<Candidate> out;
  out.reserve(funcs.size() + tracepoints.size());
  for (const auto& f : funcs) {
    Candidate c;
    c.kind = PWRU_PROBE_KPROBE;
    c.name = f.name;
    c.module = f.module;
    c.addr = f.addr;
    c.skb_pos = static_cast<uint32_t>(f.skb_pos);
    c.reason_pos = static_cast<uint32_t>(f.reason_pos);
    c.nargs = static_cast<uint32_t>(f.nargs);
    out.push_back(std::move(c));
  }
  for (const auto& t : tracepoints) {
    Candidate c;
    c.kind = PWRU_PROBE_TRACEPOINT;
    c.name = t.name;
    c.module = "vmlinux";
    c.skb_pos = static_cast<uint32_t>(t.skb_pos);
    c.reason_pos = static_cast<uint32_t>(t.reason_pos);
    c.nargs = static_cast<uint32_t>(t.nargs);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::size_t> select_union(std::span<SelectorInstance> selectors,
                                      std::span<const Candidate> candidates) {
  std::vector<bool> any(candidates.size(), false);
  for (auto& sel : selectors)
    for (std::size_t i : sel.select(candidates)) any[i] = true;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < any.size(); ++i)
    if (any[i]) out.push_back(i);
  return out;
}

}  // namespace pwru::plugin
