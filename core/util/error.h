// SPDX-License-Identifier: Apache-2.0
// Error types: UsageError is bad user input (exit code 2), Error is a
// runtime failure (exit code 1). main() maps each to one line on stderr.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pwru {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UsageError : public Error {
 public:
  using Error::Error;
};

// "what: strerror(err)"; err is a positive or negative errno.
inline std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }
inline std::string sys_error(const std::string& what, int err = errno) {
  return what + ": " + errno_text(err);
}

}  // namespace pwru
