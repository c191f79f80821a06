// SPDX-License-Identifier: Apache-2.0
#include "kernel/btf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "pwru_event.h"
#include "util/error.h"

namespace pwru::kernel {
namespace {

constexpr const char* kVmlinux = "/sys/kernel/btf/vmlinux";
constexpr std::string_view kTracePrefix = "btf_trace_";

// Follows typedefs and qualifiers to the type that matters.
const btf_type* skip_mods(const struct btf* b, uint32_t id, uint32_t* out_id = nullptr) {
  const btf_type* t = btf__type_by_id(b, id);
  while (t != nullptr && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) ||
                          btf_is_restrict(t) || btf_is_type_tag(t))) {
    id = t->type;
    t = btf__type_by_id(b, id);
  }
  if (out_id != nullptr) *out_id = id;
  return t;
}

bool is_named(const struct btf* b, const btf_type* t, const char* name) {
  const char* n = btf__name_by_offset(b, t->name_off);
  return n != nullptr && std::strcmp(n, name) == 0;
}

bool is_skb_ptr(const struct btf* b, uint32_t id) {
  const btf_type* t = skip_mods(b, id);
  if (t == nullptr || !btf_is_ptr(t)) return false;
  const btf_type* s = skip_mods(b, t->type);
  return s != nullptr && btf_is_struct(s) && is_named(b, s, "sk_buff");
}

bool is_drop_reason(const struct btf* b, uint32_t id) {
  const btf_type* t = skip_mods(b, id);
  return t != nullptr && (btf_is_enum(t) || btf_is_enum64(t)) && is_named(b, t, "skb_drop_reason");
}

}  // namespace

std::unique_ptr<KernelBtf> KernelBtf::load(const std::string& path) {
  std::string p = path.empty() ? kVmlinux : path;
  struct btf* b = path.empty() ? btf__load_vmlinux_btf() : btf__parse(p.c_str(), nullptr);
  if (b == nullptr || libbpf_get_error(b) != 0) {
    int err = errno;
    throw Error(sys_error("cannot load kernel BTF from " + p, err));
  }
  return std::unique_ptr<KernelBtf>(new KernelBtf(b, p));
}

KernelBtf::~KernelBtf() { btf__free(btf_); }

std::vector<SkbTracepoint> KernelBtf::skb_tracepoints() const {
  std::vector<SkbTracepoint> out;
  const uint32_t n = btf__type_cnt(btf_);
  for (uint32_t id = 1; id < n; ++id) {
    const btf_type* t = btf__type_by_id(btf_, id);
    if (!btf_is_typedef(t)) continue;
    const char* name = btf__name_by_offset(btf_, t->name_off);
    if (name == nullptr || std::strncmp(name, kTracePrefix.data(), kTracePrefix.size()) != 0)
      continue;
    const btf_type* ptr = skip_mods(btf_, t->type);
    if (ptr == nullptr || !btf_is_ptr(ptr)) continue;
    const btf_type* proto = skip_mods(btf_, ptr->type);
    if (proto == nullptr || !btf_is_func_proto(proto)) continue;
    const btf_param* params = btf_params(proto);
    const int vlen = btf_vlen(proto);
    SkbTracepoint tp;
    tp.name = name + kTracePrefix.size();
    tp.nargs = vlen - 1;  // the first parameter is the tracepoint's void *ctx
    for (int i = 1; i < vlen; ++i) {
      if (tp.skb_pos == 0 && is_skb_ptr(btf_, params[i].type)) tp.skb_pos = i;
      if (tp.reason_pos == 0 && is_drop_reason(btf_, params[i].type)) tp.reason_pos = i;
    }
    // The kernel program reads at most five arguments.
    if (tp.skb_pos == 0 || tp.skb_pos > 5 || tp.reason_pos > 5) continue;
    out.push_back(std::move(tp));
  }
  std::sort(out.begin(), out.end(),
            [](const SkbTracepoint& a, const SkbTracepoint& b) { return a.name < b.name; });
  return out;
}

std::map<uint64_t, std::string> KernelBtf::drop_reasons() const {
  std::map<uint64_t, std::string> out;
  int id = btf__find_by_name_kind(btf_, "skb_drop_reason", BTF_KIND_ENUM);
  if (id > 0) {
    const btf_type* t = btf__type_by_id(btf_, id);
    const struct btf_enum* e = btf_enum(t);
    for (int i = 0; i < btf_vlen(t); ++i)
      out.emplace(static_cast<uint32_t>(e[i].val), btf__name_by_offset(btf_, e[i].name_off));
    return out;
  }
  id = btf__find_by_name_kind(btf_, "skb_drop_reason", BTF_KIND_ENUM64);
  if (id > 0) {
    const btf_type* t = btf__type_by_id(btf_, id);
    const struct btf_enum64* e = btf_enum64(t);
    for (int i = 0; i < btf_vlen(t); ++i)
      out.emplace(btf_enum64_value(&e[i]), btf__name_by_offset(btf_, e[i].name_off));
  }
  return out;
}

bool KernelBtf::has_func(const std::string& name) const {
  return btf__find_by_name_kind(btf_, name.c_str(), BTF_KIND_FUNC) > 0;
}

int KernelBtf::bpfmap_op(const std::string& name) const {
  const int id = btf__find_by_name_kind(btf_, name.c_str(), BTF_KIND_FUNC);
  if (id <= 0) return 0;
  const btf_type* proto = skip_mods(btf_, btf__type_by_id(btf_, id)->type);
  if (proto == nullptr || !btf_is_func_proto(proto) || btf_vlen(proto) < 2) return 0;
  // A map op takes the map first: struct bpf_map * (the maps' own ops), or
  // a u64 named map (the BPF_CALL_x helpers, e.g. bpf_map_lookup_elem).
  const btf_param& first = btf_params(proto)[0];
  const btf_type* t = skip_mods(btf_, first.type);
  bool is_map = false;
  if (t != nullptr && btf_is_ptr(t)) {
    const btf_type* s = skip_mods(btf_, t->type);
    is_map = s != nullptr && btf_is_struct(s) && is_named(btf_, s, "bpf_map");
  } else if (t != nullptr && btf_is_int(t) && t->size == 8) {
    const char* pn = btf__name_by_offset(btf_, first.name_off);
    is_map = pn != nullptr && std::strcmp(pn, "map") == 0;
  }
  if (!is_map) return 0;
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("update_elem")) return PWRU_BPFMAP_OP_UPDATE;
  if (ends_with("delete_elem")) return PWRU_BPFMAP_OP_DELETE;
  // The hash maps' inlined lookup calls this one; it returns the element,
  // whose value follows the key.
  if (name == "__htab_map_lookup_elem") return PWRU_BPFMAP_OP_LOOKUP_HTAB;
  if (ends_with("lookup_elem")) return PWRU_BPFMAP_OP_LOOKUP;
  return 0;
}

int KernelBtf::tracepoint_nargs(const std::string& name) const {
  const int id = btf__find_by_name_kind(btf_, (std::string(kTracePrefix) + name).c_str(), BTF_KIND_TYPEDEF);
  if (id <= 0) return -1;
  const btf_type* ptr = skip_mods(btf_, btf__type_by_id(btf_, id)->type);
  if (ptr == nullptr || !btf_is_ptr(ptr)) return -1;
  const btf_type* proto = skip_mods(btf_, ptr->type);
  if (proto == nullptr || !btf_is_func_proto(proto)) return -1;
  return btf_vlen(proto) - 1;  // the first parameter is the tracepoint's void *ctx
}

}  // namespace pwru::kernel
