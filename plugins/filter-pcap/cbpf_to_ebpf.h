// SPDX-License-Identifier: Apache-2.0
// Classic BPF (as pcap_compile() emits it) -> the eBPF body of a subprogram.
//
// The result is the complete body of a BPF subprogram with the calling
// convention of `struct pwru_filter_code_v1` (sdk/include/pwru/plugin.h):
//   r1 = packet bytes (a map value of at least `buf_size` bytes),
//   r2 = caplen (u32, <= buf_size), r3 = wirelen (u32),
//   returns r0 = 1 to accept, 0 to reject.
//
// Semantics are those of libpcap's interpreter, bpf_filter() (what
// pcap_offline_filter() runs), on x86-64:
//  - A and X start at 0; arithmetic is 32-bit unsigned.
//  - A packet load past caplen rejects. Offsets are computed without
//    wrap-around, so [x + k] with a huge X rejects too.
//  - Division or modulo by X == 0 rejects; by a constant 0 (which libpcap's
//    compiler never emits and its interpreter would trap on) rejects as well.
//  - A shift by X >= 32 yields 0 (libpcap checks); a constant shift by
//    k >= 32 shifts by k & 31 (what the x86-64 shift instruction does in
//    libpcap's C code; libpcap's compiler refuses to emit such shifts).
//  - `ret` with any nonzero value accepts; the body returns exactly 1.
//
// The code keeps the kernel verifier happy under that contract: every load
// is checked against the constant buf_size and against caplen, no helper
// call, no map, registers r6-r9 are never touched, at most 64 bytes of stack
// (scratch memory M[0..15]), forward jumps only, no unreachable instruction,
// and the last instruction is `exit`.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "cbpf_insn.h"

namespace pwru::cbpf {

// The cBPF program cannot be translated; what() names the instruction.
class TranslateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes of stack the translated body may use at most (fp-64 .. fp-1).
inline constexpr int kStackBytes = 64;

// Translates `prog`. `buf_size` is the constant number of addressable bytes
// at r1 (1 .. 32768). Throws TranslateError for programs that libpcap's
// interpreter would not run either (bad opcode, jump out of the program,
// falling off the end, scratch index >= 16), for Linux-only extensions
// (negative offsets: SKF_AD_*, SKF_NET_OFF, SKF_LL_OFF) and for backward
// jumps ("ip6 protochain"), and when a jump would not fit eBPF's 16 bits.
std::vector<::bpf_insn> to_ebpf(std::span<const Insn> prog, uint32_t buf_size);

}  // namespace pwru::cbpf
