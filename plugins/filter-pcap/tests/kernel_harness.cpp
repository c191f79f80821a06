// SPDX-License-Identifier: Apache-2.0
#include "kernel_harness.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pwru::test {
namespace {

bpf_insn make(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

void ld_imm64(std::vector<bpf_insn>& p, uint8_t dst, uint8_t src, uint64_t v) {
  p.push_back(make(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, static_cast<int32_t>(v & 0xffffffffu)));
  p.push_back(make(0, 0, 0, 0, static_cast<int32_t>(v >> 32)));
}

// Values the harness puts in r6-r9 before the call and checks after it.
constexpr int32_t kSentinel[4] = {0x6666, 0x7777, 0x8888, 0x9999};
constexpr int kRetNoValue = 2;     // map lookup failed
constexpr int kRetClobbered = 3;   // r6-r9 changed across the call

}  // namespace

std::string contract_violation(std::span<const bpf_insn> body) {
  if (body.empty()) return "empty body";
  if (body.back().code != (BPF_JMP | BPF_EXIT)) return "does not end with exit";
  for (size_t i = 0; i < body.size(); ++i) {
    const bpf_insn& in = body[i];
    const std::string at = "insn " + std::to_string(i) + ": ";
    const uint8_t cls = BPF_CLASS(in.code);
    if (in.code == (BPF_LD | BPF_DW | BPF_IMM)) return at + "ld_imm64 (maps or 64-bit constants)";
    if (cls == BPF_LD) return at + "legacy packet access";
    if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(in.code) == BPF_CALL) return at + "call";
    for (uint8_t r : {static_cast<uint8_t>(in.dst_reg), static_cast<uint8_t>(in.src_reg)})
      if (r >= BPF_REG_6 && r <= BPF_REG_9) return at + "uses r" + std::to_string(r);
    if (in.dst_reg == BPF_REG_10 && cls != BPF_ST && cls != BPF_STX)
      return at + "writes the frame pointer";
    const bool mem = cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX;
    const uint8_t base = cls == BPF_LDX ? in.src_reg : in.dst_reg;
    if (mem && base == BPF_REG_10 && (in.off >= 0 || in.off < -128))
      return at + "stack offset " + std::to_string(in.off) + " outside fp-128..fp-1";
    if (!mem && (in.src_reg == BPF_REG_10 || in.dst_reg == BPF_REG_10) &&
        !(cls == BPF_JMP && BPF_OP(in.code) == BPF_EXIT))
      return at + "uses the frame pointer as a value";
    if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(in.code) != BPF_EXIT) {
      if (in.off < 0) return at + "backward jump";
      if (i + 1 + static_cast<size_t>(in.off) >= body.size()) return at + "jump out of the body";
    }
  }
  return "";
}

