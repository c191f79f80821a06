// SPDX-License-Identifier: Apache-2.0
// A filter plugin's BPF C code (plugin ABI 1.3): checked, then linked into
// pwru's own kernel program with libbpf's static linker.
//
// Why link instead of freplace: BPF_PROG_TYPE_EXT needs kernel support that
// many hosts lack (this project's CI kernel among them), and it would cost
// an extra program per entry. Linking before load makes the plugin's
// function an ordinary subprogram of every entry program: it works on any
// kernel that verifies global functions (5.6+) and every backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pwru::bpf {

// The symbol a filter object defines (<pwru/bpf/filter.bpf.h>).
inline constexpr const char* kBpfFilterSymbol = "pwru_bpf_filter";

// Throws pwru::Error (one line) unless `elf` is a relocatable BPF ELF
// object that defines pwru_bpf_filter as a global, non-weak function and
// defines no BPF programs (executable sections other than .text).
void check_filter_object(const uint8_t* elf, size_t size);

// Links `core` (pwru's own object) and then `filter` with libbpf's static
// linker; the filter's strong pwru_bpf_filter replaces the core's weak
// default. Returns the linked ELF object. Throws pwru::Error with the
// linker's message (e.g. a pwru_bpf_filter with the wrong parameters).
std::vector<uint8_t> link_filter_object(const void* core, size_t core_size, const uint8_t* filter,
                                        size_t filter_size);

}  // namespace pwru::bpf
