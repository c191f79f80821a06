// SPDX-License-Identifier: Apache-2.0
#include "util/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace pwru {
namespace {

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool has_cap(const __user_cap_data_struct (&d)[2], int cap) {
  return (d[cap / 32].effective & (1u << (cap % 32))) != 0;
}

}  // namespace

std::string missing_privileges() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return "cannot read the process capabilities";
  if (has_cap(data, CAP_SYS_ADMIN)) return {};
  if (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON) && has_cap(data, CAP_NET_ADMIN)) return {};
  return "pwru must run as root (it needs CAP_SYS_ADMIN, or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)";
}

}  // namespace pwru
