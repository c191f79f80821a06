// SPDX-License-Identifier: Apache-2.0
#include "decode/resolvers.h"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "util/fd.h"

namespace pwru::decode {

const std::string& ProcessNames::get(uint32_t pid, const char* comm) {
  auto it = cache_.find(pid);
  if (it != cache_.end()) return it->second;
  std::string s;
  if (pid != 0) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink(proc_ + "/" + std::to_string(pid) + "/exe", ec);
    if (!ec && !exe.empty()) {
      s = exe.string();
      // A replaced binary reads as "path (deleted)"; keep the path.
      constexpr std::string_view kDeleted = " (deleted)";
      if (s.size() > kDeleted.size() && s.ends_with(kDeleted)) s.resize(s.size() - kDeleted.size());
    } else if (comm != nullptr && comm[0] != '\0') {
      s.assign(comm, strnlen(comm, 16));
    }
  }
  if (s.empty()) s = "<empty>";
  s += ":" + std::to_string(pid);
  return cache_.emplace(pid, std::move(s)).first->second;
}

uint32_t netns_inode(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint32_t>(st.st_ino);
}

std::unordered_map<uint32_t, std::string> list_interfaces(int netns_fd) {
  std::unordered_map<uint32_t, std::string> out;
  // setns() changes the calling thread only, so enter the namespace on a
  // short-lived thread and leave pwru's own threads where they are.
  std::thread t([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) return;
    struct if_nameindex* ifs = if_nameindex();
    if (ifs == nullptr) return;
    for (auto* p = ifs; p->if_index != 0 && p->if_name != nullptr; ++p) out.emplace(p->if_index, p->if_name);
    if_freenameindex(ifs);
  });
  t.join();
  return out;
}

void InterfaceNames::rescan() {
  // Every namespace we can name: ours, the named ones, every process's.
  std::map<uint32_t, std::string> by_inode;
  auto add = [&](const std::string& path) {
    uint32_t ino = netns_inode(path);
    if (ino != 0) by_inode.emplace(ino, path);
  };
  add("/proc/self/ns/net");
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) add(e.path().string());
  if (DIR* d = ::opendir("/proc")) {
    while (struct dirent* de = ::readdir(d)) {
      if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
      add(std::string("/proc/") + de->d_name + "/ns/net");
    }
    ::closedir(d);
  }
  for (const auto& [ino, path] : by_inode) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    for (auto& [idx, name] : list_interfaces(fd.get())) {
      const std::string*& slot = names_[(static_cast<uint64_t>(ino) << 32) | idx];
      if (slot == nullptr || *slot != name) slot = &arena_.emplace_back(std::move(name));
    }
  }
  misses_.clear();
  last_scan_ = std::chrono::steady_clock::now();
  scanned_ = true;
}

const char* InterfaceNames::get(uint32_t netns, uint32_t ifindex) {
  if (ifindex == 0) return nullptr;
  const uint64_t key = (static_cast<uint64_t>(netns) << 32) | ifindex;
  auto it = names_.find(key);
  if (it != names_.end()) return it->second->c_str();
  if (misses_.contains(key) &&
      std::chrono::steady_clock::now() - last_scan_ < std::chrono::seconds(1))
    return nullptr;
  if (!scanned_ || std::chrono::steady_clock::now() - last_scan_ >= std::chrono::seconds(1)) rescan();
  it = names_.find(key);
  if (it != names_.end()) return it->second->c_str();
  misses_.insert(key);
  return nullptr;
}

}  // namespace pwru::decode

namespace pwru::decode {

void NetnsNames::rescan() {
  std::error_code ec;
  std::map<std::string, uint32_t> found;  // sorted: the first name wins for an inode
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    uint32_t ino = netns_inode(e.path().string());
    if (ino != 0) found.emplace(e.path().filename().string(), ino);
  }
  for (const auto& [name, ino] : found) {
    const std::string*& slot = names_[ino];
    if (slot == nullptr || *slot != name) slot = &arena_.emplace_back(name);
  }
  last_scan_ = std::chrono::steady_clock::now();
  scanned_ = true;
}

const char* NetnsNames::get(uint32_t inode) {
  if (inode == 0) return nullptr;
  auto it = names_.find(inode);
  if (it != names_.end()) return it->second->c_str();
  if (scanned_ && std::chrono::steady_clock::now() - last_scan_ < std::chrono::seconds(1)) return nullptr;
  rescan();
  it = names_.find(inode);
  return it != names_.end() ? it->second->c_str() : nullptr;
}

}  // namespace pwru::decode
