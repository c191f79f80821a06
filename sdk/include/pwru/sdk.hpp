// SPDX-License-Identifier: Apache-2.0
//
// pwru C++ plugin SDK (header-only, C++20).
//
// Write a class, add one macro, get the C ABI of plugin.h:
//
//   class MySink : public pwru::sdk::Sink {
//    public:
//     MySink(const pwru::sdk::Host& host, pwru::sdk::Config& cfg);
//     void open(const pwru_session_v1& s) override;
//     void write(std::span<const pwru_event_v1* const> evs) override;
//   };
//   PWRU_SINK_PLUGIN(MySink, "mysink", "1.0", "what it does", "key = ... # doc")
//
// Filters (pwru::sdk::Filter, PWRU_FILTER_PLUGIN) and, from ABI 1.1,
// selectors (pwru::sdk::Selector, PWRU_SELECTOR_PLUGIN) work the same way.
//
// The constructor reads its keys from `cfg`; the macro rejects keys that
// were not read. Every exception thrown by plugin code is caught at the
// boundary and becomes the one-line error the host prints.
#pragma once

#include <pwru/plugin.h>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <system_error>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

namespace pwru::sdk {

// A user-facing error: its text is shown to the user as is.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Host services wrapped for C++.
class Host {
 public:
  Host(const pwru_host_v1* h, std::string plugin) : h_(h), plugin_(std::move(plugin)) {}
  void log(int level, const std::string& msg) const {
    if (h_ != nullptr && h_->log != nullptr) h_->log(h_->ctx, level, plugin_.c_str(), msg.c_str());
  }
  void warn(const std::string& msg) const { log(PWRU_LOG_WARN, msg); }
  void info(const std::string& msg) const { log(PWRU_LOG_INFO, msg); }
  void debug(const std::string& msg) const { log(PWRU_LOG_DEBUG, msg); }

 private:
  const pwru_host_v1* h_;
  std::string plugin_;
};

// The plugin's TOML table. Every get() marks its key as known; finish()
// rejects the keys nobody asked for, naming the key and where it came from.
class Config {
 public:
  Config(std::string_view text, std::string origin) : origin_(std::move(origin)) {
    try {
      table_ = toml::parse(text, origin_);
    } catch (const toml::parse_error& e) {
      const auto& b = e.source().begin;
      throw Error(origin_ + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                  std::string(e.description()));
    }
  }

  const std::string& origin() const { return origin_; }
  const toml::table& table() const { return table_; }

  template <typename T>
  std::optional<T> get(const std::string& key) {
    known_.insert(key);
    const toml::node* n = table_.get(key);
    if (n == nullptr) return std::nullopt;
    if constexpr (std::is_same_v<T, bool>) {
      // is_boolean first: toml++'s value<bool>() would also convert 0/1.
      if (n->is_boolean()) return *n->value<bool>();
      throw type_error(key, "a boolean");
    } else if constexpr (std::is_integral_v<T>) {
      if (!n->is_integer()) throw type_error(key, "an integer");
      int64_t v = *n->value<int64_t>();
      // The unsigned compare only for v >= 0: (uint64_t)-1 would be "too big".
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
        throw Error(where(key) + ": value " + std::to_string(v) + " is out of range");
      return static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = n->value<std::string>()) return *v;
      throw type_error(key, "a string");
    } else {
      static_assert(sizeof(T) == 0, "unsupported config type");
    }
  }

  template <typename T>
  T get_or(const std::string& key, T def) {
    auto v = get<T>(key);
    return v ? *v : def;
  }

  // Throws on the first key that no get() asked for.
  void finish() const {
    for (const auto& [k, v] : table_) {
      std::string key(k.str());
      if (!known_.contains(key)) throw Error(where(key) + ": unknown key '" + key + "'");
    }
  }

