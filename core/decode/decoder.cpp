// SPDX-License-Identifier: Apache-2.0
#include "decode/decoder.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cstring>

#include "pwru_event.h"

namespace pwru::decode {

namespace {
// A kernel name of N bytes (task comm, map name), not always NUL-ended,
// into the slot's N + 1 byte string; returns it.
template <size_t N>
const char* kernel_name(char (&dst)[N + 1], const char (&src)[N]) {
  std::memcpy(dst, src, N);
  dst[N] = '\0';
  return dst;
}
}  // namespace

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
  ev.comm = kernel_name(slot.comm, k.comm);
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
  decode_outflags(static_cast<const uint8_t*>(data), size, slot);
  if (k.flags & PWRU_KEV_BPFMAP) decode_bpfmap(static_cast<const uint8_t*>(data), size, slot);
  return true;
}

void Decoder::Metadata::set(MetadataSpec s) {
  spec = std::move(s);
  expr_ptrs.clear();
  name_ptrs.clear();
  for (const auto& e : spec.exprs) expr_ptrs.push_back(e.c_str());
  for (const auto& n : spec.names) name_ptrs.push_back(n.c_str());
}

// The bpfmap region ends the record (it follows every other region), so
// its place is the record's end whatever the other regions are.
void Decoder::decode_bpfmap(const uint8_t* rec, size_t size, EventSlot& slot) {
  const size_t at = sizeof(pwru_kevent) + ext_offset() + PWRU_OUTFLAGS_BYTES(&ocfg_);
  if (size < at + sizeof(pwru_kbpfmap)) {
    ++malformed_;
    return;
  }
  pwru_kbpfmap m;
  std::memcpy(&m, rec + at, sizeof(m));
  pwru_event_v1& ev = slot.ev;
  ev.flags |= PWRU_EV_BPFMAP;
  ev.bpfmap_id = m.map_id;
  ev.bpfmap_key_size = m.key_size;
  ev.bpfmap_value_size = m.value_size;
  ev.bpfmap_name = kernel_name(slot.bpfmap_name, m.map_name);
  ev.bpfmap_key_len = (m.flags & PWRU_KBPFMAP_KEY) ? std::min<uint32_t>(m.key_size, PWRU_BPFMAP_DATA) : 0;
  ev.bpfmap_value_len = (m.flags & PWRU_KBPFMAP_VALUE) ? std::min<uint32_t>(m.value_size, PWRU_BPFMAP_DATA) : 0;
  std::memcpy(slot.bpfmap_key, m.key, ev.bpfmap_key_len);
  std::memcpy(slot.bpfmap_value, m.value, ev.bpfmap_value_len);
  ev.bpfmap_key = slot.bpfmap_key;
  ev.bpfmap_value = slot.bpfmap_value;
}

void Decoder::set_outflags(const pwru_outflags_config& ocfg, MetadataSpec metadata, MetadataSpec xdp_metadata) {
  ocfg_ = ocfg;
  metadata_.set(std::move(metadata));
  xdp_metadata_.set(std::move(xdp_metadata));
}

namespace {
// The text bpf_snprintf_btf() wrote into a PWRU_BTF_TEXT region: `len` is
// its return value (the full length, as snprintf's: the text may have been
// cut at PWRU_BTF_TEXT - 1 bytes); a negative value is an error.
const char* btf_text(const uint8_t* region, int32_t len, char* out) {
  size_t n = len < 0 ? 0 : std::min<size_t>(static_cast<size_t>(len), PWRU_BTF_TEXT - 1);
  std::memcpy(out, region, n);
  out[n] = '\0';
  return out;
}
}  // namespace

void Decoder::decode_outflags(const uint8_t* rec, size_t size, EventSlot& slot) {
  if (!PWRU_OUTFLAGS_HAS_EXT(&ocfg_)) return;
  const size_t ext_at = sizeof(pwru_kevent) + ext_offset();
  if (size < ext_at + PWRU_OUTFLAGS_BYTES(&ocfg_)) {
    // Every record has the region, XDP ones too (handle_xdp reserves the
    // same layout, with no skb fields set): a short one is malformed.
    ++malformed_;
    return;
  }
  pwru_kext x;
  std::memcpy(&x, rec + ext_at, sizeof(x));
  pwru_event_v1& ev = slot.ev;
  if (x.flags & PWRU_KEXT_CB) {
    ev.flags |= PWRU_EV_SKB_CB;
    std::memcpy(ev.skb_cb, x.cb, sizeof(ev.skb_cb));
  }
  // The metadata slots hold the xdp expressions' values in XDP events
  // (handle_xdp), the skb ones' in every other event.
  const bool xdp = ev.probe_kind == PWRU_PROBE_XDP;
  const Metadata& md = xdp ? xdp_metadata_ : metadata_;
  const size_t nmd = xdp ? ocfg_.nxdp_metadata : ocfg_.nmetadata;
  if ((x.flags & PWRU_KEXT_METADATA) && nmd <= PWRU_SKB_METADATA_MAX && md.name_ptrs.size() == nmd &&
      md.expr_ptrs.size() == nmd) {
    ev.flags |= PWRU_EV_SKB_METADATA;
    ev.nskb_metadata = static_cast<uint32_t>(nmd);
    for (size_t i = 0; i < nmd; ++i) {
      slot.metadata_raw[i] = x.metadata[i];
      slot.metadata_text[i] = md.spec.format ? md.spec.format(i, x.metadata[i]) : std::to_string(x.metadata[i]);
      slot.metadata_text_ptrs[i] = slot.metadata_text[i].c_str();
    }
    ev.skb_metadata_exprs = md.expr_ptrs.data();
    ev.skb_metadata_names = md.name_ptrs.data();
    ev.skb_metadata_raw = slot.metadata_raw;
    ev.skb_metadata_text = slot.metadata_text_ptrs;
  }
  if (x.flags & PWRU_KEXT_TUNNEL) {
    ev.flags |= PWRU_EV_TUNNEL;
    static_assert(sizeof(ev.tunnel_tuple) == sizeof(x.tunnel));
    std::memcpy(&ev.tunnel_tuple, &x.tunnel, sizeof(x.tunnel));
  }
  const uint8_t* text = rec + ext_at + sizeof(pwru_kext);
  if (ocfg_.output_skb_btf) {
    if (x.flags & PWRU_KEXT_SKB_BTF) {
      ev.flags |= PWRU_EV_SKB_BTF;
      ev.skb_btf = btf_text(text, x.skb_btf_len, slot.skb_btf);
    }
    text += PWRU_BTF_TEXT;
  }
  if (ocfg_.output_shinfo_btf && (x.flags & PWRU_KEXT_SHINFO_BTF)) {
    ev.flags |= PWRU_EV_SHINFO_BTF;
    ev.shinfo_btf = btf_text(text, x.shinfo_btf_len, slot.shinfo_btf);
  }
}

}  // namespace pwru::decode
