// SPDX-License-Identifier: Apache-2.0
// Library: one plugin file, loaded with Boost.DLL and validated.
#pragma once

#include <pwru/plugin.h>

#include <filesystem>
#include <memory>
#include <string>

#include "plugin/plugin_file.h"
#include "plugin/trust.h"

namespace boost::dll {
class shared_library;
}

namespace pwru::plugin {

// A loaded plugin library whose descriptor passed every check: ABI version,
// sizes, required functions, and kind and name agreeing with the file name.
//
// Always held by std::shared_ptr: the host's cache and every instance
// created from it share it, so the library is unloaded only after the last
// instance has been destroyed, whatever order the owners go away in.
class Library {
 public:
  // Runs `trust` on `file` (found in search-path directory `root`; "" =
  // the file's own directory), loads it (RTLD_NOW | RTLD_LOCAL, see library.cpp)
  // and validates the descriptor. Throws PluginError, one line naming the
  // file and the case, e.g. "plugin /p/pwru-sink-x.so: needs plugin ABI 1.2,
  // this pwru speaks 1.1". Plugins built for an older minor of the same
  // major load; a newer minor is refused.
  static std::shared_ptr<const Library> load(const std::filesystem::path& file,
                                             const TrustCheck& trust = check_plugin_trust,
                                             const std::filesystem::path& root = {});

  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  Library(Library&&) = delete;
  Library& operator=(Library&&) = delete;

  Kind kind() const noexcept { return kind_; }
  const std::string& name() const noexcept { return name_; }
  // The descriptor's free-form strings; "" where the plugin gave NULL.
  const std::string& version() const noexcept { return version_; }
  const std::string& description() const noexcept { return description_; }
  const std::string& config_doc() const noexcept { return config_doc_; }
  // The ABI the plugin was built against, "1.0".
  std::string abi() const;
  const std::filesystem::path& path() const noexcept { return path_; }

  // The validated descriptor (plugin-owned, static storage).
  const pwru_plugin_v1& descriptor() const noexcept { return *desc_; }
  // The kind's function table. Throws std::logic_error for the wrong kind.
  const pwru_sink_ops_v1& sink_ops() const;
  const pwru_filter_ops_v1& filter_ops() const;
  const pwru_selector_ops_v1& selector_ops() const;

 private:
  Library();

  // First member, so it is destroyed last: nothing below points into the
  // library once it is unloaded (the strings are copies).
  std::unique_ptr<boost::dll::shared_library> lib_;
  const pwru_plugin_v1* desc_ = nullptr;
  Kind kind_ = Kind::sink;
  std::string name_;
  std::string version_;
  std::string description_;
  std::string config_doc_;
  std::filesystem::path path_;
};

}  // namespace pwru::plugin
