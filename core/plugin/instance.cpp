// SPDX-License-Identifier: Apache-2.0
#include "plugin/instance.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "plugin/abi_v1.h"
#include "plugin/plugin_error.h"

namespace pwru::plugin {

namespace detail {

// Everything one instance needs, at a stable address: pwru_host_v1.ctx and
// the error buffer are handed to the plugin, so this never moves; the
// public instance classes are move-only handles to it.
struct InstanceCore {
  // First member, so it is released last: after destroy() has returned and
  // nothing of the plugin's is left to run.
  std::shared_ptr<const Library> lib;
  std::string label;  // "plugin 'text'"
  pwru_host_v1 host{};
  std::array<char, kErrorBufferSize> err_buf{};
  pwru_error err{};
  void* inst = nullptr;
  bool opened = false;
  bool closed = false;
  pwru_filter_spec_v1 spec{};

  explicit InstanceCore(std::shared_ptr<const Library> library);
  InstanceCore(const InstanceCore&) = delete;
  InstanceCore& operator=(const InstanceCore&) = delete;
  ~InstanceCore();

  // A cleared error buffer for the next call into the plugin.
  pwru_error* fresh_error() noexcept {
    err_buf.fill('\0');
    err.buf = err_buf.data();
    err.len = err_buf.size();
    return &err;
  }
  // "plugin 'text': <the plugin's message>" after `op` returned `rc`.
  std::string failure(std::string_view op, int rc) const;
  // Calls the plugin; a C++ exception escaping it (a plugin bug the C ABI
  // forbids) becomes an error instead of unwinding through the host.
  template <typename F>
  int call(F&& f) noexcept {
    try {
      return std::forward<F>(f)();
    } catch (...) {
      std::snprintf(err_buf.data(), err_buf.size(), "%s",
                    "a C++ exception escaped the plugin across the C ABI (a bug in the plugin)");
      return -EPROTO;
    }
  }
  void close_quietly() noexcept;
};

}  // namespace detail

namespace {

using detail::InstanceCore;

spdlog::level::level_enum to_spdlog(int level) {
  switch (level) {
    case PWRU_LOG_DEBUG:
      return spdlog::level::debug;
    case PWRU_LOG_INFO:
      return spdlog::level::info;
    case PWRU_LOG_WARN:
      return spdlog::level::warn;
    case PWRU_LOG_ERROR:
      return spdlog::level::err;
    default:
      return spdlog::level::info;
  }
}

// pwru_host_v1.log: one line on pwru's diagnostic stream, "[plugin text] ...".
// The name comes from the validated library, not from the plugin's argument.
// C language linkage to match the ABI's function pointer type; being
// extern "C", the symbol is global despite the unnamed namespace.
extern "C" void pwru_plugin_host_log(void* ctx, int level, const char* /*plugin*/,
                                     const char* msg) noexcept {
  try {
    const auto* core = static_cast<const InstanceCore*>(ctx);
    std::string_view text = msg != nullptr ? msg : "(null)";
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    spdlog::log(to_spdlog(level), "[plugin {}] {}", core->lib->name(), text);
  } catch (...) {
    // Logging must never throw into plugin code.
  }
}

std::string errno_name(int rc) {
  const int e = rc == INT_MIN ? 0 : (rc < 0 ? -rc : rc);
  return std::generic_category().message(e);
}

void check_spec(const InstanceCore& c, const pwru_filter_spec_v1& spec) {
  const auto bad = [&](const std::string& why) {
    return PluginError(c.label + ": invalid filter spec: " + why);
  };
  if (spec.size < abi::kFilterSpecSize)
    throw bad("size " + std::to_string(spec.size) +
              " is smaller than a plugin ABI 1.0 filter spec (" +
              std::to_string(abi::kFilterSpecSize) + " bytes)");
  constexpr uint32_t kKnownMeta = PWRU_META_MARK | PWRU_META_NETNS | PWRU_META_IFINDEX;
  if ((spec.meta_flags & ~kKnownMeta) != 0) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%x", spec.meta_flags & ~kKnownMeta);
    throw bad(std::string("unknown meta_flags bits ") + hex);
  }
  // One code per slot at most: ABI 1.0 knows two slots, 1.4 two more
  // (the tunnel's inner packet).
  const uint32_t kSlots = c.lib->descriptor().abi_minor >= abi::kTunnelSlotMinor ? 4 : 2;
  if (spec.ncode > kSlots)
    throw bad("ncode is " + std::to_string(spec.ncode) + ", more than the " +
              std::to_string(kSlots) + " slots there are");
  if (spec.ncode > 0 && spec.code == nullptr)
    throw bad("ncode is " + std::to_string(spec.ncode) + " but code is NULL");
  // A cap on what the host will copy; the kernel's own limit is 1M too.
  constexpr uint32_t kMaxInsns = 1'000'000;
  bool seen[4 + 1] = {};
  for (uint32_t i = 0; i < spec.ncode; ++i) {
    const std::string at = "code[" + std::to_string(i) + "]";
    const pwru_filter_code_v1* code = spec.code[i];
    if (code == nullptr) throw bad(at + " is NULL");
    if (code->size < abi::kFilterCodeSize)
      throw bad(at + " size " + std::to_string(code->size) +
                " is smaller than a plugin ABI 1.0 filter code (" +
                std::to_string(abi::kFilterCodeSize) + " bytes)");
    if (code->slot < PWRU_SLOT_PCAP_L2 || code->slot > kSlots)
      throw bad(at + " has unknown slot " + std::to_string(code->slot));
    if (seen[code->slot]) throw bad(at + " fills slot " + std::to_string(code->slot) + " again");
    seen[code->slot] = true;
    switch (code->mode) {
      case PWRU_CODE_INSNS:
        if (code->insn_cnt == 0) throw bad(at + " is in INSNS mode with insn_cnt 0");
        if (code->insn_cnt > kMaxInsns)
          throw bad(at + " has insn_cnt " + std::to_string(code->insn_cnt) + ", more than " +
                    std::to_string(kMaxInsns));
        if (code->insns == nullptr) throw bad(at + " is in INSNS mode with insns NULL");
        break;
      case PWRU_CODE_ACCEPT_ALL:
      case PWRU_CODE_REJECT_ALL:
        break;
      default:
        throw bad(at + " has unknown mode " + std::to_string(code->mode));
    }
  }
  // ABI 1.3: BPF C code. FilterInstance::build() has cleared the field for
  // plugins that declare an older minor (they cannot know it).
  if (spec.size < abi::kFilterSpecBpfSize || spec.bpf_object == nullptr) return;
  const pwru_bpf_object_v1& o = *spec.bpf_object;
  if (o.size < abi::kBpfObjectSize)
    throw bad("bpf_object size " + std::to_string(o.size) + " is smaller than a plugin ABI 1.3 BPF object (" +
              std::to_string(abi::kBpfObjectSize) + " bytes)");
  if (o.elf == nullptr || o.elf_size == 0) throw bad("bpf_object has no ELF bytes");
  constexpr size_t kMaxObject = size_t{64} << 20;
  if (o.elf_size > kMaxObject)
    throw bad("bpf_object is " + std::to_string(o.elf_size) + " bytes, more than " +
              std::to_string(kMaxObject) + " (64 MiB)");
}

std::unique_ptr<InstanceCore> create_core(std::shared_ptr<const Library> lib, Kind want,
                                          std::string_view toml_text, std::string_view origin) {
  if (!lib) throw std::invalid_argument("plugin instance: library is null");
  if (lib->kind() != want)
    throw PluginError("plugin '" + lib->name() + "' is a " + std::string(to_string(lib->kind())) +
                      " plugin, not a " + std::string(to_string(want)) + " plugin");
  auto core = std::make_unique<InstanceCore>(std::move(lib));
  auto& c = *core;
  const std::string toml(toml_text);
  const std::string from = origin.empty() ? c.label : std::string(origin);
  const auto& d = c.lib->descriptor();
  pwru_error* err = c.fresh_error();
  void* inst = nullptr;
  c.call([&] {
    inst = d.create(&c.host, toml.c_str(), from.c_str(), err);
    return 0;
  });
  if (inst == nullptr) {
    if (c.err_buf[0] == '\0')
      throw PluginError(c.label + ": create failed for " + from +
                        " and the plugin gave no message");
    throw PluginError(c.failure("create", 0));
  }
  c.inst = inst;
  return core;
}

}  // namespace

