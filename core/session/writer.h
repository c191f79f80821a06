// SPDX-License-Identifier: Apache-2.0
// Where a sink's bytes go: stdout or an appended file, exposed to plugins
// as struct pwru_writer_v1. Every write() goes to the kernel whole.
#pragma once

#include <cstddef>
#include <string>

#include <pwru/plugin.h>

namespace pwru::session {

class Writer {
 public:
  // "" or "-" is stdout; anything else a file opened for appending (its
  // directory is created) — cilium/pwru appends too.
  static Writer open(const std::string& path);
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) = delete;
  Writer(const Writer&) = delete;
  ~Writer();

  const pwru_writer_v1* abi() const { return &abi_; }
  const std::string& path() const { return path_; }
  // True once the reader went away (EPIPE): the trace should end quietly.
  bool broken_pipe() const { return broken_pipe_; }

 private:
  Writer(int fd, bool owned, std::string path);
  static int write_cb(void* ctx, const void* buf, size_t len);
  static int flush_cb(void* ctx);
  int fd_;
  bool owned_;
  bool broken_pipe_ = false;
  std::string path_;
  pwru_writer_v1 abi_{};
};

}  // namespace pwru::session
