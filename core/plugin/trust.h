// SPDX-License-Identifier: Apache-2.0
// The trust check every plugin file passes before it is loaded.
//
// pwru runs as root and loading a library runs its constructors, so a
// plugin file is refused unless nobody but root could have written it: the
// file, and every directory from the file's up to the search-path
// directory it was found in, must be owned by root and not writable by
// group or others. When the file is reached through a symlink, the
// directories above the link's target are checked too, up to "/".
//
// Order and TOCTOU: the directories are checked first, then the file is
// opened and checked with fstat() on that descriptor. Once every directory
// is root-owned and writable only by root, no other user can replace the
// file between the check and dlopen(); the file itself, root-owned and not
// writable by others, cannot be rewritten either.
//
// --allow-untrusted-plugins ([run] allow-untrusted-plugins) loads such a
// file anyway, with one warning per plugin file.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace pwru::plugin {

// Called with a plugin file's path and the search-path directory it was
// found in, before dlopen(); throws PluginError to refuse the file.
using TrustCheck = std::function<void(const std::filesystem::path& file, const std::filesystem::path& root)>;

// Why `file` (found in `root`) is not trusted, as "directory /x is writable
// by others (mode 0777)"; "" when it is trusted. Owners accepted: root and
// `owner_uid` (the checks pass geteuid(): root when pwru traces; a user
// running --list-plugins from their own build tree is not refused).
std::string untrusted_reason(const std::filesystem::path& file, const std::filesystem::path& root,
                             unsigned owner_uid);

// The default check: throws PluginError "plugin FILE: untrusted: REASON
// (...--allow-untrusted-plugins...)" for an untrusted file.
void check_plugin_trust(const std::filesystem::path& file, const std::filesystem::path& root);

// check_plugin_trust, or with `allow_untrusted` a check that logs one
// warning per untrusted file and lets it load.
TrustCheck make_trust_check(bool allow_untrusted);

}  // namespace pwru::plugin
