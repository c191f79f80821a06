// SPDX-License-Identifier: Apache-2.0
// Classic BPF -> eBPF subprogram body. See cbpf_to_ebpf.h for the contract.
#include "cbpf_to_ebpf.h"

#include <linux/filter.h>  // classic-only opcodes: BPF_MISC, BPF_TAX, BPF_TXA, BPF_MEMWORDS

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

namespace pwru::cbpf {
namespace {

// Register plan. r1-r3 keep the arguments for the whole body; A and X live
// in r4 and r5, so r6-r9 are never touched and need no saving. r0 is the
// scratch register for computed offsets and finally the result.
constexpr uint8_t kR0 = BPF_REG_0;
constexpr uint8_t kPkt = BPF_REG_1;
constexpr uint8_t kCaplen = BPF_REG_2;
constexpr uint8_t kWirelen = BPF_REG_3;
constexpr uint8_t kA = BPF_REG_4;
constexpr uint8_t kX = BPF_REG_5;
constexpr uint8_t kFp = BPF_REG_10;

// Scratch memory M[k] lives at fp-64+4k (4-byte aligned, as the verifier
// requires for the stack).
int16_t mem_off(uint32_t k) {
  return static_cast<int16_t>(-kStackBytes + 4 * static_cast<int>(k));
}
static_assert(kStackBytes == 4 * BPF_MEMWORDS);

// eBPF size field and width in bytes of a cBPF load size.
struct LoadSize {
  uint8_t ebpf;
  uint32_t bytes;
};
LoadSize load_size(uint16_t code) {
  switch (BPF_SIZE(code)) {
    case BPF_W:
      return {BPF_W, 4};
    case BPF_H:
      return {BPF_H, 2};
    default:
      return {BPF_B, 1};
  }
}

bpf_insn make(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%#x", v);
  return buf;
}

// Every classic opcode libpcap's bpf_filter() runs, and nothing else (it
// abort()s on anything else). Returns false for an unknown opcode.
bool known_opcode(uint16_t code) {
  switch (code) {
    case BPF_LD | BPF_IMM:
    case BPF_LD | BPF_W | BPF_ABS:
    case BPF_LD | BPF_H | BPF_ABS:
    case BPF_LD | BPF_B | BPF_ABS:
    case BPF_LD | BPF_W | BPF_IND:
    case BPF_LD | BPF_H | BPF_IND:
    case BPF_LD | BPF_B | BPF_IND:
    case BPF_LD | BPF_MEM:
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_IMM:
    case BPF_LDX | BPF_MEM:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_MSH | BPF_B:
    case BPF_ST:
    case BPF_STX:
    case BPF_JMP | BPF_JA:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
    case BPF_ALU | BPF_NEG:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
      return true;
    default:
      break;
  }
  if (BPF_CLASS(code) == BPF_JMP) {
    if ((code & ~(BPF_OP(code) | BPF_SRC(code) | BPF_CLASS(code))) != 0) return false;
    switch (BPF_OP(code)) {
      case BPF_JEQ:
      case BPF_JGT:
      case BPF_JGE:
      case BPF_JSET:
        return true;
      default:
        return false;
    }
  }
  if (BPF_CLASS(code) == BPF_ALU) {
    if ((code & ~(BPF_OP(code) | BPF_SRC(code) | BPF_CLASS(code))) != 0) return false;
    switch (BPF_OP(code)) {
      case BPF_ADD:
      case BPF_SUB:
      case BPF_MUL:
      case BPF_DIV:
      case BPF_MOD:
      case BPF_OR:
      case BPF_AND:
      case BPF_XOR:
      case BPF_LSH:
      case BPF_RSH:
        return true;
      default:
        return false;
    }
  }
  return false;
}

class Translator {
 public:
  Translator(std::span<const Insn> prog, uint32_t buf_size) : prog_(prog), buf_size_(buf_size) {}

  std::vector<bpf_insn> run() {
    if (prog_.empty()) throw TranslateError("empty cBPF program");
    if (buf_size_ == 0 || buf_size_ > 32768)
      throw TranslateError("packet buffer size " + std::to_string(buf_size_) +
                           " is out of range (1..32768)");
    for (size_t i = 0; i < prog_.size(); ++i) validate(i);
    analyse();
    prologue();
    start_.assign(prog_.size(), 0);
    for (size_t i = 0; i < prog_.size(); ++i) {
      start_[i] = out_.size();
      if (reachable_[i]) emit(i);
    }
    resolve();
    return std::move(out_);
  }

