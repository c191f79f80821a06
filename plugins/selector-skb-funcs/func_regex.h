// SPDX-License-Identifier: Apache-2.0
// --filter-func matching with cilium/pwru's exact semantics.
//
// pwru (Go) skips a function when `reg.FindString(name) != name`: the
// LEFTMOST match, found with leftmost-first (Perl) preference, must be the
// whole name. That is not a full match: for `ip_rcv|ip_rcv_core` on
// "ip_rcv_core" the leftmost-first match is "ip_rcv", so pwru skips
// ip_rcv_core although the expression can match all of it. Go's regexp
// syntax is RE2's, so RE2 with its default options (Perl classes, UTF-8,
// leftmost-first, not longest-match) reproduces both the syntax and this
// quirk; std::regex would differ in syntax (no (?i), no \pL, ...).
#pragma once

#include <re2/re2.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace pwru::skb_funcs {

class FuncRegex {
 public:
  // An empty pattern matches every name (no --filter-func). Throws
  // std::invalid_argument "invalid --filter-func value 'X': <RE2's reason>".
  explicit FuncRegex(std::string pattern) : pattern_(std::move(pattern)) {
    if (pattern_.empty()) return;
    RE2::Options opts;
    opts.set_log_errors(false);
    re_ = std::make_unique<RE2>(pattern_, opts);
    if (!re_->ok())
      throw std::invalid_argument("invalid --filter-func value '" + pattern_ +
                                  "': " + re_->error());
  }

  const std::string& pattern() const { return pattern_; }

  // pwru's test: the leftmost match equals the whole name.
  bool matches(std::string_view name) const {
    if (!re_) return true;
    re2::StringPiece text(name.data(), name.size());
    re2::StringPiece m;
    if (!re_->Match(text, 0, text.size(), RE2::UNANCHORED, &m, 1)) return false;
    return m.data() == text.data() && m.size() == text.size();
  }

 private:
  std::string pattern_;
  std::unique_ptr<RE2> re_;
};

}  // namespace pwru::skb_funcs
