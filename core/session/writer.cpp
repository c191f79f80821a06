// SPDX-License-Identifier: Apache-2.0
#include "session/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "util/error.h"

namespace pwru::session {

Writer Writer::open(const std::string& path) {
  if (path.empty() || path == "-") return Writer(STDOUT_FILENO, false, "stdout");
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw UsageError(sys_error("cannot open output file '" + path + "'"));
  return Writer(fd, true, path);
}

Writer::Writer(int fd, bool owned, std::string path) : fd_(fd), owned_(owned), path_(std::move(path)) {
  abi_.size = sizeof(abi_);
  abi_.is_terminal = ::isatty(fd) ? 1 : 0;
  abi_.ctx = this;
  abi_.write = &Writer::write_cb;
  abi_.flush = &Writer::flush_cb;
}

Writer::Writer(Writer&& o) noexcept
    : fd_(o.fd_), owned_(o.owned_), broken_pipe_(o.broken_pipe_), path_(std::move(o.path_)), abi_(o.abi_) {
  abi_.ctx = this;
  o.owned_ = false;
  o.fd_ = -1;
}

Writer::~Writer() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

int Writer::write_cb(void* ctx, const void* buf, size_t len) {
  auto* w = static_cast<Writer*>(ctx);
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t n = ::write(w->fd_, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) w->broken_pipe_ = true;
      return -errno;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

int Writer::flush_cb(void* /*ctx*/) { return 0; }  // writes are unbuffered

}  // namespace pwru::session