 private:
  // Where a jump goes: the block of a cBPF instruction, or a `return 0`.
  enum class To : uint8_t { kInsn, kReject };
  struct Fixup {
    size_t at;
    To to;
    size_t insn;
  };

  [[noreturn]] void fail(size_t i, const std::string& why) const {
    throw TranslateError("cBPF instruction " + std::to_string(i) + " (code " +
                         hex(prog_[i].code) + ", k " + hex(prog_[i].k) + "): " + why);
  }

  bool is_packet_load(uint16_t code) const {
    const uint16_t mode = BPF_MODE(code);
    return (BPF_CLASS(code) == BPF_LD && (mode == BPF_ABS || mode == BPF_IND)) ||
           code == (BPF_LDX | BPF_MSH | BPF_B);
  }

  // Checks one instruction on its own (what libpcap's bpf_validate() checks,
  // plus the Linux extensions we do not run).
  void validate(size_t i) const {
    const Insn& in = prog_[i];
    const uint16_t code = in.code;
    if (!known_opcode(code)) fail(i, "unsupported opcode");
    if (is_packet_load(code) && in.k > static_cast<uint32_t>(std::numeric_limits<int32_t>::max()))
      fail(i, "load from a negative offset (a Linux socket-filter extension: SKF_AD_* ancillary "
              "data or SKF_NET_OFF/SKF_LL_OFF, e.g. from 'inbound', 'outbound' or 'ifindex') is "
              "not supported");
    const uint16_t mode = BPF_MODE(code);
    const bool mem = ((BPF_CLASS(code) == BPF_LD || BPF_CLASS(code) == BPF_LDX) && mode == BPF_MEM) ||
                     BPF_CLASS(code) == BPF_ST || BPF_CLASS(code) == BPF_STX;
    if (mem && in.k >= BPF_MEMWORDS)
      fail(i, "scratch memory index out of range (M[0.." + std::to_string(BPF_MEMWORDS - 1) + "])");
    if (code == (BPF_JMP | BPF_JA)) {
      if (static_cast<int32_t>(in.k) < 0)
        fail(i, "backward jump (as 'ip6 protochain' emits) is not supported: the kernel filter "
                "must be loop-free");
      if (in.k >= prog_.size() - i - 1) fail(i, "jump past the end of the program");
    } else if (BPF_CLASS(code) == BPF_JMP) {
      if (in.jt >= prog_.size() - i - 1 || in.jf >= prog_.size() - i - 1)
        fail(i, "jump past the end of the program");
    }
  }

  // True if `code` with `k` rejects every packet whatever A, X and the
  // packet hold, so the instruction has no successor. Emitting code after
  // it would leave unreachable instructions, which the verifier refuses.
  bool always_rejects(const Insn& in) const {
    const uint16_t code = in.code;
    if (is_packet_load(code)) {
      const uint64_t end = static_cast<uint64_t>(in.k) + load_size(code).bytes;
      return end > buf_size_;  // for [x + k] too: x >= 0
    }
    if (BPF_CLASS(code) == BPF_ALU && BPF_SRC(code) == BPF_K &&
        (BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD))
      return in.k == 0;
    return false;
  }

  // Marks what is reachable from instruction 0 and what the body needs.
  void analyse() {
    const size_t n = prog_.size();
    reachable_.assign(n, false);
    reachable_[0] = true;
    // Jumps only go forward, so one pass in order sees every predecessor first.
    for (size_t i = 0; i < n; ++i) {
      if (!reachable_[i]) continue;
      const Insn& in = prog_[i];
      const uint16_t code = in.code;
      if (BPF_CLASS(code) == BPF_LD || BPF_CLASS(code) == BPF_LDX) {
        if (BPF_MODE(code) == BPF_MEM) mem_read_ |= 1u << in.k;
        if (BPF_MODE(code) == BPF_LEN) uses_len_ = true;
        if (is_packet_load(code)) uses_packet_ = true;
      }
      if (BPF_CLASS(code) == BPF_RET || always_rejects(in)) continue;
      auto mark = [&](size_t t) {
        if (t >= n) fail(i, "execution falls off the end of the program");
        reachable_[t] = true;
      };
      if (code == (BPF_JMP | BPF_JA)) {
        mark(i + 1 + in.k);
      } else if (BPF_CLASS(code) == BPF_JMP) {
        mark(i + 1 + in.jt);
        mark(i + 1 + in.jf);
      } else {
        mark(i + 1);
      }
    }
  }

