// SPDX-License-Identifier: Apache-2.0
// Splices filter code into placeholder subprograms of a relocated BPF
// program (the Retis technique, done on libbpf's final instructions).
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pwru::bpf {

// BTF.ext records are variable-size; the first u32 of each is insn_off.
struct ExtInfo {
  uint32_t rec_size = 0;
  std::vector<uint8_t> bytes;
  size_t count() const { return rec_size == 0 ? 0 : bytes.size() / rec_size; }
  uint32_t insn_off(size_t i) const;
  void set_insn_off(size_t i, uint32_t off);
};

// A program as libbpf is about to load it.
struct ProgramImage {
  std::vector<bpf_insn> insns;
  ExtInfo func_info;
  ExtInfo line_info;
};

// Finds the subprogram containing the ld_imm64 of `magic` (its bounds come
// from func_info) and replaces its whole body with `body`, fixing every
// jump, bpf-to-bpf call and function reference that crosses it, and the
// func_info/line_info offsets. Returns false if `magic` is not in the
// program. Throws pwru::Error if the program cannot be spliced safely.
bool splice(ProgramImage& img, uint64_t magic, std::span<const bpf_insn> body);

// `r0 = v; exit` — the body of a slot that accepts (1) or rejects (0) all.
std::vector<bpf_insn> constant_body(int32_t v);

}  // namespace pwru::bpf
