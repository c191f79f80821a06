// SPDX-License-Identifier: Apache-2.0
// Feature probes with cached answers. Each probe really tries the thing
// (a kprobe perf event, a kprobe-multi link, a raw tracepoint with a
// cookie) because config files and versions lie on distribution kernels.
#pragma once

#include <optional>
#include <string>

namespace pwru::kernel {

struct FeatureResult {
  bool ok = false;
  std::string why;  // when !ok: what failed, e.g. "perf_event_open(kprobe ip_rcv): No such file or directory"
};

class Features {
 public:
  virtual ~Features() = default;
  virtual FeatureResult kprobe() const = 0;
  virtual FeatureResult kprobe_multi() const = 0;
  virtual FeatureResult raw_tp_cookie() const = 0;
};

// Probes the running kernel (needs root), caching each answer.
class KernelFeatures : public Features {
 public:
  FeatureResult kprobe() const override;
  FeatureResult kprobe_multi() const override;
  FeatureResult raw_tp_cookie() const override;

 private:
  mutable std::optional<FeatureResult> kprobe_, multi_, cookie_;
};

}  // namespace pwru::kernel
