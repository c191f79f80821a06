// SPDX-License-Identifier: Apache-2.0
// skb and XDP field expressions (--output-skb-metadata, --filter-skb-expr,
// --output-xdp-metadata, --filter-xdp-expr), resolved against the kernel's BTF into the steps the kernel program walks
// (struct pwru_kexpr, bpf/pwru_event.h), and the printing of their values.
//
// Grammar (cilium/pwru's): a path `skb->a->b.c` (or `xdp->a->b.c`, from a
// struct xdp_buff *) of member names, `->`
// through a pointer and `.` into an embedded struct or union; members of
// anonymous structs and unions are found by name, as C finds them; `[n]`
// after a field (decimal or 0x hex) takes an element of an array
// (skb->cb[4]) or, through a pointer, the n-th object it points to (one
// more pointer to follow: skb->head[14]), and `.`/`->` go on from it. A
// filter adds `OP CONSTANT` with OP one of = == != < <= > >= and CONSTANT
// a decimal, 0x hex or negative number, or an enumerator name. The last
// field must be at most 8 bytes (bitfields included).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/btf.h"
#include "pwru_event.h"

namespace pwru::kernel {

// The root of an expression: its name in the text and the struct its
// pointer points to (cilium/pwru: skb is a struct sk_buff *, xdp a struct
// xdp_buff *).
struct ExprRoot {
  const char* name;     // "skb"
  const char* type;     // "sk_buff"
  const char* example;  // "mark": a field named in error messages
};
inline constexpr ExprRoot kSkbRoot{"skb", "sk_buff", "mark"};
inline constexpr ExprRoot kXdpRoot{"xdp", "xdp_buff", "frame_sz"};

struct SkbExpr {
  std::string text;     // the expression as given
  std::string path;     // the field path ("skb->dev->ifindex")
  std::string last;     // its last member name ("ifindex"), what cilium/pwru prints
  uint32_t type_id = 0; // BTF type of the last field
  pwru_kexpr k{};       // steps (and op/value for a filter)
};

// A field path from `root` (--output-skb-metadata, --output-xdp-metadata).
// Throws pwru::Error with a reason that names the bad part (the caller
// adds the flag and the expression).
SkbExpr parse_field(const KernelBtf& btf, const std::string& expr, const ExprRoot& root);

// `path OP CONSTANT` from `root` (--filter-skb-expr, --filter-xdp-expr).
// Throws pwru::Error.
SkbExpr parse_filter(const KernelBtf& btf, const std::string& expr, const ExprRoot& root);

// The skb forms (root skb).
inline SkbExpr parse_skb_field(const KernelBtf& btf, const std::string& expr) {
  return parse_field(btf, expr, kSkbRoot);
}
inline SkbExpr parse_skb_filter(const KernelBtf& btf, const std::string& expr) {
  return parse_filter(btf, expr, kSkbRoot);
}

// The value of a field as cilium/pwru prints it (mybtf.DumpData of the
// field's BTF type over its 8 bytes, little endian): decimal integers,
// enumerator names (else the number), true/false, 'c' for printable
// chars, %#x for pointers, {"m": v, ...} for small structs, [a, b] arrays.
std::string format_skb_value(const KernelBtf& btf, uint32_t type_id, uint64_t raw);

// True when the kernel's BTF has BPF_FUNC_<name> in enum bpf_func_id
// (e.g. "snprintf_btf").
bool has_bpf_helper(const KernelBtf& btf, const std::string& name);

}  // namespace pwru::kernel