namespace detail {

InstanceCore::InstanceCore(std::shared_ptr<const Library> library)
    : lib(std::move(library)), label("plugin '" + lib->name() + "'") {
  host.size = sizeof(host);
  host.abi_minor = PWRU_ABI_MINOR;
  host.ctx = this;
  host.log = &pwru_plugin_host_log;
  fresh_error();
}

InstanceCore::~InstanceCore() {
  if (inst == nullptr) return;
  if (lib->kind() == Kind::sink) close_quietly();
  const auto destroy = lib->descriptor().destroy;
  call([&] {
    destroy(inst);
    return 0;
  });
  inst = nullptr;
}

void InstanceCore::close_quietly() noexcept {
  if (!opened || closed) return;
  closed = true;
  const auto close = lib->sink_ops().close;
  if (close == nullptr) return;
  const int rc = call([&] { return close(inst, fresh_error()); });
  if (rc != 0) {
    try {
      spdlog::warn("{}", failure("close", rc));
    } catch (...) {
    }
  }
}

std::string InstanceCore::failure(std::string_view op, int rc) const {
  // The plugin may have filled the buffer without a NUL or with several
  // lines; the message is made one line and never read past the buffer.
  std::string msg(err_buf.data(), strnlen(err_buf.data(), err_buf.size()));
  for (char& ch : msg)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  while (!msg.empty() && msg.back() == ' ') msg.pop_back();
  if (msg.empty()) {
    msg = std::string(op) + " failed";
    if (rc != 0) msg += " with error " + std::to_string(rc) + " (" + errno_name(rc) + ")";
    msg += " and the plugin gave no message";
  }
  return label + ": " + msg;
}

}  // namespace detail

