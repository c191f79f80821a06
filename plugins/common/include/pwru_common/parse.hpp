// SPDX-License-Identifier: Apache-2.0
// Strict number parsing for user input: the whole string must be a number,
// no sign, no spaces, no overflow. Shared by the built-in filter plugins.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pwru::common {

// "123" or "0x7b"/"0X7B"; nullopt for anything else or > max.
inline std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace pwru::common
