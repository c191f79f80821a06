// SPDX-License-Identifier: Apache-2.0
// Minimum sizes of the plugin ABI 1.x structs (internal to core/plugin).
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
// ABI 1.1: selector plugins. A selector declares abi_minor >= 1.
inline constexpr unsigned kSelectorMinor = 1;
inline constexpr std::size_t kSelectorOpsSize = PWRU_ABI_END_OF(pwru_selector_ops_v1, select);
// ABI 1.2: pwru_sink_ops_v1.needs. Read only from a plugin that declares
// abi_minor >= 2 and whose ops table is at least this large.
inline constexpr unsigned kSinkNeedsMinor = 2;
inline constexpr std::size_t kSinkOpsNeedsSize = PWRU_ABI_END_OF(pwru_sink_ops_v1, needs);
// ABI 1.3: pwru_filter_spec_v1.bpf_object. Read only from a plugin that
// declares abi_minor >= 3; the host allocates the spec (its own size), so
// the field is there and zero unless the plugin set it.
inline constexpr unsigned kBpfObjectMinor = 3;
inline constexpr std::size_t kFilterSpecBpfSize = PWRU_ABI_END_OF(pwru_filter_spec_v1, bpf_object);
inline constexpr std::size_t kBpfObjectSize = PWRU_ABI_END_OF(pwru_bpf_object_v1, what);
// ABI 1.4: the tunnel filter slots (PWRU_SLOT_TUNNEL_L2/L3), accepted only
// from a plugin that declares abi_minor >= 4. (The 1.4 event fields are
// produced by the host, which sets pwru_event_v1.size.)
inline constexpr unsigned kTunnelSlotMinor = 4;
#undef PWRU_ABI_END_OF

// The host checks each field it reads against `size`. 1.1 added no field to
// a struct that plugins fill in for 1.0 (descriptor, sink and filter ops,
// filter spec and code): it added the selector structs, which a plugin only
// produces when it declares 1.1, and pwru_event_v1.netns_name, which the host
// produces. So the minimum sizes above still cover every field the host
// reads. 1.2 appended pwru_sink_ops_v1.needs: SinkInstance::needs() reads
// it only when the plugin declares 1.2 and its ops table covers the field
// (kSinkOpsNeedsSize); a 1.0/1.1 sink's table may end right after close.
// 1.3 appended pwru_filter_spec_v1.bpf_object: check_spec() reads it only
// when the plugin declares 1.3 and the spec still covers it. 1.4 appended
// host-produced event fields and two slot numbers: check_spec() accepts the
// tunnel slots only from a plugin that declares 1.4. 1.5 appended
// host-produced event fields only (the BPF map of --output-bpfmap): no
// plugin-filled struct changed, so nothing more is checked.
// When plugin.h gains a minor, add the size checks for its fields (and
// the minimums per minor the plugin declares), then update this assertion.
static_assert(PWRU_ABI_MAJOR == 1 && PWRU_ABI_MINOR == 5,
              "plugin.h changed its ABI version: review core/plugin/abi_v1.h and the checks "
              "in core/plugin/library.cpp and instance.cpp");

}  // namespace pwru::plugin::abi
