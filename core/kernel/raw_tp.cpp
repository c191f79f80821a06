// SPDX-License-Identifier: Apache-2.0
#include "kernel/raw_tp.h"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace pwru::kernel {
namespace {

// The raw_tracepoint member of union bpf_attr as of Linux 6.10.
struct RawTpAttr {
  uint64_t name;
  uint32_t prog_fd;
  uint32_t pad;
  uint64_t cookie;
};

}  // namespace

int raw_tracepoint_open(const std::string& name, int prog_fd, uint64_t cookie) {
  RawTpAttr attr{};
  attr.name = reinterpret_cast<uintptr_t>(name.c_str());
  attr.prog_fd = static_cast<uint32_t>(prog_fd);
  attr.cookie = cookie;
  // Without a cookie, pass the pre-6.10 size so older kernels accept it.
  const size_t size = cookie != 0 ? sizeof(attr) : offsetof(RawTpAttr, pad);
  long fd = syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, size);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

}  // namespace pwru::kernel
