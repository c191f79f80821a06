// SPDX-License-Identifier: Apache-2.0
#include "attach/backend.h"

#include "util/error.h"

namespace pwru::attach {

BackendKind parse_backend(const std::string& s) {
  if (s.empty() || s == "auto") return BackendKind::kAuto;
  if (s == "kprobe-multi") return BackendKind::kKprobeMulti;
  if (s == "kprobe") return BackendKind::kKprobe;
  if (s == "tracepoint") return BackendKind::kTracepoint;
  throw UsageError("invalid --backend value '" + s +
                   "': must be auto, kprobe-multi, kprobe or tracepoint");
}

const char* backend_name(BackendKind k) {
  switch (k) {
    case BackendKind::kAuto: return "auto";
    case BackendKind::kKprobeMulti: return "kprobe-multi";
    case BackendKind::kKprobe: return "kprobe";
    case BackendKind::kTracepoint: return "tracepoint";
  }
  return "?";
}

namespace {

// The kprobe backends arrive with their selector plugin; until then a
// kernel that could run them still traces through tracepoints.
constexpr bool kHaveKprobeBackends = true;

kernel::FeatureResult availability(BackendKind k, const kernel::Features& f) {
  switch (k) {
    case BackendKind::kKprobeMulti: {
      auto r = f.kprobe_multi();
      if (r.ok && !kHaveKprobeBackends) return {false, "not available in this build yet"};
      return r;
    }
    case BackendKind::kKprobe: {
      auto r = f.kprobe();
      if (r.ok && !kHaveKprobeBackends) return {false, "not available in this build yet"};
      return r;
    }
    case BackendKind::kTracepoint:
      // Raw tracepoints (Linux >= 4.17) always work; without cookies
      // (< 6.10) the backend loads one program per tracepoint instead.
      return {true, {}};
    case BackendKind::kAuto:
      break;
  }
  return {false, "internal: auto has no availability"};
}

}  // namespace

Choice choose_backend(BackendKind wanted, const kernel::Features& f) {
  if (wanted != BackendKind::kAuto) {
    auto r = availability(wanted, f);
    if (!r.ok)
      throw UsageError(std::string("backend '") + backend_name(wanted) + "' is not available: " + r.why);
    return {wanted, {}};
  }
  std::string why;
  for (BackendKind k : {BackendKind::kKprobeMulti, BackendKind::kKprobe, BackendKind::kTracepoint}) {
    auto r = availability(k, f);
    if (r.ok) {
      std::string notice = std::string("using the ") + backend_name(k) + " backend";
      if (!why.empty()) notice += " (" + why + ")";
      return {k, notice};
    }
    if (!why.empty()) why += "; ";
    why += std::string(backend_name(k)) + ": " + r.why;
  }
  throw UsageError("no attach backend works on this kernel (" + why + ")");
}

}  // namespace pwru::attach
