// SPDX-License-Identifier: Apache-2.0
// The kprobe candidate scan: kernel functions with a struct sk_buff *
// parameter (BTF), that ftrace can trace (available_filter_functions), with
// their kallsyms addresses. cilium/pwru's GetFuncs (utils.go), see
// shared/reference/pwru-behaviour.md §3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

struct btf;

namespace pwru::kernel {

class KernelBtf;

// One kernel function taking a struct sk_buff *.
//
// Static functions can share a name. available_filter_functions then lists
// the name once per traceable copy and kallsyms once per copy; like
// cilium/pwru (a set of names) the scan keeps one SkbFunc per name and
// module, with every kallsyms address in `addrs`. What a backend should do
// with such a name (`addrs.size() > 1`, counted in SkbFuncScan::ambiguous):
// kprobe-multi attaches by address, so pass every address (pwru does: its
// Name2AddrMap holds all of them); a plain kprobe by name is refused by
// recent kernels (6.7 and stable backports: "func matches several symbols")
// with EADDRNOTAVAIL, which pwru counts as skipped, not fatal. On the 6.18
// development kernel none of the skb functions is ambiguous.
struct SkbFunc {
  std::string name;             // BTF name, e.g. "ip_rcv"
  std::string module;           // "vmlinux" or the module, e.g. "veth"
  int skb_pos = 0;              // 1..5: the first struct sk_buff * parameter
  int reason_pos = 0;           // 0, or 1..5: the first enum skb_drop_reason parameter
  int nargs = 0;                // parameters in the prototype (a "..." is not counted)
  uint64_t addr = 0;            // lowest kallsyms address of the name, 0 if absent
  std::vector<uint64_t> addrs;  // every kallsyms text address of the name in its module,
                                // ascending (a static name can belong to several functions)
};

struct ScanOptions {
  std::string kernel_btf;          // "" = the kernel's (/sys/kernel/btf/vmlinux); --kernel-btf
  std::vector<std::string> kmods;  // --kmods: module BTF files in btf_dir
  bool all_kmods = false;          // --all-kmods: every file in btf_dir but vmlinux
  std::string btf_dir = "/sys/kernel/btf";
  // "" = /sys/kernel/tracing, else /sys/kernel/debug/tracing, else mount
  // tracefs at /sys/kernel/tracing; otherwise the directory holding
  // available_filter_functions.
  std::string tracefs;
  std::string kallsyms = "/proc/kallsyms";
  // false: a parameter is an skb when its type, after typedefs and
  // qualifiers, points to struct sk_buff (const struct sk_buff * too).
  // true: cilium/pwru's narrower test, a plain `struct sk_buff *` only.
  // On the 6.18 development kernel: 2406 BTF functions versus 2057.
  bool plain_skb_only = false;
};

struct SkbFuncScan {
  // BTF functions with an skb parameter at 1..5 that are listed in
  // available_filter_functions, sorted: vmlinux first, then modules by name;
  // by name within each. Empty when `error` is set.
  std::vector<SkbFunc> funcs;
  std::size_t btf_total = 0;         // BTF functions with an skb parameter at 1..5
  std::size_t not_traceable = 0;     // of those, not in available_filter_functions by name
  std::size_t renamed = 0;           // of not_traceable, listed only with a compiler suffix
                                     // (name.constprop.0, name.isra.0): skipped as pwru does,
                                     // the argument layout may differ from the BTF prototype
  std::size_t not_in_kallsyms = 0;   // of funcs, without a kallsyms address (addr 0)
  std::size_t ambiguous = 0;         // of funcs, with more than one kallsyms address
  std::vector<std::string> modules;  // module BTFs scanned (besides vmlinux)
  std::string tracefs_used;          // directory whose available_filter_functions was read
  // Non-empty when the kprobe backends cannot work here:
  // "cannot read available_filter_functions (<path>: <why>)" or
  // "cannot read /proc/kallsyms (<why>)". The BTF part still ran (btf_total).
  std::string error;

  bool ok() const { return error.empty(); }
};

// Runs the whole scan. BTF problems (an unreadable kernel BTF, a --kmods
// module without BTF) throw pwru::Error; an unreadable
// available_filter_functions or kallsyms is reported in SkbFuncScan::error.
// `kernel`, when given, is the already-loaded kernel BTF and replaces
// opts.kernel_btf (saves loading it twice). Module BTF is split BTF on top of
// <btf_dir>/vmlinux (the BTF the module's was generated against), whatever
// --kernel-btf says.
SkbFuncScan scan_skb_funcs(const ScanOptions& opts, const KernelBtf* kernel = nullptr);

// ---- building blocks (public for the tests) --------------------------------

// Every BTF FUNC whose prototype has a struct sk_buff * (after typedefs and
// qualifiers, unless `plain_skb_only`, see ScanOptions) among parameters
// 1..5, from type id `first_id` on (split BTF: btf__type_cnt(base)). One
// entry per name (the first FUNC), sorted by name. addr/addrs are left empty.
std::vector<SkbFunc> btf_skb_funcs(const struct btf* btf, std::string_view module,
                                   uint32_t first_id = 1, bool plain_skb_only = false);

// available_filter_functions: lines "name" or "name [module]".
class TraceableFuncs {
 public:
  static TraceableFuncs parse(std::string text);

  // `name` (as in BTF) is listed for `module` ("vmlinux" or a module name).
  bool contains(std::string_view name, std::string_view module) const;
  // Not listed by name, but as "name.<suffix>" (constprop, isra, part, cold).
  bool renamed(std::string_view name, std::string_view module) const;
  std::size_t size() const { return keys_.size(); }       // distinct entries
  std::size_t duplicates() const { return duplicates_; }  // lines naming an entry again

 private:
  struct Key {
    std::string_view name;
    std::string_view module;  // "vmlinux" for the kernel's own functions
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  // The keys view this text; a unique_ptr keeps its address across moves.
  std::unique_ptr<const std::string> text_;
  std::unordered_set<Key, KeyHash> keys_;
  std::unordered_set<Key, KeyHash> renamed_;  // the part before the first '.'
  std::size_t duplicates_ = 0;
};

// Reads <dir>/available_filter_functions. `tracefs` "" tries
// /sys/kernel/tracing, then /sys/kernel/debug/tracing; when neither has the
// file (tracefs not mounted), mounts tracefs at /sys/kernel/tracing and reads
// it there. Throws pwru::Error "<path>: <why>" (or "cannot mount tracefs at
// ...: <why>"). `used` receives the directory read.
std::string read_available_filter_functions(const std::string& tracefs, std::string* used);

// Fills addr/addrs of `funcs` from kallsyms text (lines "addr type name" or
// "addr type name\t[module]"); text symbols (T, t, W, w) only.
void join_kallsyms(std::vector<SkbFunc>& funcs, std::string_view kallsyms_text);

}  // namespace pwru::kernel
