// SPDX-License-Identifier: Apache-2.0
#include "bpf/splice.h"

#include <cstring>
#include <limits>
#include <optional>

#include "util/error.h"

namespace pwru::bpf {
namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_DW | BPF_IMM;

bool is_ld_imm64(const bpf_insn& i) { return i.code == kLdImm64; }

// If insn i refers to another instruction by a relative offset, returns the
// target index (kind tells which field carries the offset).
enum class RefKind { kOff, kImm };
std::optional<std::pair<int64_t, RefKind>> target_of(const std::vector<bpf_insn>& v, size_t i) {
  const bpf_insn& in = v[i];
  const uint8_t cls = BPF_CLASS(in.code);
  const uint8_t op = BPF_OP(in.code);
  if (in.code == kLdImm64) {
    if (in.src_reg == BPF_PSEUDO_FUNC) return std::pair{static_cast<int64_t>(i) + in.imm + 1, RefKind::kImm};
    return std::nullopt;
  }
  if (cls != BPF_JMP && cls != BPF_JMP32) return std::nullopt;
  if (op == BPF_EXIT) return std::nullopt;
  if (op == BPF_CALL) {
    if (cls == BPF_JMP && in.src_reg == BPF_PSEUDO_CALL)
      return std::pair{static_cast<int64_t>(i) + in.imm + 1, RefKind::kImm};
    return std::nullopt;  // helper or kfunc call
  }
  if (cls == BPF_JMP32 && op == BPF_JA)  // gotol: 32-bit offset in imm
    return std::pair{static_cast<int64_t>(i) + in.imm + 1, RefKind::kImm};
  return std::pair{static_cast<int64_t>(i) + in.off + 1, RefKind::kOff};
}

}  // namespace

uint32_t ExtInfo::insn_off(size_t i) const {
  uint32_t v = 0;
  std::memcpy(&v, bytes.data() + i * rec_size, sizeof(v));
  return v;
}

void ExtInfo::set_insn_off(size_t i, uint32_t off) {
  std::memcpy(bytes.data() + i * rec_size, &off, sizeof(off));
}

std::vector<bpf_insn> constant_body(int32_t v) {
  bpf_insn mov{};
  mov.code = BPF_ALU64 | BPF_MOV | BPF_K;
  mov.dst_reg = BPF_REG_0;
  mov.imm = v;
  bpf_insn ex{};
  ex.code = BPF_JMP | BPF_EXIT;
  return {mov, ex};
}

bool splice(ProgramImage& img, uint64_t magic, std::span<const bpf_insn> body) {
  auto& insns = img.insns;
  const auto lo = static_cast<int32_t>(static_cast<uint32_t>(magic));
  const auto hi = static_cast<int32_t>(static_cast<uint32_t>(magic >> 32));
  size_t m = insns.size();
  for (size_t i = 0; i + 1 < insns.size(); ++i) {
    if (is_ld_imm64(insns[i]) && insns[i].src_reg == 0 && insns[i].imm == lo && insns[i + 1].imm == hi) {
      m = i;
      break;
    }
    if (is_ld_imm64(insns[i])) ++i;
  }
  if (m == insns.size()) return false;
  if (body.empty() || body.back().code != (BPF_JMP | BPF_EXIT))
    throw Error("splice: filter code must end with exit");

  // The stub's bounds: the subprogram starts at the last func_info entry at
  // or before the marker and ends where the next one starts.
  if (img.func_info.count() == 0) throw Error("splice: the program has no BTF func_info");
  size_t start = 0;
  size_t end = insns.size();
  for (size_t f = 0; f < img.func_info.count(); ++f) {
    const uint32_t off = img.func_info.insn_off(f);
    if (off <= m && off >= start) start = off;
    if (off > m && off < end) end = off;
  }
  if (start == 0) throw Error("splice: the marker is in the main program, not a subprogram");

  const int64_t delta = static_cast<int64_t>(body.size()) - static_cast<int64_t>(end - start);
  auto remap = [&](int64_t x) -> int64_t {
    if (x <= static_cast<int64_t>(start)) return x;
    if (x >= static_cast<int64_t>(end)) return x + delta;
    throw Error("splice: an instruction outside the stub refers into its body");
  };

  std::vector<bpf_insn> out;
  out.reserve(insns.size() + body.size());
  for (size_t i = 0; i < insns.size(); ++i) {
    if (i == start) {
      out.insert(out.end(), body.begin(), body.end());
      i = end - 1;
      continue;
    }
    bpf_insn in = insns[i];
    if (auto t = target_of(insns, i)) {
      const int64_t rel = remap(t->first) - remap(static_cast<int64_t>(i)) - 1;
      if (t->second == RefKind::kOff) {
        if (rel < std::numeric_limits<int16_t>::min() || rel > std::numeric_limits<int16_t>::max())
          throw Error("splice: a jump no longer fits in 16 bits after splicing");
        in.off = static_cast<int16_t>(rel);
      } else {
        in.imm = static_cast<int32_t>(rel);
      }
    }
    out.push_back(in);
    if (is_ld_imm64(insns[i]) && i + 1 < insns.size()) out.push_back(insns[++i]);
  }
  insns = std::move(out);

  for (size_t f = 0; f < img.func_info.count(); ++f) {
    const uint32_t off = img.func_info.insn_off(f);
    if (off >= end) img.func_info.set_insn_off(f, static_cast<uint32_t>(off + delta));
  }
  // Line info: keep the stub's first record, drop the rest of its body
  // (the new code has no source lines), shift what follows.
  ExtInfo lines{img.line_info.rec_size, {}};
  for (size_t l = 0; l < img.line_info.count(); ++l) {
    const uint32_t off = img.line_info.insn_off(l);
    if (off > start && off < end) continue;
    const uint8_t* rec = img.line_info.bytes.data() + l * img.line_info.rec_size;
    lines.bytes.insert(lines.bytes.end(), rec, rec + img.line_info.rec_size);
    if (off >= end) lines.set_insn_off(lines.count() - 1, static_cast<uint32_t>(off + delta));
  }
  img.line_info = std::move(lines);
  return true;
}

}  // namespace pwru::bpf
