// SPDX-License-Identifier: Apache-2.0
// Name caches used while decoding: process "exe:pid" and interface names
// per network namespace. Returned pointers stay valid for the cache's life.
#pragma once

#include <chrono>
#include <deque>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace pwru::decode {

class ProcessNames {
 public:
  // "<exe>:<pid>" from /proc/<pid>/exe; the comm when the process is gone;
  // "<empty>:0" for pid 0. Cached per pid (as cilium/pwru does).
  const std::string& get(uint32_t pid, const char* comm);
  void set_proc_root(std::string root) { proc_ = std::move(root); }

 private:
  std::string proc_ = "/proc";
  std::unordered_map<uint32_t, std::string> cache_;
};

class InterfaceNames {
 public:
  // Name of ifindex in the namespace with inode `netns`, or nullptr.
  // Misses trigger a rescan of namespaces at most once per second.
  const char* get(uint32_t netns, uint32_t ifindex);

 private:
  void rescan();
  // (netns << 32 | ifindex) -> name. Names live in an append-only arena so
  // a pointer handed out stays valid even if a rescan renames the entry.
  std::unordered_map<uint64_t, const std::string*> names_;
  std::deque<std::string> arena_;
  std::unordered_set<uint64_t> misses_;
  std::chrono::steady_clock::time_point last_scan_{};
  bool scanned_ = false;
};

// Names of network namespaces, as `ip netns` knows them (/run/netns/NAME),
// by inode (cilium/pwru --output-netns-names). A miss rescans the folder at
// most once per second, so namespaces created after start get names too.
class NetnsNames {
 public:
  explicit NetnsNames(std::string dir = "/run/netns") : dir_(std::move(dir)) {}
  const char* get(uint32_t inode);

 private:
  void rescan();
  std::string dir_;
  std::unordered_map<uint32_t, const std::string*> names_;
  std::deque<std::string> arena_;
  std::chrono::steady_clock::time_point last_scan_{};
  bool scanned_ = false;
};

// Lists (ifindex, name) of the namespace open at `netns_fd`.
std::unordered_map<uint32_t, std::string> list_interfaces(int netns_fd);

// Inode of a network namespace file (e.g. /proc/self/ns/net), 0 on error.
uint32_t netns_inode(const std::string& path);

}  // namespace pwru::decode
