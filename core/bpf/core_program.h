// SPDX-License-Identifier: Apache-2.0
// The loaded kernel program (bpf/pwru.bpf.c): rodata set, filters spliced.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pwru_event.h"

struct pwru_bpf;

#include "bpf/splice.h"

namespace pwru::bpf {

// Code for one packet-filter slot; mode is PWRU_CODE_* from plugin.h.
struct SlotCode {
  uint32_t mode = 0;
  std::vector<bpf_insn> insns;
};

struct ProgramOptions {
  pwru_bpf_config cfg{};
  std::optional<SlotCode> pcap_l2;
  std::optional<SlotCode> pcap_l3;
  uint32_t ringbuf_bytes = 8u << 20;
  std::string kernel_btf;  // CO-RE target BTF; empty = the running kernel's
  bool want_raw_tp = true; // load the raw tracepoint entry programs
  // Kernels without raw tracepoint cookies (< 6.10): keep the raw_tp
  // entries' final code so load_raw_tp_instance() can make per-tracepoint
  // copies with the cookie built in.
  bool raw_tp_instances = false;
  // pwru's object with a filter plugin's BPF C object linked in
  // (link_core_with_filter()); cfg.filter_bpf turns the call on. Empty: the
  // object as built.
  std::vector<uint8_t> linked_object;
  bool want_kprobe = false;        // load the kprobe entries
  bool want_kprobe_multi = false;  // load the kprobe.multi entries
  // --filter-trace-tc / --filter-trace-xdp: load the fentry entry for tc
  // (XDP) programs as a template, verified against this program's entry
  // function and never attached; load_fentry_copy() makes the copies that
  // are. Unset: the entry is not loaded.
  struct FentryTarget {
    int prog_fd = -1;
    std::string func;
  };
  std::optional<FentryTarget> tc_template;
  std::optional<FentryTarget> xdp_template;
  // Also load the fexit entry for XDP programs as a template (against
  // xdp_template): cfg.track has PWRU_TRACK_XDP.
  bool xdp_exit = false;
  // Output flags (bpf/pwru_outflags.bpf.h): their rodata, and the tunnel
  // filter slots' code (spliced when ocfg.filter_tunnel; an empty slot
  // accepts).
  pwru_outflags_config ocfg{};
  std::optional<SlotCode> tunnel_l2;
  std::optional<SlotCode> tunnel_l3;
  // Skb tracking (cfg.track: PWRU_TRACK_SKB / PWRU_TRACK_STACK; bpf/pwru.bpf.c "Skb
  // tracking"): the raw tracepoint programs that end an skb's tracking,
  // the clone/copy programs of the kprobe backend in use (kprobe or
  // kprobe.multi, as want_kprobe*), and the entries of functions without
  // an skb (--filter-non-skb-funcs, kprobe_fd(0) / kprobe_multi_fd(0)).
  bool want_untrack = false;
  bool want_track_clones = false;
  bool want_non_skb = false;
  // --output-bpfmap: the map-op programs (bpf/pwru_bpfmap.bpf.h), as
  // kprobe or kprobe.multi programs like the backend's (bpfmap_fd()).
  bool want_bpfmap = false;
};

// The fentry entries (ProgramOptions::tc_template / xdp_template).
// kXdpExit: the fexit entry on XDP programs (PWRU_TRACK_XDP), which
// emits no events.
enum class FentryKind { kTc, kXdp, kXdpExit };

// The clone/copy tracking programs (kprobe backends).
// kXdpCopyArg2/3: entry of a function copying an skb for XDP whose struct
// sk_buff ** is argument 2 / 3; kXdpCopyReturn: its return.
enum class TrackProg { kCopy, kCloneEntry, kCloneReturn, kXdpCopyArg2, kXdpCopyArg3, kXdpCopyReturn };

// A program as the kernel got it, kept to load variants of it later.
struct CapturedProgram {
  ProgramImage image;
  int btf_fd = -1;  // the object's BTF (owned by the object)
};

// Checks a filter plugin's BPF C object (plugin ABI 1.3) and links it into
// pwru's own kernel object with libbpf's static linker (bpf/filter_object.h).
// Returns the image for ProgramOptions::linked_object. Throws pwru::Error
// (one line) when the object is not a usable filter.
std::vector<uint8_t> link_core_with_filter(const uint8_t* filter, size_t size);

class CoreProgram {
 public:
  // Opens, configures, splices and loads. Throws pwru::Error with the
  // verifier's last lines on failure.
  static std::unique_ptr<CoreProgram> load(const ProgramOptions& opts);
  ~CoreProgram();
  CoreProgram(const CoreProgram&) = delete;
  CoreProgram& operator=(const CoreProgram&) = delete;

  // Raw tracepoint entry that reads arguments 1..k (k = 1..5).
  int raw_tp_fd(int k) const;
  // A copy of raw tracepoint entry k whose cookie is the constant `cookie`
  // (ProgramOptions::raw_tp_instances). Returns a new program fd (owned by
  // the caller). Throws pwru::Error with the verifier's log.
  int load_raw_tp_instance(int k, uint64_t cookie) const;
  // kprobe / kprobe.multi entry whose skb is argument k (k = 1..5); k = 0:
  // a function without an skb, traced for its stack's skb (want_non_skb).
  int kprobe_fd(int k) const;
  int kprobe_multi_fd(int k) const;
  // --output-bpfmap: the map-op entry, or the return program of lookups.
  int bpfmap_fd(bool retprobe, bool multi) const;
  // A copy of the tc or XDP fentry entry for the program `target_fd`
  // whose entry function is BTF type `btf_id` in that program's BTF, with
  // `probe_id` built in. Returns the new program fd (owned by the caller),
  // or -errno with the verifier's last lines in *why.
  int load_fentry_copy(FentryKind kind, int target_fd, uint32_t btf_id, uint32_t probe_id,
                       std::string* why) const;
  // Skb tracking: the program that stops tracking the skb (or freed
  // object) in raw tracepoint argument `arg` (1 or 2); -1 if not loaded.
  int untrack_fd(int arg) const;
  // The same for kmem:kmem_cache_free(call_site, ptr, cache), looking up
  // only objects of the skb caches.
  int untrack_slab_fd() const;
  // A clone/copy tracking program, as a kprobe or a kprobe.multi program.
  int track_fd(TrackProg which, bool multi) const;
  int events_fd() const;
  // Events that did not fit in the ring buffer, per CPU.
  std::vector<uint64_t> lost_per_cpu() const;
  // Sum of the kernel's recursion-miss counters of every loaded program.
  uint64_t recursion_misses() const;
  // Every loaded program fd (benchmarks read their run-time stats).
  std::vector<int> prog_fds() const;
  // A map of the program by name (tests look into the tracking maps); -1 if none.
  int map_fd(const char* name) const;

 private:
  explicit CoreProgram(pwru_bpf* skel) : skel_(skel) {}
  pwru_bpf* skel_;
  // The linked object libbpf opened (libelf reads it in place until the
  // load is done); empty without a BPF C filter.
  std::vector<uint8_t> linked_object_;
  std::map<std::string, CapturedProgram> captured_;
};

}  // namespace pwru::bpf