  std::string where(const std::string& key) const {
    const toml::node* n = table_.get(key);
    std::string s = origin_;
    if (n != nullptr && n->source().begin.line != 0) {
      // Appended piece by piece: GCC 12 -O3 warns (-Wrestrict, a false
      // positive) on the operator+ chain.
      s.append(":").append(std::to_string(n->source().begin.line));
      s.append(":").append(std::to_string(n->source().begin.column));
    }
    s.append(": ").append(key);
    return s;
  }

 private:
  Error type_error(const std::string& key, const char* want) const {
    return Error(where(key) + ": must be " + want);
  }
  std::string origin_;
  toml::table table_;
  std::set<std::string> known_;
};

// A sink's output: the host's writer (pwru_session_v1::out) with failures
// turned into sdk::Error. After a write or flush has failed, flush() does
// nothing, so that close() does not push into a stream that is already
// broken. `who` ("text sink") names the sink in its messages.
class Output {
 public:
  explicit Output(std::string who) : who_(std::move(who)) {}

  // Throws when the host gave no writer.
  void open(const pwru_writer_v1* w) {
    if (w == nullptr || w->write == nullptr) throw Error(who_ + ": the host gave no output writer");
    w_ = w;
    failed_ = false;
  }
  bool is_open() const { return w_ != nullptr; }
  void write(const void* data, std::size_t len) {
    if (w_ == nullptr) throw Error(who_ + ": write() before open()");
    if (int rc = w_->write(w_->ctx, data, len); rc != 0) {
      failed_ = true;
      throw Error("writing output: " + rc_text(rc));
    }
  }
  void flush() {
    if (w_ == nullptr || w_->flush == nullptr || failed_) return;
    if (int rc = w_->flush(w_->ctx); rc != 0) {
      failed_ = true;
      throw Error("flushing output: " + rc_text(rc));
    }
  }
  // Flushes (unless the stream failed) and forgets the writer.
  void close() {
    flush();
    w_ = nullptr;
  }

 private:
  // The writer returns 0, -errno, or another non-zero value.
  static std::string rc_text(int rc) {
    return rc < 0 ? std::system_category().message(-rc) : "writer returned " + std::to_string(rc);
  }
  std::string who_;
  const pwru_writer_v1* w_ = nullptr;
  bool failed_ = false;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void open(const pwru_session_v1& session) = 0;
  virtual void write(std::span<const pwru_event_v1* const> events) = 0;
  virtual void flush() {}
  virtual void close() {}
  // ABI 1.2: what the kernel side must capture for this sink (`needs` is
  // zeroed, size set). The default asks for nothing extra.
  virtual void needs(pwru_sink_needs_v1& /*needs*/) {}
};

class Filter {
 public:
  virtual ~Filter() = default;
  // Fill `spec` (already zeroed, size set). Memory it points to must live
  // as long as the filter object.
  virtual void build(const pwru_filter_env_v1& env, pwru_filter_spec_v1& spec) = 0;
};

// ABI 1.3: in-kernel filter code written in BPF C (<pwru/bpf/filter.bpf.h>).
// pwru_add_plugin(... KIND filter ... BPF_SOURCES f.bpf.c) compiles f.bpf.c
// with clang -target bpf and embeds the object in the plugin; a Filter keeps
// a BpfFilterObject member and attaches it to its spec in build():
//
//   void build(const pwru_filter_env_v1&, pwru_filter_spec_v1& spec) override {
//     bpf_.attach(spec, {min_, max_}, "skb->len in [min, max]");
//   }
//
// pwru links the object into its kernel program; `args` arrive as a0..a3
// of pwru_bpf_filter (args[0..3] in PWRU_BPF_FILTER).
class BpfFilterObject {
 public:
  using Args = std::array<uint64_t, PWRU_BPF_FILTER_NARGS>;
  BpfFilterObject() = default;
  BpfFilterObject(const BpfFilterObject&) = delete;  // spec points into it
  BpfFilterObject& operator=(const BpfFilterObject&) = delete;
  void attach(pwru_filter_spec_v1& spec, const Args& args, std::string what);

