// SPDX-License-Identifier: Apache-2.0
// One classic BPF instruction, free of any system header.
//
// libpcap's <pcap/bpf.h> and the kernel's <linux/bpf.h> both define a
// `struct bpf_insn` (classic and extended), so no translation unit can see
// both. This plain struct is the bridge: it has the layout of libpcap's
// `struct bpf_insn` and of Linux's `struct sock_filter`, and only the files
// that talk to libpcap (pcap_compiler.cpp, the tests' reference) convert.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pwru::cbpf {

struct Insn {
  uint16_t code;
  uint8_t jt;  // forward offset taken when the condition holds
  uint8_t jf;  // forward offset taken otherwise
  uint32_t k;
};

static_assert(sizeof(Insn) == 8);
static_assert(offsetof(Insn, jt) == 2 && offsetof(Insn, jf) == 3 && offsetof(Insn, k) == 4);

}  // namespace pwru::cbpf
