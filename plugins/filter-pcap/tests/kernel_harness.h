// SPDX-License-Identifier: Apache-2.0
// Runs a filter body in the kernel under the exact calling convention of
// struct pwru_filter_code_v1, with BPF_PROG_TEST_RUN.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pwru::test {

// Static checks of the filter contract that the verifier does not make
// (it allows 512 bytes of stack, helper calls, r6-r9 ...). Returns "" if the
// body is fine, else what is wrong.
std::string contract_violation(std::span<const bpf_insn> body);

// `r0 = v; exit`: what the host runs for ACCEPT_ALL (1) / REJECT_ALL (0).
std::vector<bpf_insn> constant_body(int32_t v);

// Owns one 1-entry array map whose value is {u32 caplen; u32 wirelen;
// u8 data[buf_size]} and the programs loaded against it.
class KernelHarness {
 public:
  explicit KernelHarness(uint32_t buf_size);
  ~KernelHarness();
  KernelHarness(const KernelHarness&) = delete;
  KernelHarness& operator=(const KernelHarness&) = delete;

  // A loaded harness program: main calls `body` as a bpf-to-bpf subprogram
  // with r1 = &value.data, r2 = caplen, r3 = wirelen (both with garbage in
  // the upper 32 bits), checks that r6-r9 survived and returns r0 != 0.
  class Program {
   public:
    Program() = default;
    explicit Program(int fd) : fd_(fd) {}
    Program(Program&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Program& operator=(Program&& o) noexcept;
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    ~Program();
    int fd() const { return fd_; }

   private:
    int fd_ = -1;
  };

  // Loads; throws std::runtime_error carrying the verifier log on failure.
  Program load(std::span<const bpf_insn> body);

  // Writes the packet into the map (bytes beyond caplen are copied too, up
  // to buf_size, so a body that ignores caplen is caught) and runs the
  // program once. Returns 0 or 1; throws if the harness itself failed.
  int run(const Program& prog, std::span<const uint8_t> bytes, uint32_t caplen, uint32_t wirelen);

  uint32_t buf_size() const { return buf_size_; }

 private:
  uint32_t buf_size_;
  int map_fd_ = -1;
  std::vector<uint8_t> value_;
};

}  // namespace pwru::test
