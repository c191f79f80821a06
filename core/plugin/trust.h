// SPDX-License-Identifier: Apache-2.0
// The trust check every plugin file passes before it is loaded.
#pragma once

#include <filesystem>
#include <functional>

namespace pwru::plugin {

// Called with a plugin file's path before dlopen(); throws PluginError to
// refuse the file. Loading runs the library's constructors as root, so this
// is the one place a refusal can still prevent harm.
using TrustCheck = std::function<void(const std::filesystem::path& file)>;

// The default check. Today it accepts every file.
//
// Seam for the trust issue (ARCHITECTURE.md section 4, "Trust"): refuse a
// plugin file, or any directory above it, that is writable by group or
// others or not owned by root, unless an explicit option overrides it
// loudly. Implement it here; PluginHost and load_library() already call it
// before loading and list() reports its refusals like any other error.
void check_plugin_trust(const std::filesystem::path& file);

}  // namespace pwru::plugin
