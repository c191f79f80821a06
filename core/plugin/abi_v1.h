// SPDX-License-Identifier: Apache-2.0
// Minimum sizes of the plugin ABI 1.0 structs (internal to core/plugin).
#pragma once

#include <pwru/plugin.h>

#include <cstddef>

namespace pwru::plugin::abi {

// A struct's size as ABI 1.0 laid it out: the end of its last 1.0 field.
// These, not sizeof(), are the minimum sizes a reader accepts: sizeof()
// grows when a later minor appends fields, and a plugin built against 1.0
// must keep loading in a host built against 1.1.
#define PWRU_ABI_END_OF(type, field) (offsetof(type, field) + sizeof(type::field))
inline constexpr std::size_t kDescriptorSize = PWRU_ABI_END_OF(pwru_plugin_v1, ops);
inline constexpr std::size_t kSinkOpsSize = PWRU_ABI_END_OF(pwru_sink_ops_v1, close);
inline constexpr std::size_t kFilterOpsSize = PWRU_ABI_END_OF(pwru_filter_ops_v1, build);
inline constexpr std::size_t kFilterSpecSize = PWRU_ABI_END_OF(pwru_filter_spec_v1, code);
inline constexpr std::size_t kFilterCodeSize = PWRU_ABI_END_OF(pwru_filter_code_v1, what);
#undef PWRU_ABI_END_OF

// The host checks each field it reads against `size`. Only 1.0 exists, so
// every 1.0 field is covered by the minimum sizes above; when plugin.h gains
// a minor, add the size checks for its fields (and the minimums per minor
// the plugin declares), then update this assertion.
static_assert(PWRU_ABI_MAJOR == 1 && PWRU_ABI_MINOR == 0,
              "plugin.h changed its ABI version: review core/plugin/abi_v1.h and the checks "
              "in core/plugin/library.cpp and instance.cpp");

}  // namespace pwru::plugin::abi
