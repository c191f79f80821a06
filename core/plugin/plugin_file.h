// SPDX-License-Identifier: Apache-2.0
// Plugin kinds and the file naming rule: kind K, name N <=> "pwru-K-N.so".
#pragma once

#include <pwru/plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pwru::plugin {

// The values are the ABI's enum pwru_plugin_kind.
enum class Kind : uint32_t {
  sink = PWRU_KIND_SINK,
  filter = PWRU_KIND_FILTER,
  selector = PWRU_KIND_SELECTOR,
};

// "sink", "filter", "selector".
std::string_view to_string(Kind kind) noexcept;
// The inverse of to_string(); nullopt for anything else.
std::optional<Kind> parse_kind(std::string_view text) noexcept;
// A descriptor's `kind` field; nullopt for values this pwru does not know.
std::optional<Kind> kind_from_abi(uint32_t value) noexcept;

// Names are letters, digits, '-' and '_': they become part of a file name,
// so nothing from a config file can steer the search out of a plugin
// directory ("../x") or into a hidden file.
bool is_valid_plugin_name(std::string_view name) noexcept;

// "pwru-sink-text.so". Does not validate `name`.
std::string plugin_file_name(Kind kind, std::string_view name);

struct PluginFileName {
  Kind kind;
  std::string name;
};
// Splits "pwru-sink-text.so" into {sink, "text"}; nullopt when the name does
// not follow the rule (unknown kind, empty or invalid name, other suffix).
std::optional<PluginFileName> parse_plugin_file_name(std::string_view file_name);

}  // namespace pwru::plugin
