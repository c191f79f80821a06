// SPDX-License-Identifier: Apache-2.0
// Attach backends: one class per kind behind one interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel/btf.h"
#include "kernel/features.h"

namespace pwru::bpf {
class CoreProgram;
}

namespace pwru::attach {

enum class BackendKind { kAuto, kKprobeMulti, kKprobe, kTracepoint };

// "auto", "kprobe-multi", "kprobe", "tracepoint" (pwru's spellings, plus ours).
BackendKind parse_backend(const std::string& s);  // throws UsageError
const char* backend_name(BackendKind k);

// A probe point; its index in the probe table is the event's probe_id.
struct Probe {
  std::string name;
  uint32_t kind = 0;  // enum pwru_probe_kind
  uint64_t addr = 0;
  int skb_pos = 0;  // 1..5; 0 = a function without an skb (--filter-non-skb-funcs: by stack id)
  int reason_pos = 0;
  std::string kernel_name;  // the name the kernel knows (kprobe by name); "" = name
  // Skb tracking: the skb's life ends here (skb:kfree_skb, skb:consume_skb);
  // the tracepoint entry stops tracking it after its event
  // (PWRU_COOKIE_UNTRACK). Only the tracepoint backend sets it.
  bool untrack = false;
  // --output-bpfmap: a map operation (PWRU_BPFMAP_OP_*, in the cookie) run
  // by the map-op programs; a lookup has a second probe, its return
  // (retprobe), which emits the event with the value.
  int bpfmap_op = 0;
  bool retprobe = false;
};

struct Choice {
  BackendKind kind;
  std::string notice;  // one line saying what was chosen and why (empty if asked for)
};

// Picks the backend: the one asked for if this kernel can do it (else a
// UsageError naming why not), or for auto the best available one.
Choice choose_backend(BackendKind wanted, const kernel::Features& f);

class Backend {
 public:
  virtual ~Backend() = default;
  // The probes this backend will attach, in probe_id order.
  virtual const std::vector<Probe>& probes() const = 0;
  // Attaches everything; throws pwru::Error (nothing stays attached).
  virtual void attach(const bpf::CoreProgram& prog) = 0;
  // Detaches everything (also done by the destructor).
  virtual void detach() = 0;
  virtual size_t attached() const = 0;
  virtual const char* name() const = 0;
};

// per_tp_programs: the kernel has no raw tracepoint cookies (< 6.10), so
// each tracepoint gets its own copy of the program with the cookie built in.
// untrack: names of tracepoints whose probes get Probe::untrack (skb tracking).
std::unique_ptr<Backend> make_tracepoint_backend(std::vector<kernel::SkbTracepoint> tps,
                                                 bool per_tp_programs = false,
                                                 const std::vector<std::string>& untrack = {});

// Kernel functions (Probe::addr from kallsyms; 0 = skipped and counted).
std::unique_ptr<Backend> make_kprobe_multi_backend(std::vector<Probe> probes);
// One kprobe per function, attached and detached on `threads` threads.
std::unique_ptr<Backend> make_kprobe_backend(std::vector<Probe> probes, unsigned threads);

}  // namespace pwru::attach