  void put(const bpf_insn& in) { out_.push_back(in); }

  void jump(uint8_t code, uint8_t dst, uint8_t src, int32_t imm, To to, size_t insn = 0) {
    fixups_.push_back({out_.size(), to, insn});
    put(make(code, dst, src, 0, imm));
  }
  void jump_insn(size_t target) { jump(BPF_JMP | BPF_JA, 0, 0, 0, To::kInsn, target); }
  void jump_reject() { jump(BPF_JMP | BPF_JA, 0, 0, 0, To::kReject); }

  void ret_const(bool accept) {
    if (!accept) reject_points_.push_back(out_.size());
    put(make(BPF_ALU64 | BPF_MOV | BPF_K, kR0, 0, 0, accept ? 1 : 0));
    put(make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  }

  void prologue() {
    // The caller's upper 32 bits of r2/r3 are not ours to trust.
    if (uses_packet_) put(make(BPF_ALU | BPF_MOV | BPF_X, kCaplen, kCaplen, 0, 0));
    if (uses_len_) put(make(BPF_ALU | BPF_MOV | BPF_X, kWirelen, kWirelen, 0, 0));
    put(make(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, 0));
    put(make(BPF_ALU | BPF_MOV | BPF_K, kX, 0, 0, 0));
    // libpcap's compiler always stores before it loads; zeroing the slots
    // that are ever loaded keeps the verifier from seeing an uninitialised
    // stack read on a path it cannot rule out.
    for (uint32_t k = 0; k < BPF_MEMWORDS; ++k)
      if ((mem_read_ & (1u << k)) != 0) put(make(BPF_ST | BPF_MEM | BPF_W, kFp, 0, mem_off(k), 0));
  }

  // Big-endian to host order for 16/32-bit loads (a no-op on big-endian hosts).
  void to_host(uint8_t reg, uint32_t bytes) {
    if (bytes > 1)
      put(make(BPF_ALU | BPF_END | BPF_TO_BE, reg, 0, 0, static_cast<int32_t>(bytes * 8)));
  }

  // dst = P[k:size]. libpcap rejects unless k + size <= caplen (no wrap).
  void load_abs(uint32_t k, uint32_t bytes, uint8_t size, uint8_t dst) {
    // always_rejects() already turned k + size > buf_size into a plain reject.
    jump(BPF_JMP | BPF_JLT | BPF_K, kCaplen, 0, static_cast<int32_t>(k + bytes), To::kReject);
    put(make(BPF_LDX | BPF_MEM | size, dst, kPkt, static_cast<int16_t>(k), 0));
    to_host(dst, bytes);
  }

  // A = P[X + k:size]. X + k + size is computed in 64 bits, so nothing wraps;
  // libpcap's checks amount to the same test.
  void load_ind(uint32_t k, uint32_t bytes, uint8_t size) {
    put(make(BPF_ALU64 | BPF_MOV | BPF_X, kR0, kX, 0, 0));
    put(make(BPF_ALU64 | BPF_ADD | BPF_K, kR0, 0, 0, static_cast<int32_t>(k + bytes)));
    jump(BPF_JMP | BPF_JGT | BPF_X, kR0, kCaplen, 0, To::kReject);
    // The constant bound is what lets the verifier prove the access safe.
    jump(BPF_JMP | BPF_JGT | BPF_K, kR0, 0, static_cast<int32_t>(buf_size_), To::kReject);
    put(make(BPF_ALU64 | BPF_ADD | BPF_X, kR0, kPkt, 0, 0));
    put(make(BPF_LDX | BPF_MEM | size, kA, kR0, static_cast<int16_t>(-static_cast<int32_t>(bytes)), 0));
    to_host(kA, bytes);
  }

  void emit_alu(size_t i) {
    const Insn& in = prog_[i];
    const uint8_t op = BPF_OP(in.code);
    if (op == BPF_NEG) {
      put(make(BPF_ALU | BPF_NEG, kA, 0, 0, 0));
      return;
    }
    if (BPF_SRC(in.code) == BPF_K) {
      uint32_t k = in.k;
      if (op == BPF_DIV || op == BPF_MOD) {
        if (k == 0) {  // see always_rejects()
          jump_reject();
          return;
        }
      } else if (op == BPF_LSH || op == BPF_RSH) {
        // x86-64 shifts a 32-bit register by count & 31; the verifier
        // refuses an ALU32 shift immediate >= 32.
        k &= 31;
        if (k == 0) return;
      }
      put(make(BPF_ALU | op | BPF_K, kA, 0, 0, static_cast<int32_t>(k)));
      return;
    }
    if (op == BPF_DIV || op == BPF_MOD) {
      jump(BPF_JMP | BPF_JEQ | BPF_K, kX, 0, 0, To::kReject);
    } else if (op == BPF_LSH || op == BPF_RSH) {
      // libpcap: A = X < 32 ? A op X : 0.
      put(make(BPF_JMP | BPF_JGE | BPF_K, kX, 0, 2, 32));
      put(make(BPF_ALU | op | BPF_X, kA, kX, 0, 0));
      put(make(BPF_JMP | BPF_JA, 0, 0, 1, 0));
      put(make(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, 0));
      return;
    }
    put(make(BPF_ALU | op | BPF_X, kA, kX, 0, 0));
  }

  // Conditional jump: 32-bit unsigned compares of A with k or X (JMP32, so
  // a k >= 2^31 is not sign-extended against a 64-bit register).
  void emit_cond(size_t i) {
    const Insn& in = prog_[i];
    const size_t next = i + 1;
    const size_t t = next + in.jt;
    const size_t f = next + in.jf;
    if (t == f) {
      if (t != next) jump_insn(t);
      return;
    }
    const bool x = BPF_SRC(in.code) == BPF_X;
    uint8_t op = BPF_OP(in.code);
    size_t target = t;
    if (t == next) {
      // Branch on the negated condition to f and fall through to t.
      switch (op) {
        case BPF_JEQ:
          op = BPF_JNE;
          target = f;
          break;
        case BPF_JGT:
          op = BPF_JLE;
          target = f;
          break;
        case BPF_JGE:
          op = BPF_JLT;
          target = f;
          break;
        default:  // JSET has no negation: jump to t, then `ja f` below.
          break;
      }
    }
    jump(BPF_JMP32 | op | (x ? BPF_X : BPF_K), kA, x ? kX : 0, x ? 0 : static_cast<int32_t>(in.k),
         To::kInsn, target);
    if (target == t && f != next) jump_insn(f);
  }

  void emit(size_t i) {
    const Insn& in = prog_[i];
    const uint16_t code = in.code;
    if (always_rejects(in)) {
      jump_reject();
      return;
    }
    switch (code) {
      case BPF_LD | BPF_IMM:
        put(make(BPF_ALU | BPF_MOV | BPF_K, kA, 0, 0, static_cast<int32_t>(in.k)));
        return;
      case BPF_LDX | BPF_IMM:
        put(make(BPF_ALU | BPF_MOV | BPF_K, kX, 0, 0, static_cast<int32_t>(in.k)));
        return;
      case BPF_LD | BPF_W | BPF_ABS:
      case BPF_LD | BPF_H | BPF_ABS:
      case BPF_LD | BPF_B | BPF_ABS: {
        const LoadSize s = load_size(code);
        load_abs(in.k, s.bytes, s.ebpf, kA);
        return;
      }
      case BPF_LD | BPF_W | BPF_IND:
      case BPF_LD | BPF_H | BPF_IND:
      case BPF_LD | BPF_B | BPF_IND: {
        const LoadSize s = load_size(code);
        load_ind(in.k, s.bytes, s.ebpf);
        return;
      }
      case BPF_LDX | BPF_MSH | BPF_B:  // X = 4 * (P[k] & 0xf)
        load_abs(in.k, 1, BPF_B, kX);
        put(make(BPF_ALU | BPF_AND | BPF_K, kX, 0, 0, 0xf));
        put(make(BPF_ALU | BPF_LSH | BPF_K, kX, 0, 0, 2));
        return;
      case BPF_LD | BPF_MEM:
        put(make(BPF_LDX | BPF_MEM | BPF_W, kA, kFp, mem_off(in.k), 0));
        return;
      case BPF_LDX | BPF_MEM:
        put(make(BPF_LDX | BPF_MEM | BPF_W, kX, kFp, mem_off(in.k), 0));
        return;
      case BPF_ST:
        put(make(BPF_STX | BPF_MEM | BPF_W, kFp, kA, mem_off(in.k), 0));
        return;
      case BPF_STX:
        put(make(BPF_STX | BPF_MEM | BPF_W, kFp, kX, mem_off(in.k), 0));
        return;
      case BPF_LD | BPF_W | BPF_LEN:
        put(make(BPF_ALU | BPF_MOV | BPF_X, kA, kWirelen, 0, 0));
        return;
      case BPF_LDX | BPF_W | BPF_LEN:
        put(make(BPF_ALU | BPF_MOV | BPF_X, kX, kWirelen, 0, 0));
        return;
      case BPF_MISC | BPF_TAX:
        put(make(BPF_ALU | BPF_MOV | BPF_X, kX, kA, 0, 0));
        return;
      case BPF_MISC | BPF_TXA:
        put(make(BPF_ALU | BPF_MOV | BPF_X, kA, kX, 0, 0));
        return;
      case BPF_RET | BPF_K:
        ret_const(in.k != 0);
        return;
      case BPF_RET | BPF_A:
        // r0 = A != 0: a caller may look at fewer bits than libpcap's u_int.
        put(make(BPF_ALU64 | BPF_MOV | BPF_K, kR0, 0, 0, 1));
        put(make(BPF_JMP32 | BPF_JNE | BPF_K, kA, 0, 1, 0));
        put(make(BPF_ALU64 | BPF_MOV | BPF_K, kR0, 0, 0, 0));
        put(make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        return;
      case BPF_JMP | BPF_JA:
        if (in.k != 0) jump_insn(i + 1 + in.k);
        return;
      default:
        break;
    }
    if (BPF_CLASS(code) == BPF_ALU) {
      emit_alu(i);
    } else if (BPF_CLASS(code) == BPF_JMP) {
      emit_cond(i);
    } else {
      fail(i, "unsupported opcode");  // unreachable: validate() knows the same set
    }
  }

  // Fills in jump offsets. A reject goes to the nearest `return 0` after the
  // jump (a translated `ret #0`), or to one appended at the end.
  void resolve() {
    size_t final_reject = 0;
    bool have_final = false;
    for (const Fixup& fx : fixups_) {
      size_t target;
      if (fx.to == To::kInsn) {
        target = start_[fx.insn];
      } else {
        auto it = std::upper_bound(reject_points_.begin(), reject_points_.end(), fx.at);
        if (it != reject_points_.end()) {
          target = *it;
        } else {
          if (!have_final) {
            final_reject = out_.size();
            have_final = true;
            ret_const(false);
          }
          target = final_reject;
        }
      }
      const int64_t rel = static_cast<int64_t>(target) - static_cast<int64_t>(fx.at) - 1;
      if (rel < 0 || rel > std::numeric_limits<int16_t>::max())
        throw TranslateError("filter too large: a jump spans " + std::to_string(rel) +
                             " eBPF instructions (at most 32767)");
      out_[fx.at].off = static_cast<int16_t>(rel);
    }
  }

  std::span<const Insn> prog_;
  uint32_t buf_size_;
  std::vector<bool> reachable_;
  uint32_t mem_read_ = 0;
  bool uses_len_ = false;
  bool uses_packet_ = false;
  std::vector<bpf_insn> out_;
  std::vector<size_t> start_;
  std::vector<Fixup> fixups_;
  std::vector<size_t> reject_points_;
};

}  // namespace

std::vector<::bpf_insn> to_ebpf(std::span<const Insn> prog, uint32_t buf_size) {
  return Translator(prog, buf_size).run();
}

}  // namespace pwru::cbpf