std::vector<bpf_insn> constant_body(int32_t v) {
  return {make(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, v), make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
}

KernelHarness::KernelHarness(uint32_t buf_size) : buf_size_(buf_size), value_(8 + buf_size) {
  map_fd_ = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pcap_harness", 4, 8 + buf_size, 1, nullptr);
  if (map_fd_ < 0)
    throw std::runtime_error(std::string("bpf_map_create: ") + std::strerror(errno));
}

KernelHarness::~KernelHarness() {
  if (map_fd_ >= 0) close(map_fd_);
}

KernelHarness::Program& KernelHarness::Program::operator=(Program&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

KernelHarness::Program::~Program() {
  if (fd_ >= 0) close(fd_);
}

KernelHarness::Program KernelHarness::load(std::span<const bpf_insn> body) {
  std::vector<bpf_insn> p;
  for (int r = 0; r < 4; ++r)
    p.push_back(make(BPF_ALU64 | BPF_MOV | BPF_K, static_cast<uint8_t>(BPF_REG_6 + r), 0, 0, kSentinel[r]));
  // value = lookup(map, &(u32){0})
  p.push_back(make(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0));
  p.push_back(make(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0));
  p.push_back(make(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4));
  ld_imm64(p, BPF_REG_1, BPF_PSEUDO_MAP_FD, static_cast<uint32_t>(map_fd_));
  p.push_back(make(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem));
  p.push_back(make(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0));
  p.push_back(make(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, kRetNoValue));
  p.push_back(make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  // r1 = value->data, r2 = caplen, r3 = wirelen, garbage in the upper halves.
  p.push_back(make(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_0, 0, 0));
  p.push_back(make(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_0, 4, 0));
  p.push_back(make(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0));
  p.push_back(make(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 8));
  ld_imm64(p, BPF_REG_4, 0, 0xdead00c000000000ull);
  p.push_back(make(BPF_ALU64 | BPF_OR | BPF_X, BPF_REG_2, BPF_REG_4, 0, 0));
  p.push_back(make(BPF_ALU64 | BPF_OR | BPF_X, BPF_REG_3, BPF_REG_4, 0, 0));
  const size_t call_at = p.size();
  p.push_back(make(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
  // Callee-saved registers must have survived.
  for (int r = 0; r < 4; ++r)
    p.push_back(make(BPF_JMP | BPF_JNE | BPF_K, static_cast<uint8_t>(BPF_REG_6 + r), 0,
                     static_cast<int16_t>(6 - r), kSentinel[r]));
  // The host reads the result as an int: normalise (u32)r0 != 0 to 0/1.
  p.push_back(make(BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_0, 0, 1, 0));
  p.push_back(make(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
  p.push_back(make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  p.push_back(make(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, kRetClobbered));
  p.push_back(make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  p[call_at].imm = static_cast<int32_t>(p.size() - call_at - 1);
  p.insert(p.end(), body.begin(), body.end());

  // (LIBBPF_OPTS is a GNU statement expression, which -Wpedantic rejects.)
  bpf_prog_load_opts opts{};
  opts.sz = sizeof(opts);
  int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "pcap_harness", "GPL", p.data(), p.size(), &opts);
  if (fd >= 0) return Program(fd);
  const int err = errno;
  // Load again, this time with the verifier's log, for the message.
  std::string log(4 << 20, '\0');
  bpf_prog_load_opts lopts{};
  lopts.sz = sizeof(lopts);
  lopts.log_level = 1;
  lopts.log_size = static_cast<__u32>(log.size());
  lopts.log_buf = log.data();
  fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "pcap_harness", "GPL", p.data(), p.size(), &lopts);
  if (fd >= 0) close(fd);
  log.resize(std::strlen(log.c_str()));
  throw std::runtime_error("bpf_prog_load: " + std::string(std::strerror(err)) +
                           " (body of " + std::to_string(body.size()) +
                           " insns at offset " + std::to_string(call_at + 1 + p[call_at].imm) +
                           "); verifier log:\n" + log);
}

int KernelHarness::run(const Program& prog, std::span<const uint8_t> bytes, uint32_t caplen,
                       uint32_t wirelen) {
  std::fill(value_.begin(), value_.end(), 0);
  std::memcpy(value_.data(), &caplen, 4);
  std::memcpy(value_.data() + 4, &wirelen, 4);
  const size_t n = std::min<size_t>(bytes.size(), buf_size_);
  if (n != 0) std::memcpy(value_.data() + 8, bytes.data(), n);
  const uint32_t key = 0;
  if (bpf_map_update_elem(map_fd_, &key, value_.data(), BPF_ANY) != 0)
    throw std::runtime_error(std::string("bpf_map_update_elem: ") + std::strerror(errno));
  uint8_t dummy[64] = {};
  bpf_test_run_opts topts{};
  topts.sz = sizeof(topts);
  topts.data_in = dummy;
  topts.data_size_in = sizeof(dummy);
  topts.repeat = 1;
  if (bpf_prog_test_run_opts(prog.fd(), &topts) != 0)
    throw std::runtime_error(std::string("bpf_prog_test_run_opts: ") + std::strerror(errno));
  if (topts.retval == kRetNoValue) throw std::runtime_error("harness: map lookup failed");
  if (topts.retval == kRetClobbered) throw std::runtime_error("harness: the body clobbered r6-r9");
  if (topts.retval > 1) throw std::runtime_error("harness: unexpected retval " + std::to_string(topts.retval));
  return static_cast<int>(topts.retval);
}

}  // namespace pwru::test
