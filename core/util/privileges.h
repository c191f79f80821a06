// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace pwru {

// Empty if the process may load and attach BPF programs (CAP_SYS_ADMIN, or
// CAP_BPF with CAP_PERFMON and CAP_NET_ADMIN); otherwise why not.
std::string missing_privileges();

}  // namespace pwru
