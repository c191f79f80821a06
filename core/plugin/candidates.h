// SPDX-License-Identifier: Apache-2.0
// The selectors' input and how their choices combine.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "kernel/btf.h"
#include "kernel/skb_funcs.h"
#include "plugin/instance.h"

namespace pwru::plugin {

// The candidate list the session offers its selectors: every function of
// the scan (kind PWRU_PROBE_KPROBE, in the scan's order), then every skb
// tracepoint (PWRU_PROBE_TRACEPOINT, module "vmlinux", addr 0). So index
// i < funcs.size() is funcs[i], and any other i is
// tracepoints[i - funcs.size()].
std::vector<Candidate> make_candidates(const std::vector<kernel::SkbFunc>& funcs,
                                       const std::vector<kernel::SkbTracepoint>& tracepoints);

// Runs each selector on `candidates` in order and returns the union of their
// choices: the indices any selector chose, ascending. A selector's failure
// throws its PluginError. No selector: nothing is chosen.
std::vector<std::size_t> select_union(std::span<SelectorInstance> selectors,
                                      std::span<const Candidate> candidates);

}  // namespace pwru::plugin
