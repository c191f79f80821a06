// SPDX-License-Identifier: Apache-2.0
// What the kernel tests share: building filter instructions by hand and
// sending loopback UDP for the skb tracepoints to see.
#pragma once

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pwru::ktest {

inline bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

// A filter slot body (r1 = packet bytes, r2 = caplen) accepting L2 IPv4 UDP
// packets (no IP options) to `port`; anything else, and every L3 packet the
// slot sees, is rejected.
inline std::vector<bpf_insn> udp_dport_filter(uint16_t port) {
  return {
      insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_2, 0, 0),   // w2 = w2 (zero-extend)
      insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),         // r0 = 0
      insn(BPF_JMP | BPF_JLT | BPF_K, BPF_REG_2, 0, 4, 38),          // if caplen < 38 goto exit
      insn(BPF_LDX | BPF_MEM | BPF_H, BPF_REG_3, BPF_REG_1, 36, 0),  // r3 = UDP destination port
      insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, 2, htons(port)), // if r3 != port goto exit
      insn(BPF_LDX | BPF_MEM | BPF_B, BPF_REG_3, BPF_REG_1, 23, 0),  // r3 = IP protocol
      insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0), // r0 = proto (17 = accept)
      insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  };
}

// Sends `n` UDP datagrams of `payload` bytes ("pwru" repeated) to
// 127.0.0.1:port, with SO_MARK `mark` when it is not 0. Fails the calling
// test (gtest fatal assertion) when the socket cannot be set up.
inline void send_udp(uint16_t port, int n, uint32_t mark = 0, size_t payload = 4) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(s, 0);
  if (mark != 0) {
    const int rc = setsockopt(s, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
    if (rc != 0) close(s);
    ASSERT_EQ(rc, 0);
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string data;
  while (data.size() < payload) data += "pwru";
  data.resize(payload);
  for (int i = 0; i < n; ++i) sendto(s, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  close(s);
}

}  // namespace pwru::ktest