// ---- SinkInstance ----------------------------------------------------------

SinkInstance::SinkInstance(std::unique_ptr<InstanceCore> core) : core_(std::move(core)) {}
SinkInstance::SinkInstance(SinkInstance&&) noexcept = default;
SinkInstance& SinkInstance::operator=(SinkInstance&&) noexcept = default;
SinkInstance::~SinkInstance() = default;

SinkInstance SinkInstance::create(std::shared_ptr<const Library> library,
                                  std::string_view toml_text, std::string_view origin) {
  return SinkInstance(create_core(std::move(library), Kind::sink, toml_text, origin));
}

InstanceCore& SinkInstance::core() const {
  if (!core_) throw std::logic_error("use of a moved-from plugin SinkInstance");
  return *core_;
}

const Library& SinkInstance::library() const { return *core().lib; }
const std::string& SinkInstance::name() const { return core().lib->name(); }
bool SinkInstance::is_open() const { return core().opened && !core().closed; }

pwru_sink_needs_v1 SinkInstance::needs() {
  auto& c = core();
  pwru_sink_needs_v1 n{};
  n.size = sizeof(n);
  const auto& d = c.lib->descriptor();
  const auto& ops = c.lib->sink_ops();
  // A 1.0/1.1 plugin's table may end at close: never read past its size.
  if (d.abi_minor < abi::kSinkNeedsMinor || ops.size < abi::kSinkOpsNeedsSize || ops.needs == nullptr)
    return n;
  const int rc = c.call([&] { return ops.needs(c.inst, &n, c.fresh_error()); });
  if (rc != 0) throw PluginError(c.failure("needs", rc));
  n.size = sizeof(n);
  constexpr uint32_t kKnown = PWRU_NEED_PACKET | PWRU_NEED_WHOLE_STREAM;
  if ((n.flags & ~kKnown) != 0) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%x", n.flags & ~kKnown);
    throw PluginError(c.label + ": invalid sink needs: unknown flags " + hex);
  }
  if ((n.flags & PWRU_NEED_PACKET) != 0 && n.snaplen == 0)
    throw PluginError(c.label + ": invalid sink needs: PWRU_NEED_PACKET with snaplen 0");
  if ((n.flags & PWRU_NEED_PACKET) == 0) n.snaplen = 0;
  return n;
}

void SinkInstance::open(const pwru_session_v1& session) {
  auto& c = core();
  if (c.opened) throw PluginError(c.label + ": open() called twice");
  if (session.out == nullptr) throw PluginError(c.label + ": the session has no writer");
  const auto open = c.lib->sink_ops().open;
  const int rc = c.call([&] { return open(c.inst, &session, c.fresh_error()); });
  if (rc != 0) throw PluginError(c.failure("open", rc));
  c.opened = true;
}

void SinkInstance::write(std::span<const pwru_event_v1* const> events) {
  auto& c = core();
  if (!c.opened) throw PluginError(c.label + ": write() before open()");
  if (c.closed) throw PluginError(c.label + ": write() after close()");
  if (events.empty()) return;
  const auto write = c.lib->sink_ops().write;
  const int rc =
      c.call([&] { return write(c.inst, events.data(), events.size(), c.fresh_error()); });
  if (rc != 0) throw PluginError(c.failure("write", rc));
}

void SinkInstance::flush() {
  auto& c = core();
  const auto flush = c.lib->sink_ops().flush;
  if (!c.opened || c.closed || flush == nullptr) return;
  const int rc = c.call([&] { return flush(c.inst, c.fresh_error()); });
  if (rc != 0) throw PluginError(c.failure("flush", rc));
}

void SinkInstance::close() {
  auto& c = core();
  if (!c.opened || c.closed) return;
  // Marked first: a failing close is not retried by the destructor.
  c.closed = true;
  const auto close = c.lib->sink_ops().close;
  if (close == nullptr) return;
  const int rc = c.call([&] { return close(c.inst, c.fresh_error()); });
  if (rc != 0) throw PluginError(c.failure("close", rc));
}

// ---- FilterInstance --------------------------------------------------------