 private:
  pwru_bpf_object_v1 obj_{};
  std::string what_;
};

// ABI 1.1. Chooses which of the core's candidate probe points to attach.
class Selector {
 public:
  virtual ~Selector() = default;
  // `chosen` has one byte per candidate, zeroed by the host: set
  // chosen[i] = 1 for each candidate to attach. A candidate's fields are
  // valid up to its `size` (the host's pwru_candidate_v1).
  virtual void select(std::span<const pwru_candidate_v1* const> candidates,
                      std::span<uint8_t> chosen) = 0;
};

}  // namespace pwru::sdk

// The object pwru_add_plugin(... BPF_SOURCES ...) embeds (a generated
// source defines them). Referenced only by BpfFilterObject::attach(): a
// plugin without BPF_SOURCES that calls it fails to link, naming these.
extern "C" {
__attribute__((visibility("hidden"))) extern const unsigned char pwru_bpf_object[];
__attribute__((visibility("hidden"))) extern const std::size_t pwru_bpf_object_size;
}

namespace pwru::sdk {

inline void BpfFilterObject::attach(pwru_filter_spec_v1& spec, const Args& args, std::string what) {
  what_ = std::move(what);
  obj_ = pwru_bpf_object_v1{};
  obj_.size = sizeof(obj_);
  obj_.elf = pwru_bpf_object;
  obj_.elf_size = pwru_bpf_object_size;
  for (std::size_t i = 0; i < args.size(); ++i) obj_.args[i] = args[i];
  obj_.what = what_.c_str();
  spec.bpf_object = &obj_;
}

namespace detail {

inline void set_error(pwru_error* err, const char* msg) {
  if (err == nullptr || err->buf == nullptr || err->len == 0) return;
  std::snprintf(err->buf, err->len, "%s", msg);
}

// Runs f(), turning any exception into an error code plus message.
template <typename F>
int guard(pwru_error* err, F&& f) noexcept {
  try {
    std::forward<F>(f)();
    return 0;
  } catch (const std::exception& e) {
    set_error(err, e.what());
  } catch (...) {
    set_error(err, "unknown exception in plugin");
  }
  return -1;
}

template <typename T>
concept SinkClass = std::derived_from<T, Sink> && std::constructible_from<T, const Host&, Config&>;
template <typename T>
concept FilterClass =
    std::derived_from<T, Filter> && std::constructible_from<T, const Host&, Config&>;

template <typename T>
concept SelectorClass =
    std::derived_from<T, Selector> && std::constructible_from<T, const Host&, Config&>;

struct Instance {
  Host host;
  std::unique_ptr<void, void (*)(void*)> obj;
};

template <typename T>
void* create(const char* name, const pwru_host_v1* host, const char* toml_text,
             const char* origin, pwru_error* err) noexcept {
  void* result = nullptr;
  guard(err, [&] {
    Host h(host, name);
    Config cfg(toml_text != nullptr ? toml_text : "", origin != nullptr ? origin : name);
    auto obj = std::make_unique<T>(h, cfg);
    cfg.finish();
    result = obj.release();
  });
  return result;
}

template <typename T>
void destroy(void* inst) noexcept {
  delete static_cast<T*>(inst);
}

template <SinkClass T>
constexpr pwru_sink_ops_v1 sink_ops() {
  pwru_sink_ops_v1 ops{};
  ops.size = sizeof(pwru_sink_ops_v1);
  ops.open = [](void* inst, const pwru_session_v1* s, pwru_error* err) noexcept {
    return guard(err, [&] { static_cast<T*>(inst)->open(*s); });
  };
  ops.write = [](void* inst, const pwru_event_v1* const* evs, size_t n, pwru_error* err) noexcept {
    return guard(err, [&] {
      static_cast<T*>(inst)->write(std::span<const pwru_event_v1* const>(evs, n));
    });
  };
  ops.flush = [](void* inst, pwru_error* err) noexcept {
    return guard(err, [&] { static_cast<T*>(inst)->flush(); });
  };
  ops.close = [](void* inst, pwru_error* err) noexcept {
    return guard(err, [&] { static_cast<T*>(inst)->close(); });
  };
  ops.needs = [](void* inst, pwru_sink_needs_v1* needs, pwru_error* err) noexcept {
    return guard(err, [&] { static_cast<T*>(inst)->needs(*needs); });
  };
  return ops;
}

template <FilterClass T>
constexpr pwru_filter_ops_v1 filter_ops() {
  pwru_filter_ops_v1 ops{};
  ops.size = sizeof(pwru_filter_ops_v1);
  ops.build = [](void* inst, const pwru_filter_env_v1* env, pwru_filter_spec_v1* spec,
                 pwru_error* err) noexcept {
    return guard(err, [&] { static_cast<T*>(inst)->build(*env, *spec); });
  };
  return ops;
}

template <SelectorClass T>
constexpr pwru_selector_ops_v1 selector_ops() {
  pwru_selector_ops_v1 ops{};
  ops.size = sizeof(pwru_selector_ops_v1);
  ops.select = [](void* inst, const pwru_candidate_v1* const* cands, size_t n, uint8_t* chosen,
                  pwru_error* err) noexcept {
    return guard(err, [&] {
      static_cast<T*>(inst)->select(std::span<const pwru_candidate_v1* const>(cands, n),
                                    std::span<uint8_t>(chosen, n));
    });
  };
  return ops;
}

}  // namespace detail
}  // namespace pwru::sdk

