// SPDX-License-Identifier: Apache-2.0
// Routes libbpf's messages to spdlog (debug) and keeps the last lines of a
// failed load so the one-line error can end with the verifier's verdict.
#pragma once

#include <string>

namespace pwru::bpf {

// While alive, libbpf's warnings are also collected; tail() returns the
// last few as "\n"-prefixed text (empty if nothing was said).
class LibbpfLogCapture {
 public:
  LibbpfLogCapture();
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;
  std::string tail(size_t lines = 12) const;
};

// Installs the spdlog route once (idempotent).
void install_libbpf_logger();

}  // namespace pwru::bpf
