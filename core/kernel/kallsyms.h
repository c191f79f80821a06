// SPDX-License-Identifier: Apache-2.0
// /proc/kallsyms: exact and nearest-symbol lookups.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pwru::kernel {

class Kallsyms {
 public:
  // Parses kallsyms text. Module symbols are named "fn[mod]" as cilium/pwru
  // names them (the tab before the module is dropped).
  static Kallsyms parse(std::istream& in);
  static Kallsyms load(const std::string& path = "/proc/kallsyms");

  // The name at exactly `addr`, or empty.
  std::string_view name_at(uint64_t addr) const;
  // The symbol with the greatest address <= addr (empty if none).
  std::string_view nearest(uint64_t addr) const;
  // Every address of a name (static functions can repeat).
  std::vector<uint64_t> addrs_of(std::string_view name) const;
  size_t size() const { return syms_.size(); }

 private:
  struct Sym {
    uint64_t addr;
    std::string name;
  };
  std::vector<Sym> syms_;  // sorted by address
  std::unordered_map<uint64_t, size_t> by_addr_;
};

}  // namespace pwru::kernel
