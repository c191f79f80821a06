// SPDX-License-Identifier: Apache-2.0
#include "decode/decoder.h"

#include <bpf/bpf.h>

#include <cstring>

#include "pwru_event.h"

namespace pwru::decode {

Decoder::Decoder(const std::vector<attach::Probe>& probes,
                 const std::map<uint64_t, std::string>& reasons, int64_t mono_to_wall_ns)
    : probes_(probes), reasons_(reasons.begin(), reasons.end()), mono_to_wall_(mono_to_wall_ns) {}

bool Decoder::decode(const void* data, size_t size, EventSlot& slot) {
  pwru_event_v1& ev = slot.ev;
  if (size < sizeof(pwru_kevent)) {
    ++malformed_;
    return false;
  }
  pwru_kevent k;
  std::memcpy(&k, data, sizeof(k));
  if (k.probe_id >= probes_.size() || k.caplen > PWRU_PKT_BUF) {
    ++malformed_;
    return false;
  }
  const attach::Probe& probe = probes_[k.probe_id];

  ev = pwru_event_v1{};
  ev.size = sizeof(ev);
  ev.skb = k.skb;
  ev.ktime_ns = k.ts;
  ev.wall_ns = static_cast<uint64_t>(static_cast<int64_t>(k.ts) + mono_to_wall_);
  ev.cpu = k.cpu;
  ev.pid = k.pid;
  static_assert(sizeof(k.comm) == 16 && sizeof(slot.comm) == 17);
  std::memcpy(slot.comm, k.comm, sizeof(k.comm));
  slot.comm[16] = '\0';
  ev.comm = slot.comm;
  ev.process = procs_.get(k.pid, slot.comm).c_str();
  ev.probe_id = k.probe_id;
  ev.probe_kind = probe.kind;
  ev.func = probe.name.c_str();
  ev.func_addr = k.ip != 0 ? k.ip : probe.addr;

  if (k.flags & PWRU_KEV_REASON) {
    ev.flags |= PWRU_EV_DROP_REASON;
    ev.drop_reason = k.reason;
    auto it = reasons_.find(k.reason);
    ev.drop_reason_name = it == reasons_.end() ? nullptr : it->second.c_str();
  }
  if (k.flags & PWRU_KEV_META) {
    ev.flags |= PWRU_EV_META;
    ev.netns = k.netns;
    ev.mark = k.mark;
    ev.ifindex = k.ifindex;
    ev.len = k.len;
    ev.mtu = k.mtu;
    ev.protocol = k.protocol;
    ev.ifname = ifaces_.get(k.netns, k.ifindex);
    if (netns_names_) ev.netns_name = netns_names_->get(k.netns);
  }
  if (k.flags & PWRU_KEV_TUPLE) {
    ev.flags |= PWRU_EV_TUPLE;
    static_assert(sizeof(ev.tuple) == sizeof(k.tuple));
    std::memcpy(&ev.tuple, &k.tuple, sizeof(k.tuple));
  }
  if ((k.flags & PWRU_KEV_CALLER) && syms_) {
    ev.flags |= PWRU_EV_CALLER;
    ev.caller_addr = k.caller;
    std::string_view n = syms_->nearest(k.caller);
    ev.caller = n.empty() ? "" : n.data();  // views whole std::strings: NUL-terminated
  }
  if ((k.flags & PWRU_KEV_STACK) && syms_ && stack_region_ &&
      k.stack_bytes <= PWRU_STACK_BYTES && k.stack_bytes % 8 == 0 &&
      size >= sizeof(k) + stack_offset() + PWRU_STACK_BYTES) {
    std::memcpy(slot.stack_ips, static_cast<const uint8_t*>(data) + sizeof(k) + stack_offset(), k.stack_bytes);
    uint32_t n = 0;
    bool own = true;  // still in pwru's own frames (raw tracepoints start there)
    for (uint32_t i = 0; i < k.stack_bytes / 8 && slot.stack_ips[i] != 0; ++i) {
      std::string_view s = syms_->nearest(slot.stack_ips[i]);
      // A raw tracepoint's stack begins with our BPF program and the
      // kernel's bpf_trace_run<N>: not the packet's path, so dropped.
      if (own && (s.ends_with("[bpf]") || s.starts_with("bpf_trace_run"))) continue;
      own = false;
      slot.stack_ips[n] = slot.stack_ips[i];
      slot.stack_syms[n] = s.empty() ? "" : s.data();
      ++n;
    }
    ev.flags |= PWRU_EV_STACK;
    ev.nstack = n;
    ev.stack_ips = slot.stack_ips;
    ev.stack_syms = slot.stack_syms;
  }
  ev.caplen = k.caplen;
  ev.wirelen = k.wirelen;
  ev.linktype = (k.flags & PWRU_KEV_L2) ? PWRU_LINKTYPE_ETHERNET : PWRU_LINKTYPE_RAW;
  if ((k.flags & PWRU_KEV_PACKET) && size >= sizeof(k) + k.caplen) {
    ev.flags |= PWRU_EV_PACKET;
    std::memcpy(slot.packet, static_cast<const uint8_t*>(data) + sizeof(k), k.caplen);
    ev.packet = slot.packet;
  }
  return true;
}

}  // namespace pwru::decode