FilterInstance::FilterInstance(std::unique_ptr<InstanceCore> core) : core_(std::move(core)) {}
FilterInstance::FilterInstance(FilterInstance&&) noexcept = default;
FilterInstance& FilterInstance::operator=(FilterInstance&&) noexcept = default;
FilterInstance::~FilterInstance() = default;

FilterInstance FilterInstance::create(std::shared_ptr<const Library> library,
                                      std::string_view toml_text, std::string_view origin) {
  return FilterInstance(create_core(std::move(library), Kind::filter, toml_text, origin));
}

InstanceCore& FilterInstance::core() const {
  if (!core_) throw std::logic_error("use of a moved-from plugin FilterInstance");
  return *core_;
}

const Library& FilterInstance::library() const { return *core().lib; }
const std::string& FilterInstance::name() const { return core().lib->name(); }

const pwru_filter_spec_v1& FilterInstance::build(const pwru_filter_env_v1& env) {
  auto& c = core();
  pwru_filter_env_v1 e = env;
  e.size = sizeof(e);
  c.spec = pwru_filter_spec_v1{};
  c.spec.size = sizeof(c.spec);
  const auto build = c.lib->filter_ops().build;
  const int rc = c.call([&] { return build(c.inst, &e, &c.spec, c.fresh_error()); });
  if (rc != 0) {
    c.spec = pwru_filter_spec_v1{};
    throw PluginError(c.failure("build", rc));
  }
  // A field a plugin of an older minor cannot know about is not read.
  if (c.lib->descriptor().abi_minor < abi::kBpfObjectMinor && c.spec.size >= abi::kFilterSpecBpfSize)
    c.spec.bpf_object = nullptr;
  try {
    check_spec(c, c.spec);
  } catch (...) {
    c.spec = pwru_filter_spec_v1{};
    throw;
  }
  return c.spec;
}

// ---- SelectorInstance ------------------------------------------------------

SelectorInstance::SelectorInstance(std::unique_ptr<InstanceCore> core) : core_(std::move(core)) {}
SelectorInstance::SelectorInstance(SelectorInstance&&) noexcept = default;
SelectorInstance& SelectorInstance::operator=(SelectorInstance&&) noexcept = default;
SelectorInstance::~SelectorInstance() = default;

SelectorInstance SelectorInstance::create(std::shared_ptr<const Library> library,
                                          std::string_view toml_text, std::string_view origin) {
  return SelectorInstance(create_core(std::move(library), Kind::selector, toml_text, origin));
}

InstanceCore& SelectorInstance::core() const {
  if (!core_) throw std::logic_error("use of a moved-from plugin SelectorInstance");
  return *core_;
}

const Library& SelectorInstance::library() const { return *core().lib; }
const std::string& SelectorInstance::name() const { return core().lib->name(); }

std::vector<std::size_t> SelectorInstance::select(std::span<const Candidate> candidates) {
  auto& c = core();
  if (candidates.empty()) return {};
  const std::size_t n = candidates.size();

  std::vector<pwru_candidate_v1> cands(n);
  std::vector<const pwru_candidate_v1*> ptrs(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Candidate& from = candidates[i];
    pwru_candidate_v1& to = cands[i];
    to.size = sizeof(pwru_candidate_v1);
    to.kind = from.kind;
    to.name = from.name.c_str();
    to.module = from.module.c_str();
    to.addr = from.addr;
    to.skb_pos = from.skb_pos;
    to.reason_pos = from.reason_pos;
    to.nargs = from.nargs;
    ptrs[i] = &to;
  }
  // `chosen` is followed by guard bytes: a plugin that writes past n is
  // caught here (a bug in the plugin) rather than left to corrupt the heap
  // silently. The guard cannot catch every overrun, only the common ones.
  constexpr std::size_t kGuard = 16;
  constexpr uint8_t kGuardByte = 0xa5;
  std::vector<uint8_t> chosen(n + kGuard, 0);
  std::fill(chosen.begin() + static_cast<std::ptrdiff_t>(n), chosen.end(), kGuardByte);

  const auto select = c.lib->selector_ops().select;
  const int rc =
      c.call([&] { return select(c.inst, ptrs.data(), n, chosen.data(), c.fresh_error()); });
  if (rc != 0) throw PluginError(c.failure("select", rc));

  const auto bad = [&](const std::string& why) {
    return PluginError(c.label + ": invalid selection: " + why);
  };
  for (std::size_t i = n; i < chosen.size(); ++i)
    if (chosen[i] != kGuardByte)
      throw bad("the plugin wrote past the end of chosen[] (" + std::to_string(n) + " entries)");
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (chosen[i] == 1) {
      out.push_back(i);
    } else if (chosen[i] != 0) {
      throw bad("chosen[" + std::to_string(i) + "] (" + candidates[i].name + ") is " +
                std::to_string(chosen[i]) + ", not 0 or 1");
    }
  }
  return out;
}

}  // namespace pwru::plugin
