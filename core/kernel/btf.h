// SPDX-License-Identifier: Apache-2.0
// Kernel BTF: the skb tracepoints and the drop-reason names.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct btf;

namespace pwru::kernel {

// A tracepoint whose arguments include a struct sk_buff *.
struct SkbTracepoint {
  std::string name;    // e.g. "kfree_skb"
  int skb_pos = 0;     // 1-based position of the skb among the tracepoint's arguments
  int reason_pos = 0;  // 1-based position of an enum skb_drop_reason argument, 0 if none
  int nargs = 0;       // number of tracepoint arguments
};

class KernelBtf {
 public:
  // Loads /sys/kernel/btf/vmlinux, or `path` when given (--kernel-btf).
  static std::unique_ptr<KernelBtf> load(const std::string& path = {});
  ~KernelBtf();
  KernelBtf(const KernelBtf&) = delete;
  KernelBtf& operator=(const KernelBtf&) = delete;

  // Every tracepoint with a struct sk_buff * argument, from the kernel's
  // `btf_trace_<name>` typedefs (void (*)(void *ctx, args...)), by name.
  std::vector<SkbTracepoint> skb_tracepoints() const;

  // enum skb_drop_reason: value -> "SKB_DROP_REASON_..." (empty if absent).
  std::map<uint64_t, std::string> drop_reasons() const;

  // True if a BTF function of that name exists.
  bool has_func(const std::string& name) const;
  // --output-bpfmap: PWRU_BPFMAP_OP_* when function `name` is a BPF map
  // update, delete or lookup (its first parameter is struct bpf_map *, or
  // a u64 named map as in the BPF_CALL helpers; the op from its name), else 0.
  int bpfmap_op(const std::string& name) const;

  // The number of arguments of tracepoint `name` (its btf_trace_<name>
  // typedef), or -1 when the kernel has no such tracepoint.
  int tracepoint_nargs(const std::string& name) const;

  const std::string& path() const { return path_; }
  struct btf* raw() const { return btf_; }

 private:
  KernelBtf(struct btf* b, std::string path) : btf_(b), path_(std::move(path)) {}
  struct btf* btf_;
  std::string path_;
};

}  // namespace pwru::kernel
