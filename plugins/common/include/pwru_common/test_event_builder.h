// SPDX-License-Identifier: Apache-2.0
//
// Builds pwru_event_v1 values for the built-in sinks' tests. Strings must be
// literals (or otherwise outlive the event): the event only points at them.
#pragma once

#include <pwru/plugin.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace pwru::testing {

class EventBuilder {
 public:
  EventBuilder() {
    ev_.size = sizeof(ev_);
    ev_.process = "<empty>:0";
    ev_.comm = "";
    ev_.func = "f";
    ev_.probe_kind = PWRU_PROBE_KPROBE;
  }

  EventBuilder& skb(uint64_t v) { return set(ev_.skb, v); }
  EventBuilder& cpu(uint32_t v) { return set(ev_.cpu, v); }
  EventBuilder& process(const char* v) { return set(ev_.process, v); }
  EventBuilder& func(const char* v) { return set(ev_.func, v); }
  EventBuilder& kind(uint32_t v) { return set(ev_.probe_kind, v); }
  EventBuilder& ktime(uint64_t v) { return set(ev_.ktime_ns, v); }
  EventBuilder& wall(uint64_t v) { return set(ev_.wall_ns, v); }
  EventBuilder& pid(uint32_t v) { return set(ev_.pid, v); }
  EventBuilder& func_addr(uint64_t v) { return set(ev_.func_addr, v); }
  EventBuilder& netns_name(const char* v) { return set(ev_.netns_name, v); }
  EventBuilder& size(uint32_t v) { return set(ev_.size, v); }
  // The syms must outlive the builder (pointers are kept).
  EventBuilder& stack(const char* const* syms, uint32_t n) {
    ev_.flags |= PWRU_EV_STACK;
    ev_.nstack = n;
    ev_.stack_syms = syms;
    return *this;
  }
  EventBuilder& caller(const char* v) {
    ev_.flags |= PWRU_EV_CALLER;
    return set(ev_.caller, v);
  }
  EventBuilder& drop(uint64_t reason, const char* name) {
    ev_.flags |= PWRU_EV_DROP_REASON;
    ev_.drop_reason = reason;
    return set(ev_.drop_reason_name, name);
  }
  EventBuilder& meta(uint32_t netns, uint32_t mark, const char* ifname, uint32_t ifindex,
                     uint16_t proto, uint32_t mtu, uint32_t len) {
    ev_.flags |= PWRU_EV_META;
    ev_.netns = netns;
    ev_.mark = mark;
    ev_.ifname = ifname;
    ev_.ifindex = ifindex;
    ev_.protocol = proto;
    ev_.mtu = mtu;
    ev_.len = len;
    return *this;
  }
  EventBuilder& tuple4(const char* s, uint16_t sport, const char* d, uint16_t dport, uint8_t l4,
                       uint8_t tcp_flags = 0) {
    tuple(AF_INET, 0x0800, s, sport, d, dport, l4, tcp_flags);
    return *this;
  }
  EventBuilder& tuple6(const char* s, uint16_t sport, const char* d, uint16_t dport, uint8_t l4,
                       uint8_t tcp_flags = 0) {
    tuple(AF_INET6, 0x86dd, s, sport, d, dport, l4, tcp_flags);
    return *this;
  }
  // The bytes must outlive the builder (the pointer is kept).
  EventBuilder& packet(const uint8_t* bytes, uint32_t caplen, uint32_t wirelen,
                       uint32_t linktype = PWRU_LINKTYPE_ETHERNET) {
    ev_.flags |= PWRU_EV_PACKET;
    ev_.packet = bytes;
    ev_.caplen = caplen;
    ev_.wirelen = wirelen;
    ev_.linktype = linktype;
    return *this;
  }
  EventBuilder& no_tuple() {
    ev_.flags |= PWRU_EV_TUPLE;
    ev_.tuple = pwru_tuple_v1{};
    return *this;
  }

  // ABI 1.4 output flags. Pointers must outlive the builder.
  EventBuilder& skb_cb(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e) {
    ev_.flags |= PWRU_EV_SKB_CB;
    const uint32_t v[5] = {a, b, c, d, e};
    std::memcpy(ev_.skb_cb, v, sizeof(v));
    return *this;
  }
  EventBuilder& skb_metadata(const char* const* exprs, const char* const* names, const char* const* text,
                             uint32_t n) {
    ev_.flags |= PWRU_EV_SKB_METADATA;
    ev_.nskb_metadata = n;
    ev_.skb_metadata_exprs = exprs;
    ev_.skb_metadata_names = names;
    ev_.skb_metadata_text = text;
    return *this;
  }
  EventBuilder& tunnel4(const char* s, uint16_t sport, const char* d, uint16_t dport, uint8_t l4) {
    const pwru_tuple_v1 outer = ev_.tuple;
    const uint32_t flags = ev_.flags;
    tuple(AF_INET, 0x0800, s, sport, d, dport, l4, 0);
    ev_.tunnel_tuple = ev_.tuple;
    ev_.tuple = outer;
    ev_.flags = flags | PWRU_EV_TUNNEL;
    return *this;
  }
  EventBuilder& no_tunnel() {
    ev_.flags |= PWRU_EV_TUNNEL;
    ev_.tunnel_tuple = pwru_tuple_v1{};
    return *this;
  }
  EventBuilder& skb_btf(const char* text) {
    ev_.flags |= PWRU_EV_SKB_BTF;
    return set(ev_.skb_btf, text);
  }
  EventBuilder& shinfo_btf(const char* text) {
    ev_.flags |= PWRU_EV_SHINFO_BTF;
    return set(ev_.shinfo_btf, text);
  }

  EventBuilder& bpfmap(uint32_t id, const char* name, uint32_t key_size, const uint8_t* key, uint32_t key_len,
                       uint32_t value_size, const uint8_t* value, uint32_t value_len) {
    ev_.flags |= PWRU_EV_BPFMAP;
    ev_.bpfmap_id = id;
    ev_.bpfmap_name = name;
    ev_.bpfmap_key_size = key_size;
    ev_.bpfmap_key = key;
    ev_.bpfmap_key_len = key_len;
    ev_.bpfmap_value_size = value_size;
    ev_.bpfmap_value = value;
    ev_.bpfmap_value_len = value_len;
    return *this;
  }

  const pwru_event_v1& get() const { return ev_; }
  operator const pwru_event_v1&() const { return ev_; }  // NOLINT(google-explicit-constructor)

 private:
  template <typename T, typename V>
  EventBuilder& set(T& field, V v) {
    field = v;
    return *this;
  }
  void tuple(int af, uint16_t l3, const char* s, uint16_t sport, const char* d, uint16_t dport,
             uint8_t l4, uint8_t tcp_flags) {
    ev_.flags |= PWRU_EV_TUPLE;
    ev_.tuple = pwru_tuple_v1{};
    if (inet_pton(af, s, ev_.tuple.saddr) != 1 || inet_pton(af, d, ev_.tuple.daddr) != 1)
      throw std::invalid_argument("bad address in test");
    ev_.tuple.sport = sport;
    ev_.tuple.dport = dport;
    ev_.tuple.l3_proto = l3;
    ev_.tuple.l4_proto = l4;
    ev_.tuple.tcp_flags = tcp_flags;
  }

  pwru_event_v1 ev_{};
};

}  // namespace pwru::testing
