// SPDX-License-Identifier: Apache-2.0
#include "plugin/trust.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "plugin/plugin_error.h"
#include "util/fd.h"

namespace pwru::plugin {

namespace fs = std::filesystem;

namespace {

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Why the object `what` (e.g. "directory /x") with status `st` is not
// trusted, or "".
std::string judge(const std::string& what, const struct stat& st, unsigned owner_uid) {
  if (st.st_uid != 0 && st.st_uid != owner_uid)
    return what + " is owned by uid " + std::to_string(st.st_uid) + ", not root" +
           (owner_uid == 0 ? std::string() : " or uid " + std::to_string(owner_uid));
  const bool group = (st.st_mode & S_IWGRP) != 0;
  const bool others = (st.st_mode & S_IWOTH) != 0;
  if (group || others)
    return what + " is writable by " + (group && others ? "group and others" : group ? "group" : "others") +
           " (mode " + mode_text(st.st_mode) + ")";
  return {};
}

// `sticky_ok`: a root-owned sticky directory (/tmp) is accepted even when
// others can write it, since nobody else can rename or remove root's
// entries in it. Only for the directories above a symlink's target: the
// search-path chain itself must not be writable by anyone but root.
std::string judge_dir(const fs::path& dir, unsigned owner_uid, bool sticky_ok = false) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return "cannot check directory " + dir.string() + ": " + std::strerror(errno);
  if (sticky_ok && st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0) return {};
  return judge("directory " + dir.string(), st, owner_uid);
}

// The directories from `file`'s own up to `stop` (inclusive), or up to "/"
// when `stop` is empty or not above `file`.
std::vector<fs::path> dirs_up_to(const fs::path& file, const fs::path& stop) {
  std::vector<fs::path> out;
  fs::path dir = file.parent_path();
  while (!dir.empty()) {
    out.push_back(dir);
    if (!stop.empty() && dir == stop) break;
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return out;
}

fs::path normal(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  fs::path n = (ec ? p : abs).lexically_normal();
  if (!n.has_filename() && n.has_parent_path() && n != n.root_path()) n = n.parent_path();
  return n;
}

}  // namespace

std::string untrusted_reason(const fs::path& file_in, const fs::path& root_in, unsigned owner_uid) {
  const fs::path file = normal(file_in);
  const fs::path root = root_in.empty() ? file.parent_path() : normal(root_in);

  // 1. The directories, top-down, so that a trusted chain is established
  //    before anything below it is looked at.
  auto dirs = dirs_up_to(file, root);
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
    if (auto why = judge_dir(*it, owner_uid); !why.empty()) return why;

  // 2. Through a symlink: the target's directories too, up to "/" (where a
  //    root-owned sticky directory such as /tmp is accepted).
  std::error_code ec;
  const fs::path real = fs::canonical(file, ec);
  if (!ec && real != file) {
    auto real_dirs = dirs_up_to(real, {});
    for (auto it = real_dirs.rbegin(); it != real_dirs.rend(); ++it)
      if (auto why = judge_dir(*it, owner_uid, true); !why.empty()) return why;
  }

  // 3. The file, checked on the opened descriptor.
  // O_NONBLOCK: a FIFO planted under the name must not hang pwru here.
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return "cannot open file " + file.string() + ": " + std::strerror(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return "cannot check file " + file.string() + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "file " + file.string() + " is not a regular file";
  return judge("file " + file.string(), st, owner_uid);
}

namespace {

std::string untrusted_message(const fs::path& file, const std::string& why) {
  return "plugin " + file.string() + ": untrusted: " + why;
}

}  // namespace

void check_plugin_trust(const fs::path& file, const fs::path& root) {
  if (auto why = untrusted_reason(file, root, ::geteuid()); !why.empty())
    throw PluginError(untrusted_message(file, why) +
                      " (pwru runs as root; fix the ownership and permissions, or pass "
                      "--allow-untrusted-plugins)");
}

TrustCheck make_trust_check(bool allow_untrusted) {
  if (!allow_untrusted) return check_plugin_trust;
  return [](const fs::path& file, const fs::path& root) {
    if (auto why = untrusted_reason(file, root, ::geteuid()); !why.empty())
      spdlog::warn("{}; loading it anyway (--allow-untrusted-plugins)", untrusted_message(file, why));
  };
}

}  // namespace pwru::plugin
