// SPDX-License-Identifier: Apache-2.0
// BPF_RAW_TRACEPOINT_OPEN with a BPF cookie (kernel >= 6.10). libbpf 1.1
// predates the cookie field, so this issues the syscall itself.
#pragma once

#include <cstdint>
#include <string>

namespace pwru::kernel {

// Returns the link fd, or -errno.
int raw_tracepoint_open(const std::string& name, int prog_fd, uint64_t cookie);

}  // namespace pwru::kernel
