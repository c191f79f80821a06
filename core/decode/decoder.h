// SPDX-License-Identifier: Apache-2.0
// Turns ring buffer records (struct pwru_kevent) into the plugin ABI's
// struct pwru_event_v1, resolving names through cached lookups.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "decode/resolvers.h"
#include "kernel/kallsyms.h"
#include "pwru_event.h"

namespace pwru::decode {

// One decoded event with its own copies of everything it points to: the
// ring buffer memory a record lives in is handed back to the kernel as soon
// as the record's callback returns.
struct EventSlot {
  pwru_event_v1 ev;
  char comm[17];
  uint8_t packet[PWRU_PKT_BUF];
  uint64_t stack_ips[PWRU_STACK_DEPTH];
  const char* stack_syms[PWRU_STACK_DEPTH];
  // Output flags (ABI 1.4 event fields point here).
  uint64_t metadata_raw[PWRU_SKB_METADATA_MAX];
  std::array<std::string, PWRU_SKB_METADATA_MAX> metadata_text;
  const char* metadata_text_ptrs[PWRU_SKB_METADATA_MAX];
  char skb_btf[PWRU_BTF_TEXT];
  char shinfo_btf[PWRU_BTF_TEXT];
  // --output-bpfmap (ABI 1.5 event fields point here).
  char bpfmap_name[17];
  uint8_t bpfmap_key[PWRU_BPFMAP_DATA];
  uint8_t bpfmap_value[PWRU_BPFMAP_DATA];
};

// The --output-skb-metadata (or --output-xdp-metadata) expressions as the
// kernel program evaluates them, in order; format(i, raw) gives value i's
// text.
struct MetadataSpec {
  std::vector<std::string> exprs;  // "skb->mark"
  std::vector<std::string> names;  // "mark"
  std::function<std::string(size_t, uint64_t)> format;
};

class Decoder {
 public:
  Decoder(const std::vector<attach::Probe>& probes, const std::map<uint64_t, std::string>& reasons,
          int64_t mono_to_wall_ns);

  // Decodes one record into `slot`. Returns false (and counts it) if it is
  // malformed. Strings in slot.ev point into the decoder's caches (valid
  // for the decoder's life) or into the slot itself.
  bool decode(const void* data, size_t size, EventSlot& slot);

  uint64_t malformed() const { return malformed_; }
  ProcessNames& processes() { return procs_; }
  // Resolve callers and stacks (--output-caller, --output-stack) with
  // these symbols.
  void enable_symbols(std::shared_ptr<const kernel::Kallsyms> syms) { syms_ = std::move(syms); }
  // Which fixed-size regions follow each record: as the kernel program was
  // loaded (pwru_bpf_config.output_packet / output_stack; pwru_event.h).
  void set_record_regions(bool packet, bool stack) {
    packet_region_ = packet;
    stack_region_ = stack;
  }
  // The output-flags regions after the packet and stack regions, as the
  // kernel program was loaded (pwru_outflags_config; pwru_event.h).
  // `metadata` names the skb events' metadata values, `xdp_metadata` the
  // XDP events' (PWRU_PROBE_XDP probes; same event fields).
  void set_outflags(const pwru_outflags_config& ocfg, MetadataSpec metadata, MetadataSpec xdp_metadata = {});
  // Fill pwru_event_v1.netns_name from /run/netns (--output-netns-names).
  void enable_netns_names(std::string dir = "/run/netns") { netns_names_.emplace(std::move(dir)); }

 private:
  const std::vector<attach::Probe>& probes_;
  std::unordered_map<uint64_t, std::string> reasons_;
  int64_t mono_to_wall_;
  ProcessNames procs_;
  InterfaceNames ifaces_;
  std::optional<NetnsNames> netns_names_;
  std::shared_ptr<const kernel::Kallsyms> syms_;
  bool packet_region_ = false;
  bool stack_region_ = false;
  size_t stack_offset() const { return packet_region_ ? PWRU_PKT_BUF : 0; }
  size_t ext_offset() const { return stack_offset() + (stack_region_ ? PWRU_STACK_BYTES : 0); }
  void decode_outflags(const uint8_t* rec, size_t size, EventSlot& slot);
  void decode_bpfmap(const uint8_t* rec, size_t size, EventSlot& slot);
  pwru_outflags_config ocfg_{};
  // One MetadataSpec with the C string arrays the event points to.
  struct Metadata {
    MetadataSpec spec;
    std::vector<const char*> expr_ptrs;
    std::vector<const char*> name_ptrs;
    void set(MetadataSpec s);
  };
  Metadata metadata_;
  Metadata xdp_metadata_;
  uint64_t malformed_ = 0;
};

}  // namespace pwru::decode
