// SPDX-License-Identifier: Apache-2.0
#include "kernel/kallsyms.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace pwru::kernel {

Kallsyms Kallsyms::parse(std::istream& in) {
  Kallsyms k;
  std::string line;
  while (std::getline(in, line)) {
    // "ffffffff81000000 T _text" or "ffffffffc0a01000 t veth_xmit\t[veth]"
    std::string_view v(line);
    size_t sp1 = v.find(' ');
    if (sp1 == std::string_view::npos) continue;
    size_t sp2 = v.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) continue;
    uint64_t addr = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + sp1, addr, 16);
    if (ec != std::errc() || p != v.data() + sp1) continue;
    std::string name(v.substr(sp2 + 1));
    std::erase(name, '\t');
    if (addr == 0 || name.empty()) continue;
    k.syms_.push_back({addr, std::move(name)});
  }
  std::stable_sort(k.syms_.begin(), k.syms_.end(),
                   [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
  for (size_t i = 0; i < k.syms_.size(); ++i) k.by_addr_.emplace(k.syms_[i].addr, i);
  return k;
}

Kallsyms Kallsyms::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error(sys_error("cannot read " + path));
  return parse(f);
}

std::string_view Kallsyms::name_at(uint64_t addr) const {
  auto it = by_addr_.find(addr);
  return it == by_addr_.end() ? std::string_view{} : std::string_view(syms_[it->second].name);
}

std::string_view Kallsyms::nearest(uint64_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](uint64_t a, const Sym& s) { return a < s.addr; });
  if (it == syms_.begin()) return {};
  return std::prev(it)->name;
}

std::vector<uint64_t> Kallsyms::addrs_of(std::string_view name) const {
  std::vector<uint64_t> out;
  for (const auto& s : syms_)
    if (s.name == name) out.push_back(s.addr);
  return out;
}

}  // namespace pwru::kernel
