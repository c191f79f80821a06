// SPDX-License-Identifier: Apache-2.0
#include "plugin/library.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "plugin/abi_v1.h"
#include "plugin/plugin_error.h"

namespace pwru::plugin {

namespace fs = std::filesystem;

namespace {

// How plugin libraries are opened, and why:
//  - rtld_now: resolve every symbol at dlopen() time, so a plugin built
//    against a library version that is missing here is refused when it is
//    loaded, with the missing symbol and the file named, instead of killing
//    pwru mid-trace ("symbol lookup error") the first time a lazily bound
//    function is called.
//  - rtld_local: a plugin's symbols do not become visible to libraries
//    loaded later. Every SDK plugin carries its own copies of the SDK's
//    inline code and every plugin exports pwru_plugin_entry_v1; global
//    symbols would let one plugin's definitions interpose on the next one's.
//  Not rtld_deepbind: it breaks the sanitizers' and the C++ runtime's
//  interposition (operator new/delete, malloc) and gains nothing once the
//  plugins' own symbols are hidden by default (PwruPlugin.cmake).
//  No search_system_folders or append_decorations: the host passes the
//  exact path it found, and nothing else is ever loaded.
constexpr auto kLoadMode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;

using EntryFn = std::remove_pointer_t<pwru_plugin_entry_v1_fn>;

std::string abi_text(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

const std::string kHostAbi = abi_text(PWRU_ABI_MAJOR, PWRU_ABI_MINOR);

std::string str_or_empty(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// dlerror() repeats the file name; the message already starts with it.
std::string dl_message(const fs::path& file, const std::error_code& ec) {
  const char* e = dlerror();
  if (e == nullptr) return ec.message();
  std::string_view msg(e);
  const std::string prefix = file.string() + ": ";
  if (msg.starts_with(prefix)) msg.remove_prefix(prefix.size());
  return std::string(msg);
}

// Some other major's entry symbol, for "built for plugin ABI N". The ABI
// keeps the major in the symbol name, so probing a few names is exact;
// reading the ELF symbol table instead would fail on stripped libraries.
int other_entry_major(const boost::dll::shared_library& lib) {
  for (int major = 0; major < 100; ++major) {
    if (major == PWRU_ABI_MAJOR) continue;
    if (lib.has("pwru_plugin_entry_v" + std::to_string(major))) return major;
  }
  return -1;
}

}  // namespace

Library::Library() = default;
Library::~Library() = default;

std::string Library::abi() const { return abi_text(desc_->abi_major, desc_->abi_minor); }

const pwru_sink_ops_v1& Library::sink_ops() const {
  if (kind_ != Kind::sink) throw std::logic_error("plugin '" + name_ + "' is not a sink");
  return *static_cast<const pwru_sink_ops_v1*>(desc_->ops);
}

const pwru_filter_ops_v1& Library::filter_ops() const {
  if (kind_ != Kind::filter) throw std::logic_error("plugin '" + name_ + "' is not a filter");
  return *static_cast<const pwru_filter_ops_v1*>(desc_->ops);
}

const pwru_selector_ops_v1& Library::selector_ops() const {
  if (kind_ != Kind::selector) throw std::logic_error("plugin '" + name_ + "' is not a selector");
  return *static_cast<const pwru_selector_ops_v1*>(desc_->ops);
}

std::shared_ptr<const Library> Library::load(const fs::path& file, const TrustCheck& trust,
                                             const fs::path& root) {
  const auto fail = [&](const std::string& why) {
    return PluginError("plugin " + file.string() + ": " + why);
  };

  const auto fname = parse_plugin_file_name(file.filename().string());
  if (!fname) throw fail("the file name does not follow pwru-<sink|filter|selector>-<name>.so");

  // The trust check runs before dlopen(): loading runs the library's
  // constructors, as root.
  if (trust) trust(file, root.empty() ? file.parent_path() : root);

  std::shared_ptr<Library> self(new Library());
  self->path_ = file;
  self->lib_ = std::make_unique<boost::dll::shared_library>();
  auto& lib = *self->lib_;

  std::error_code ec;
  dlerror();  // Clear a stale message so the one read below is this load's.
  lib.load(file, kLoadMode, ec);
  if (ec || !lib.is_loaded()) throw fail("cannot load library: " + dl_message(file, ec));

  if (!lib.has(PWRU_PLUGIN_ENTRY_V1_NAME)) {
    const int major = other_entry_major(lib);
    if (major >= 0)
      throw fail("built for plugin ABI " + std::to_string(major) + ", this pwru speaks " +
                 std::to_string(PWRU_ABI_MAJOR) + " (the library exports pwru_plugin_entry_v" +
                 std::to_string(major) + ", not " PWRU_PLUGIN_ENTRY_V1_NAME ")");
    throw fail("not a pwru plugin or built for another ABI major: no symbol " +
               std::string(PWRU_PLUGIN_ENTRY_V1_NAME));
  }

  EntryFn& entry = lib.get<EntryFn>(PWRU_PLUGIN_ENTRY_V1_NAME);
  const pwru_plugin_v1* d = nullptr;
  try {
    d = entry();
  } catch (...) {
    throw fail(std::string(PWRU_PLUGIN_ENTRY_V1_NAME) +
               "() threw a C++ exception across the C ABI (a bug in the plugin)");
  }
  if (d == nullptr) throw fail(std::string(PWRU_PLUGIN_ENTRY_V1_NAME) + "() returned NULL");

  // The version fields come first so that even a short descriptor from
  // another ABI gets the more useful message.
  constexpr std::size_t kVersionEnd = offsetof(pwru_plugin_v1, abi_minor) + sizeof(uint16_t);
  if (d->size >= kVersionEnd) {
    if (d->abi_major != PWRU_ABI_MAJOR)
      throw fail("built for plugin ABI " + abi_text(d->abi_major, d->abi_minor) +
                 ", this pwru speaks " + kHostAbi);
    if (d->abi_minor > PWRU_ABI_MINOR)
      throw fail("needs plugin ABI " + abi_text(d->abi_major, d->abi_minor) +
                 ", this pwru speaks " + kHostAbi);
  }
  if (d->size < abi::kDescriptorSize)
    throw fail("descriptor is " + std::to_string(d->size) +
               " bytes, smaller than a plugin ABI 1.0 descriptor (" +
               std::to_string(abi::kDescriptorSize) + " bytes)");

  const auto kind = kind_from_abi(d->kind);
  if (!kind) throw fail("unknown plugin kind " + std::to_string(d->kind) + " in the descriptor");
  // Selectors arrived in 1.1: a descriptor claiming 1.0 cannot carry
  // selector ops that this host could trust.
  if (*kind == Kind::selector && d->abi_minor < abi::kSelectorMinor)
    throw fail("selector plugins need plugin ABI " + abi_text(PWRU_ABI_MAJOR, abi::kSelectorMinor) +
               " or later (1.0 defines no selector ops), the plugin was built for " +
               abi_text(d->abi_major, d->abi_minor) + "; this pwru speaks " + kHostAbi);
  if (d->name == nullptr || d->name[0] == '\0') throw fail("the descriptor has no name (required)");
  if (*kind != fname->kind || fname->name != d->name)
    throw fail("the descriptor says " + std::string(to_string(*kind)) + " '" + d->name +
               "' but the file name says " + std::string(to_string(fname->kind)) + " '" +
               fname->name + "'");

  std::string missing;
  const auto require = [&](bool present, const char* what) {
    if (present) return;
    if (!missing.empty()) missing += ", ";
    missing += what;
  };
  require(d->create != nullptr, "create");
  require(d->destroy != nullptr, "destroy");
  require(d->ops != nullptr, "ops");
  if (!missing.empty()) throw fail("the descriptor lacks required field(s): " + missing);

  missing.clear();
  if (*kind == Kind::sink) {
    const auto* ops = static_cast<const pwru_sink_ops_v1*>(d->ops);
    if (ops->size < abi::kSinkOpsSize)
      throw fail("the sink ops table is " + std::to_string(ops->size) +
                 " bytes, smaller than a plugin ABI 1.0 sink ops table (" +
                 std::to_string(abi::kSinkOpsSize) + " bytes)");
    require(ops->open != nullptr, "open");
    require(ops->write != nullptr, "write");
  } else if (*kind == Kind::filter) {
    const auto* ops = static_cast<const pwru_filter_ops_v1*>(d->ops);
    if (ops->size < abi::kFilterOpsSize)
      throw fail("the filter ops table is " + std::to_string(ops->size) +
                 " bytes, smaller than a plugin ABI 1.0 filter ops table (" +
                 std::to_string(abi::kFilterOpsSize) + " bytes)");
    require(ops->build != nullptr, "build");
  } else {
    const auto* ops = static_cast<const pwru_selector_ops_v1*>(d->ops);
    if (ops->size < abi::kSelectorOpsSize)
      throw fail("the selector ops table is " + std::to_string(ops->size) +
                 " bytes, smaller than a plugin ABI 1.1 selector ops table (" +
                 std::to_string(abi::kSelectorOpsSize) + " bytes)");
    require(ops->select != nullptr, "select");
  }
  if (!missing.empty())
    throw fail("the " + std::string(to_string(*kind)) +
               " ops table lacks required function(s): " + missing);

  self->desc_ = d;
  self->kind_ = *kind;
  self->name_ = d->name;
  self->version_ = str_or_empty(d->version);
  self->description_ = str_or_empty(d->description);
  self->config_doc_ = str_or_empty(d->config_doc);
  return self;
}

}  // namespace pwru::plugin
