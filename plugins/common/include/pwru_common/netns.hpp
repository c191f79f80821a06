// SPDX-License-Identifier: Apache-2.0
// Network namespace references as users write them (--filter-netns):
//   /proc/<pid>/ns/net, /run/netns/NAME or any other nsfs file  -> its inode
//   inode:<n>                                                   -> n
//   NAME (no '/')                                               -> /run/netns/NAME
// The last form is our addition (cilium/pwru needs the full path).
#pragma once

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "pwru_common/parse.hpp"

namespace pwru::common {

struct NetnsRef {
  std::string text;  // as the user wrote it
  std::string path;  // the nsfs file; empty for inode:<n>
  uint32_t inode = 0;
};

// Throws std::invalid_argument with a one-line message naming `flag` and the value.
inline NetnsRef parse_netns(const std::string& value, const std::string& flag) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("invalid " + flag + " value '" + value + "': " + why);
  };
  NetnsRef ref;
  ref.text = value;
  if (value.empty()) throw bad("empty");
  if (value.rfind("inode:", 0) == 0) {
    auto n = parse_uint(std::string_view(value).substr(6), UINT32_MAX);
    if (!n || *n == 0) throw bad("inode must be a number between 1 and 4294967295");
    ref.inode = static_cast<uint32_t>(*n);
    return ref;
  }
  ref.path = value.find('/') == std::string::npos ? "/run/netns/" + value : value;
  int fd = ::open(ref.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (value.find('/') == std::string::npos)
      throw bad("no such named namespace (" + ref.path + ": " + std::strerror(e) +
                "); use /proc/<pid>/ns/net, /run/netns/NAME or inode:<n>");
    throw bad(std::strerror(e));
  }
  struct statfs sfs {};
  struct stat st {};
  bool is_netns = ::fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC &&
                  ::ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET && ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!is_netns) throw bad("not a network namespace file (expected /proc/<pid>/ns/net or /run/netns/NAME)");
  ref.inode = static_cast<uint32_t>(st.st_ino);
  return ref;
}

// Runs fn() on a helper thread that has joined the namespace at `path`
// (network namespaces are per thread, so the calling thread is untouched).
// An empty path runs fn() in the caller's namespace. Returns an error text
// or "" on success.
inline std::string run_in_netns(const std::string& path, const std::function<void()>& fn) {
  if (path.empty()) {
    fn();
    return {};
  }
  std::string err;
  std::thread t([&] {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      err = "cannot open " + path + ": " + std::strerror(errno);
      return;
    }
    if (::setns(fd, CLONE_NEWNET) != 0) {
      err = "cannot enter network namespace " + path + ": " + std::strerror(errno);
      ::close(fd);
      return;
    }
    ::close(fd);
    try {
      fn();
    } catch (const std::exception& e) {
      err = e.what();
    }
  });
  t.join();
  return err;
}

}  // namespace pwru::common
