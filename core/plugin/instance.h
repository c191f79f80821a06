// SPDX-License-Identifier: Apache-2.0
// SinkInstance, FilterInstance and SelectorInstance: RAII owners of one
// plugin instance.
#pragma once

#include <pwru/plugin.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/library.h"

namespace pwru::plugin {

// Bytes of the host-owned error buffer a plugin writes its message into.
inline constexpr std::size_t kErrorBufferSize = 512;

namespace detail {
struct InstanceCore;
}  // namespace detail

// A sink plugin instance: open(session) -> write(batch)... -> flush -> close.
//
// Move-only. The destructor calls close() if open() succeeded and close()
// was not called (logging, not throwing, a failure), then the plugin's
// destroy(). The instance keeps its Library loaded, so it may outlive the
// PluginHost that created it. Not thread-safe: one thread at a time.
//
// Every method that calls the plugin throws PluginError
// "plugin 'text': <the plugin's message>" when the plugin returns non-zero.
class SinkInstance {
 public:
  // Calls the plugin's create() with `toml_text` (its own TOML table, maybe
  // empty) and `origin` (where the table came from, for messages).
  static SinkInstance create(std::shared_ptr<const Library> library, std::string_view toml_text,
                             std::string_view origin);

  SinkInstance(SinkInstance&&) noexcept;
  SinkInstance& operator=(SinkInstance&&) noexcept;
  ~SinkInstance();

  const Library& library() const;
  const std::string& name() const;

  // ABI 1.2: what the sink needs the kernel side to capture. Calls the
  // plugin's needs() only when it declares abi_minor >= 2, its ops table
  // covers the field and the pointer is set; otherwise (older plugins)
  // returns a zeroed struct (nothing needed). Validates the answer: known
  // flags only, snaplen >= 1 with PWRU_NEED_PACKET. Before open().
  pwru_sink_needs_v1 needs();
  // Once, before any write(). `session` (and what it points to, including
  // the writer) must stay valid until close() returns or the instance dies.
  void open(const pwru_session_v1& session);
  // A batch of events in order; only between open() and close().
  void write(std::span<const pwru_event_v1* const> events);
  void write(const pwru_event_v1* const* events, std::size_t n) { write({events, n}); }
  // Calls the plugin's flush, if it has one and the sink is open.
  void flush();
  // Calls the plugin's close, if it has one and open() succeeded; once.
  void close();
  // open() succeeded and close() was not called yet.
  bool is_open() const;

 private:
  explicit SinkInstance(std::unique_ptr<detail::InstanceCore> core);
  detail::InstanceCore& core() const;
  std::unique_ptr<detail::InstanceCore> core_;
};

// A filter plugin instance. Move-only; the destructor calls destroy().
class FilterInstance {
 public:
  static FilterInstance create(std::shared_ptr<const Library> library, std::string_view toml_text,
                               std::string_view origin);

  FilterInstance(FilterInstance&&) noexcept;
  FilterInstance& operator=(FilterInstance&&) noexcept;
  ~FilterInstance();

  const Library& library() const;
  const std::string& name() const;

  // Calls the plugin's build() and validates the result: spec and code
  // sizes, known meta flags, slots and modes, non-NULL code pointers,
  // instructions present in INSNS mode, no slot twice. The spec and what
  // it points to live until the next build() or the instance's end.
  const pwru_filter_spec_v1& build(const pwru_filter_env_v1& env);

 private:
  explicit FilterInstance(std::unique_ptr<detail::InstanceCore> core);
  detail::InstanceCore& core() const;
  std::unique_ptr<detail::InstanceCore> core_;
};

// One probe point offered to selectors: the host-side twin of
// pwru_candidate_v1 (SelectorInstance::select builds the C structs).
struct Candidate {
  uint32_t kind = PWRU_PROBE_KPROBE;  // PWRU_PROBE_KPROBE or PWRU_PROBE_TRACEPOINT
  std::string name;                   // BTF name: "ip_rcv", "kfree_skb"
  std::string module = "vmlinux";     // or the module, "veth"
  uint64_t addr = 0;                  // kallsyms address, 0 if unknown (tracepoints: 0)
  uint32_t skb_pos = 0;               // 1..5
  uint32_t reason_pos = 0;            // 0 or 1..5
  uint32_t nargs = 0;
};

// A selector plugin instance (ABI 1.1). Move-only; the destructor calls
// destroy(). Not thread-safe.
class SelectorInstance {
 public:
  static SelectorInstance create(std::shared_ptr<const Library> library,
                                 std::string_view toml_text, std::string_view origin);

  SelectorInstance(SelectorInstance&&) noexcept;
  SelectorInstance& operator=(SelectorInstance&&) noexcept;
  ~SelectorInstance();

  const Library& library() const;
  const std::string& name() const;

  // Calls the plugin's select() on `candidates` and returns the indices of
  // the chosen ones, ascending. The host zeroes the plugin's `chosen` array
  // and refuses a result with a byte other than 0 or 1, or one written past
  // the end of the array. No candidates: returns {} without calling the
  // plugin. Throws PluginError "plugin 'skb-funcs': <message>".
  std::vector<std::size_t> select(std::span<const Candidate> candidates);

 private:
  explicit SelectorInstance(std::unique_ptr<detail::InstanceCore> core);
  detail::InstanceCore& core() const;
  std::unique_ptr<detail::InstanceCore> core_;
};

}  // namespace pwru::plugin
