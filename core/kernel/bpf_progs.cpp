// SPDX-License-Identifier: Apache-2.0
#include "kernel/bpf_progs.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "util/error.h"

namespace pwru::kernel {

std::string bpf_prog_symbol(const uint8_t (&tag)[BPF_TAG_SIZE], std::string_view name) {
  static const char kHex[] = "0123456789abcdef";
  std::string s = "bpf_prog_";
  for (uint8_t b : tag) {
    s += kHex[b >> 4];
    s += kHex[b & 0xf];
  }
  s += '_';
  s += name;
  s += "[bpf]";
  return s;
}

std::string untraceable_reason(const BpfProgFacts& f) {
  if (f.btf_id == 0 || f.nr_func_info == 0) return "it has no BTF";
  if (!f.jited) return "it is not JIT-compiled";
  return "";
}

namespace {

std::string describe(const BpfProgFacts& f) {
  return "program " + std::to_string(f.id) + (f.name.empty() ? "" : " (" + f.name + ")");
}

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

}  // namespace

void for_each_bpf_prog(const std::function<void(uint32_t id, UniqueFd& fd, const bpf_prog_info& info)>& fn) {
  uint32_t id = 0;
  for (;;) {
    if (bpf_prog_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) break;
      throw Error(sys_error("listing loaded BPF programs (BPF_PROG_GET_NEXT_ID)"));
    }
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) {
      if (errno == ENOENT) continue;  // unloaded since it was listed
      throw Error(sys_error("opening BPF program " + std::to_string(id)));
    }
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0)
      throw Error(sys_error("reading the info of BPF program " + std::to_string(id)));
    fn(id, fd, info);
  }
}

std::vector<BpfProg> list_bpf_progs(bpf_prog_type type, const std::function<void(const std::string&)>& skipped) {
  std::vector<BpfProg> out;
  for_each_bpf_prog([&](uint32_t id, UniqueFd& fd, const bpf_prog_info& info) {
    if (info.type != static_cast<uint32_t>(type)) return;
    BpfProgFacts facts{id, info.type, info.name, info.btf_id, info.nr_func_info, info.jited_prog_len != 0};
    if (std::string why = untraceable_reason(facts); !why.empty()) {
      skipped(describe(facts) + ": " + why);
      return;
    }
    // Second pass: the first func info record (the entry function) and
    // the JITed entry's address.
    const uint32_t rec_size = info.func_info_rec_size;
    std::vector<uint8_t> finfo(static_cast<size_t>(rec_size) * info.nr_func_info);
    std::vector<uint64_t> ksyms(info.nr_jited_ksyms);
    bpf_prog_info full{};
    full.nr_func_info = info.nr_func_info;
    full.func_info_rec_size = rec_size;
    full.func_info = reinterpret_cast<uintptr_t>(finfo.data());
    full.nr_jited_ksyms = info.nr_jited_ksyms;
    full.jited_ksyms = reinterpret_cast<uintptr_t>(ksyms.data());
    uint32_t len = sizeof(full);
    if (bpf_obj_get_info_by_fd(fd.get(), &full, &len) != 0)
      throw Error(sys_error("reading the BTF func info of BPF program " + std::to_string(id)));
    if (full.nr_func_info == 0 || rec_size < sizeof(bpf_func_info)) {
      skipped(describe(facts) + ": it has no BTF func info");
      return;
    }
    bpf_func_info first{};
    std::memcpy(&first, finfo.data(), sizeof(first));
    std::unique_ptr<btf, BtfDeleter> b(btf__load_from_kernel_by_id(info.btf_id));
    if (!b) {
      skipped(describe(facts) + ": " + sys_error("loading its BTF (id " + std::to_string(info.btf_id) + ")"));
      return;
    }
    const btf_type* t = btf__type_by_id(b.get(), first.type_id);
    const char* fname = t != nullptr ? btf__name_by_offset(b.get(), t->name_off) : nullptr;
    if (t == nullptr || btf_kind(t) != BTF_KIND_FUNC || fname == nullptr || *fname == '\0') {
      skipped(describe(facts) + ": its BTF names no entry function");
      return;
    }
    BpfProg p;
    p.id = id;
    p.fd = std::move(fd);
    p.entry = fname;
    p.entry_btf_id = first.type_id;
    p.symbol = bpf_prog_symbol(info.tag, p.entry);
    p.addr = full.nr_jited_ksyms > 0 && !ksyms.empty() ? ksyms[0] : 0;
    out.push_back(std::move(p));
  });
  return out;
}

FeatureResult probe_fentry() {
  std::unique_ptr<btf, BtfDeleter> vm(btf__load_vmlinux_btf());
  if (!vm) return {false, sys_error("loading the kernel's BTF")};
  const int fn = btf__find_by_name_kind(vm.get(), "ip_rcv", BTF_KIND_FUNC);
  if (fn <= 0) return {false, "the kernel's BTF has no function ip_rcv to test fentry on"};
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
              .attach_btf_id = static_cast<uint32_t>(fn));
  int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pwru_probe", "GPL", insns, 2, &o);
  if (fd < 0) return {false, "loading an fentry program: " + errno_text(errno)};
  ::close(fd);
  return {true, {}};
}

}  // namespace pwru::kernel