#define PWRU_SDK_EXPORT extern "C" __attribute__((visibility("default")))

// Defines the entry symbol for a plugin class. KIND_OPS is the ops builder.
#define PWRU_SDK_PLUGIN_(Class, kind_, ops_fn, name_, version_, description_, doc_)          \
  namespace {                                                                                \
  const auto pwru_plugin_ops_ = ::pwru::sdk::detail::ops_fn<Class>();                       \
  const pwru_plugin_v1 pwru_plugin_desc_ = {                                                 \
      sizeof(pwru_plugin_v1),                                                                \
      PWRU_ABI_MAJOR,                                                                        \
      PWRU_ABI_MINOR,                                                                        \
      kind_,                                                                                 \
      0,                                                                                     \
      name_,                                                                                 \
      version_,                                                                              \
      description_,                                                                          \
      doc_,                                                                                  \
      [](const pwru_host_v1* h, const char* t, const char* o, pwru_error* e) noexcept {      \
        return ::pwru::sdk::detail::create<Class>(name_, h, t, o, e);                        \
      },                                                                                     \
      &::pwru::sdk::detail::destroy<Class>,                                                  \
      &pwru_plugin_ops_,                                                                     \
  };                                                                                         \
  }                                                                                          \
  PWRU_SDK_EXPORT const pwru_plugin_v1* PWRU_PLUGIN_ENTRY_V1(void) { return &pwru_plugin_desc_; }

#define PWRU_SINK_PLUGIN(Class, name, version, description, doc) \
  PWRU_SDK_PLUGIN_(Class, PWRU_KIND_SINK, sink_ops, name, version, description, doc)

#define PWRU_FILTER_PLUGIN(Class, name, version, description, doc) \
  PWRU_SDK_PLUGIN_(Class, PWRU_KIND_FILTER, filter_ops, name, version, description, doc)

// ABI 1.1: a selector plugin (the descriptor says abi_minor >= 1).
#define PWRU_SELECTOR_PLUGIN(Class, name, version, description, doc) \
  PWRU_SDK_PLUGIN_(Class, PWRU_KIND_SELECTOR, selector_ops, name, version, description, doc)
