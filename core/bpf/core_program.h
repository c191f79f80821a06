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
  bool want_kprobe = false;        // load the kprobe entries
  bool want_kprobe_multi = false;  // load the kprobe.multi entries
  // Skb tracking (cfg.track: PWRU_TRACK_SKB / PWRU_TRACK_STACK; bpf/pwru.bpf.c "Skb
  // tracking"): the raw tracepoint programs that end an skb's tracking,
  // the clone/copy programs of the kprobe backend in use (kprobe or
  // kprobe.multi, as want_kprobe*), and the entries of functions without
  // an skb (--filter-non-skb-funcs, kprobe_fd(0) / kprobe_multi_fd(0)).
  bool want_untrack = false;
  bool want_track_clones = false;
  bool want_non_skb = false;
};

// The clone/copy tracking programs (kprobe backends).
enum class TrackProg { kCopy, kCloneEntry, kCloneReturn };

// A program as the kernel got it, kept to load variants of it later.
struct CapturedProgram {
  ProgramImage image;
  int btf_fd = -1;  // the object's BTF (owned by the object)
};

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
  std::map<std::string, CapturedProgram> captured_;
};

}  // namespace pwru::bpf
