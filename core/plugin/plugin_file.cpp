// SPDX-License-Identifier: Apache-2.0
#include "plugin/plugin_file.h"

namespace pwru::plugin {

namespace {
constexpr std::string_view kPrefix = "pwru-";
constexpr std::string_view kSuffix = ".so";
}  // namespace

std::string_view to_string(Kind kind) noexcept {
  switch (kind) {
    case Kind::sink:
      return "sink";
    case Kind::filter:
      return "filter";
    case Kind::selector:
      return "selector";
  }
  return "unknown";
}

std::optional<Kind> parse_kind(std::string_view text) noexcept {
  for (Kind k : {Kind::sink, Kind::filter, Kind::selector})
    if (text == to_string(k)) return k;
  return std::nullopt;
}

std::optional<Kind> kind_from_abi(uint32_t value) noexcept {
  switch (value) {
    case PWRU_KIND_SINK:
      return Kind::sink;
    case PWRU_KIND_FILTER:
      return Kind::filter;
    case PWRU_KIND_SELECTOR:
      return Kind::selector;
    default:
      return std::nullopt;
  }
}

bool is_valid_plugin_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string plugin_file_name(Kind kind, std::string_view name) {
  std::string s(kPrefix);
  s += to_string(kind);
  s += '-';
  s += name;
  s += kSuffix;
  return s;
}

std::optional<PluginFileName> parse_plugin_file_name(std::string_view file_name) {
  if (!file_name.starts_with(kPrefix) || !file_name.ends_with(kSuffix)) return std::nullopt;
  std::string_view rest = file_name.substr(kPrefix.size());
  rest.remove_suffix(kSuffix.size());
  const auto dash = rest.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto kind = parse_kind(rest.substr(0, dash));
  const std::string_view name = rest.substr(dash + 1);
  if (!kind || !is_valid_plugin_name(name)) return std::nullopt;
  return PluginFileName{*kind, std::string(name)};
}

}  // namespace pwru::plugin
