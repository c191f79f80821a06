// SPDX-License-Identifier: Apache-2.0
#include "bpf/core_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstdarg>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>

#include <pwru/plugin.h>

#include "bpf/filter_object.h"
#include "bpf/libbpf_log.h"
#include "bpf/splice.h"
#include "util/error.h"

// bpftool's skeleton is C; it compiles as C++ and is included only here.
#include "pwru.skel.h"

namespace pwru::bpf {
namespace {

// The splice job of the load in progress. libbpf calls the prepare hook
// synchronously inside bpf_object__load(), on this thread.
struct SpliceJob {
  std::vector<std::pair<uint64_t, std::vector<bpf_insn>>> bodies;
  std::deque<ProgramImage> images;  // keep func/line info alive until load returns
  std::string error;
  // Keep a copy of each raw tracepoint entry as loaded (per-tracepoint
  // instances on kernels without raw tracepoint cookies).
  bool capture_raw_tp = false;
  // Kernels without bpf_get_attach_cookie for raw tracepoints: the loaded
  // raw_tp entries get the cookie stub spliced to 0 (after the capture).
  bool zero_tp_cookie = false;
  std::map<std::string, CapturedProgram> captured;
};
thread_local SpliceJob* g_job = nullptr;

int prepare_load(struct bpf_program* prog, struct bpf_prog_load_opts* opts, long /*cookie*/) {
  SpliceJob* job = g_job;
  if (job == nullptr) return 0;
  const bool capture = job->capture_raw_tp && bpf_program__type(prog) == BPF_PROG_TYPE_RAW_TRACEPOINT;
  const bool zero_cookie = job->zero_tp_cookie && bpf_program__type(prog) == BPF_PROG_TYPE_RAW_TRACEPOINT;
  // The fentry templates (--filter-trace-tc/-xdp) are kept for their copies.
  const bool capture_fentry = bpf_program__type(prog) == BPF_PROG_TYPE_TRACING;
  if (job->bodies.empty() && !capture && !zero_cookie && !capture_fentry) return 0;
  // Keeps what the kernel is about to get, after any splicing.
  auto keep = [&](const ProgramImage& img) {
    if (!capture && !capture_fentry) return;
    CapturedProgram& c = job->captured[bpf_program__name(prog)];
    c.image = img;
    c.btf_fd = opts->prog_btf_fd;
  };
  try {
    ProgramImage& img = job->images.emplace_back();
    const bpf_insn* in = bpf_program__insns(prog);
    img.insns.assign(in, in + bpf_program__insn_cnt(prog));
    auto copy_ext = [](ExtInfo& e, const void* p, uint32_t rec, uint32_t cnt) {
      e.rec_size = rec;
      if (p != nullptr && rec != 0)
        e.bytes.assign(static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + size_t{rec} * cnt);
    };
    copy_ext(img.func_info, opts->func_info, opts->func_info_rec_size, opts->func_info_cnt);
    copy_ext(img.line_info, opts->line_info, opts->line_info_rec_size, opts->line_info_cnt);
    bool changed = false;
    for (const auto& [magic, body] : job->bodies) changed |= splice(img, magic, body);
    keep(img);
    if (zero_cookie) changed |= splice(img, PWRU_SPLICE_MAGIC_TP_COOKIE, constant_body(0));
    if (!changed) return 0;
    int err = bpf_program__set_insns(prog, img.insns.data(), img.insns.size());
    if (err != 0) throw Error(sys_error("bpf_program__set_insns", err));
    opts->func_info = img.func_info.bytes.empty() ? nullptr : img.func_info.bytes.data();
    opts->func_info_cnt = static_cast<uint32_t>(img.func_info.count());
    opts->line_info = img.line_info.bytes.empty() ? nullptr : img.line_info.bytes.data();
    opts->line_info_cnt = static_cast<uint32_t>(img.line_info.count());
    return 0;
  } catch (const std::exception& e) {
    job->error = std::string(bpf_program__name(prog)) + ": " + e.what();
    return -EINVAL;
  }
}

// Registers the prepare hook for SEC("raw_tp/pwru") once per process. It
// acts only while a load has a SpliceJob. (Registering per load and
// unregistering afterwards corrupts libbpf 1.1's handler table: its
// unregister path leaves a stale allocation that the next register
// reallocates.)
// One handler per entry kind: the raw tracepoint, kprobe and kprobe.multi
// entries all call the spliced filter stubs. (The custom sections take
// precedence over libbpf's own "kprobe/..." handling, which would want to
// auto-attach by name.)
void register_handler_once() {
  static const int err = [] {
    LIBBPF_OPTS(libbpf_prog_handler_opts, o, .prog_prepare_load_fn = prepare_load);
    const struct {
      const char* sec;
      bpf_prog_type type;
      bpf_attach_type attach;
    } kinds[] = {
        {"raw_tp/pwru", BPF_PROG_TYPE_RAW_TRACEPOINT, static_cast<bpf_attach_type>(0)},
        {"kprobe/pwru", BPF_PROG_TYPE_KPROBE, static_cast<bpf_attach_type>(0)},
        {"kprobe.multi/pwru", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI},
        {"fentry/pwru_tc", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
        {"fentry/pwru_xdp", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
        {"fexit/pwru_xdp", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT},
    };
    for (const auto& k : kinds) {
      int id = libbpf_register_prog_handler(k.sec, k.type, k.attach, &o);
      if (id < 0) return id;
    }
    return 0;
  }();
  if (err < 0) throw Error(sys_error("libbpf_register_prog_handler", err));
}

// A program copy loaded by hand (bpf_prog_load) keeps the BTF function and
// line info libbpf captured, so the verifier's messages and bpftool show
// source lines and the kernel accepts BTF-typed (global) functions.
void set_ext_info(bpf_prog_load_opts& o, const ProgramImage& img, int btf_fd) {
  o.prog_btf_fd = btf_fd;
  if (btf_fd > 0 && img.func_info.count() > 0) {
    o.func_info = img.func_info.bytes.data();
    o.func_info_rec_size = img.func_info.rec_size;
    o.func_info_cnt = static_cast<uint32_t>(img.func_info.count());
  }
  if (btf_fd > 0 && img.line_info.count() > 0) {
    o.line_info = img.line_info.bytes.data();
    o.line_info_rec_size = img.line_info.rec_size;
    o.line_info_cnt = static_cast<uint32_t>(img.line_info.count());
  }
}

// The verifier's verdict is at the end of its log: its last 12 lines.
std::string verifier_tail(const char* log) {
  const std::string v(log);
  size_t cut = v.size();
  for (int lines = 0; lines < 12 && cut > 0; ++lines) {
    const size_t nl = v.rfind('\n', cut - 1);
    if (nl == std::string::npos) return v;
    cut = nl;
  }
  return v.substr(cut);
}

std::vector<bpf_insn> slot_body(const SlotCode& c) {
  switch (c.mode) {
    case PWRU_CODE_INSNS:
      return c.insns;
    case PWRU_CODE_ACCEPT_ALL:
      return constant_body(1);
    case PWRU_CODE_REJECT_ALL:
      return constant_body(0);
    default:
      throw Error("filter code has unknown mode " + std::to_string(c.mode));
  }
}

// The skeleton over another ELF image than the one built in: pwru's object
// with a filter plugin's object linked in. Names of maps, programs and the
// rodata layout are the core's (the linker puts the first object's sections
// first), so the skeleton's pointers stay right.
pwru_bpf* open_linked(const std::vector<uint8_t>& image, const bpf_object_open_opts* opts) {
  auto* obj = static_cast<pwru_bpf*>(calloc(1, sizeof(pwru_bpf)));
  if (obj == nullptr) return nullptr;
  int err = pwru_bpf__create_skeleton(obj);
  if (err == 0) {
    obj->skeleton->data = const_cast<uint8_t*>(image.data());
    obj->skeleton->data_sz = image.size();
    err = bpf_object__open_skeleton(obj->skeleton, opts);
  }
  if (err != 0) {
    pwru_bpf__destroy(obj);
    errno = -err;
    return nullptr;
  }
  return obj;
}

}  // namespace

std::vector<uint8_t> link_core_with_filter(const uint8_t* filter, size_t size) {
  check_filter_object(filter, size);
  size_t core_size = 0;
  const void* core = pwru_bpf__elf_bytes(&core_size);
  return link_filter_object(core, core_size, filter, size);
}

std::unique_ptr<CoreProgram> CoreProgram::load(const ProgramOptions& po) {
  LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, oo);
  if (!po.kernel_btf.empty()) oo.btf_custom_path = po.kernel_btf.c_str();

  SpliceJob job;
  if (po.cfg.filter_pcap) {
    job.bodies.emplace_back(PWRU_SPLICE_MAGIC_PCAP_L2,
                            slot_body(po.pcap_l2.value_or(SlotCode{PWRU_CODE_ACCEPT_ALL, {}})));
    job.bodies.emplace_back(PWRU_SPLICE_MAGIC_PCAP_L3,
                            slot_body(po.pcap_l3.value_or(SlotCode{PWRU_CODE_ACCEPT_ALL, {}})));
  }

  if (po.ocfg.filter_tunnel) {
    job.bodies.emplace_back(PWRU_SPLICE_MAGIC_TUNNEL_L2,
                            slot_body(po.tunnel_l2.value_or(SlotCode{PWRU_CODE_ACCEPT_ALL, {}})));
    job.bodies.emplace_back(PWRU_SPLICE_MAGIC_TUNNEL_L3,
                            slot_body(po.tunnel_l3.value_or(SlotCode{PWRU_CODE_ACCEPT_ALL, {}})));
  }

  register_handler_once();
  std::vector<uint8_t> linked = po.linked_object;
  pwru_bpf* skel = linked.empty() ? pwru_bpf__open_opts(&oo) : open_linked(linked, &oo);
  if (skel == nullptr) throw Error(sys_error("opening the BPF object") + log.tail());
  std::unique_ptr<CoreProgram> prog(new CoreProgram(skel));
  prog->linked_object_ = std::move(linked);

  skel->rodata->CFG = po.cfg;
  skel->rodata->OCFG = po.ocfg;
  bpf_map__set_max_entries(skel->maps.pwru_events, po.ringbuf_bytes);
  bpf_program* raw[] = {skel->progs.pwru_raw_tp_1, skel->progs.pwru_raw_tp_2, skel->progs.pwru_raw_tp_3,
                        skel->progs.pwru_raw_tp_4, skel->progs.pwru_raw_tp_5};
  for (auto* p : raw) bpf_program__set_autoload(p, po.want_raw_tp);
  bpf_program* kp[] = {skel->progs.pwru_kprobe_1, skel->progs.pwru_kprobe_2, skel->progs.pwru_kprobe_3,
                       skel->progs.pwru_kprobe_4, skel->progs.pwru_kprobe_5};
  for (auto* p : kp) bpf_program__set_autoload(p, po.want_kprobe);
  bpf_program* km[] = {skel->progs.pwru_kmulti_1, skel->progs.pwru_kmulti_2, skel->progs.pwru_kmulti_3,
                       skel->progs.pwru_kmulti_4, skel->progs.pwru_kmulti_5};
  for (auto* p : km) bpf_program__set_autoload(p, po.want_kprobe_multi);
  // Skb tracking. Its LRU maps preallocate every entry: one entry each
  // when the feature that uses them is off.
  bpf_program__set_autoload(skel->progs.pwru_untrack_tp1, po.want_untrack);
  bpf_program__set_autoload(skel->progs.pwru_untrack_tp2, po.want_untrack);
  bpf_program__set_autoload(skel->progs.pwru_untrack_slab, po.want_untrack);
  bpf_program* clones_kp[] = {skel->progs.pwru_track_copy_kprobe, skel->progs.pwru_track_clone_kprobe,
                              skel->progs.pwru_track_cloned_kprobe, skel->progs.pwru_track_xcopy2_kprobe,
                              skel->progs.pwru_track_xcopy3_kprobe, skel->progs.pwru_track_xcopied_kprobe};
  for (auto* p : clones_kp) bpf_program__set_autoload(p, po.want_track_clones && po.want_kprobe);
  bpf_program* clones_km[] = {skel->progs.pwru_track_copy_kmulti, skel->progs.pwru_track_clone_kmulti,
                              skel->progs.pwru_track_cloned_kmulti, skel->progs.pwru_track_xcopy2_kmulti,
                              skel->progs.pwru_track_xcopy3_kmulti, skel->progs.pwru_track_xcopied_kmulti};
  for (auto* p : clones_km) bpf_program__set_autoload(p, po.want_track_clones && po.want_kprobe_multi);
  bpf_program__set_autoload(skel->progs.pwru_stack_kprobe, po.want_non_skb && po.want_kprobe);
  bpf_program__set_autoload(skel->progs.pwru_stack_kmulti, po.want_non_skb && po.want_kprobe_multi);
  // --output-bpfmap: the map-op entries and the lookups' return.
  bpf_program__set_autoload(skel->progs.pwru_bpfmap_kprobe, po.want_bpfmap && po.want_kprobe);
  bpf_program__set_autoload(skel->progs.pwru_bpfmap_ret_kprobe, po.want_bpfmap && po.want_kprobe);
  bpf_program__set_autoload(skel->progs.pwru_bpfmap_kmulti, po.want_bpfmap && po.want_kprobe_multi);
  bpf_program__set_autoload(skel->progs.pwru_bpfmap_ret_kmulti, po.want_bpfmap && po.want_kprobe_multi);
  if (!po.want_bpfmap) bpf_map__set_max_entries(skel->maps.pwru_bpfmap_stash, 1);
  if (!(po.cfg.track & PWRU_TRACK_SKB)) {
    bpf_map__set_max_entries(skel->maps.pwru_track_skb, 1);
    bpf_map__set_max_entries(skel->maps.pwru_clone_stash, 1);
    bpf_map__set_max_entries(skel->maps.pwru_veth_stash, 1);
  }
  if (!(po.cfg.track & PWRU_TRACK_STACK)) {
    bpf_map__set_max_entries(skel->maps.pwru_stack_skb, 1);
    bpf_map__set_max_entries(skel->maps.pwru_skb_stack, 1);
  }

  // The fentry templates: verified against the first program to trace
  // (libbpf finds the function in that program's BTF), never attached.
  auto fentry_template = [&](bpf_program* p, const std::optional<ProgramOptions::FentryTarget>& t) {
    bpf_program__set_autoload(p, t.has_value());
    if (!t) return;
    int e = bpf_program__set_attach_target(p, t->prog_fd, t->func.c_str());
    if (e != 0) throw Error(sys_error("setting the attach target of " + std::string(bpf_program__name(p)) +
                                      " to " + t->func, e) + log.tail());
  };
  fentry_template(skel->progs.pwru_fentry_tc, po.tc_template);
  fentry_template(skel->progs.pwru_fentry_xdp, po.xdp_template);
  fentry_template(skel->progs.pwru_fexit_xdp, po.xdp_exit ? po.xdp_template : std::nullopt);
  if (!(po.cfg.track & PWRU_TRACK_XDP)) bpf_map__set_max_entries(skel->maps.pwru_xdp_dhs, 1);

  job.capture_raw_tp = po.want_raw_tp && po.raw_tp_instances;
  job.zero_tp_cookie = job.capture_raw_tp;
  g_job = &job;
  int err = pwru_bpf__load(skel);
  g_job = nullptr;
  if (err != 0) {
    std::string msg = !job.error.empty() ? "splicing filter code: " + job.error
                                         : sys_error("loading the BPF program", err);
    throw Error(msg + log.tail());
  }
  prog->captured_ = std::move(job.captured);
  return prog;
}

int CoreProgram::load_raw_tp_instance(int k, uint64_t cookie) const {
  auto it = captured_.find("pwru_raw_tp_" + std::to_string(k));
  if (it == captured_.end())
    throw Error("internal: raw tracepoint entry " + std::to_string(k) + " was not kept for per-tracepoint loading");
  ProgramImage img = it->second.image;
  // r0 = cookie (64-bit immediate); exit.
  std::vector<bpf_insn> body(3);
  body[0].code = BPF_LD | BPF_DW | BPF_IMM;
  body[0].dst_reg = BPF_REG_0;
  body[0].imm = static_cast<int32_t>(cookie & 0xffffffffu);
  body[1].imm = static_cast<int32_t>(cookie >> 32);
  body[2].code = BPF_JMP | BPF_EXIT;
  if (!splice(img, PWRU_SPLICE_MAGIC_TP_COOKIE, body))
    throw Error("internal: the raw tracepoint entry has no cookie stub");
  LibbpfLogCapture log;
  std::vector<char> vlog(1 << 16);
  LIBBPF_OPTS(bpf_prog_load_opts, o);
  set_ext_info(o, img, it->second.btf_fd);
  int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, ("pwru_tp_" + std::to_string(k)).c_str(), "Dual BSD/GPL",
                         img.insns.data(), img.insns.size(), &o);
  if (fd < 0) {
    const int err = -errno;
    // Retry with the verifier's log for the message.
    o.log_buf = vlog.data();
    o.log_size = static_cast<uint32_t>(vlog.size());
    o.log_level = 1;
    int fd2 = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "pwru_tp", "Dual BSD/GPL", img.insns.data(),
                            img.insns.size(), &o);
    if (fd2 >= 0) return fd2;
    // The verifier's verdict is at the end: keep its last lines.
    throw Error(sys_error("loading a per-tracepoint program", err) + "\n" + verifier_tail(vlog.data()));
  }
  return fd;
}

int CoreProgram::load_fentry_copy(FentryKind kind, int target_fd, uint32_t btf_id, uint32_t probe_id,
                                  std::string* why) const {
  const bool exit = kind == FentryKind::kXdpExit;
  const char* name = kind == FentryKind::kTc ? "pwru_fentry_tc" : exit ? "pwru_fexit_xdp" : "pwru_fentry_xdp";
  auto it = captured_.find(name);
  if (it == captured_.end()) {
    *why = std::string("internal: ") + name + " was not loaded as a template";
    return -EINVAL;
  }
  ProgramImage img = it->second.image;
  // The fexit entry emits no event: it has no probe id.
  if (!exit && !splice(img, PWRU_SPLICE_MAGIC_PROG_PROBE, constant_body(static_cast<int32_t>(probe_id)))) {
    *why = std::string("internal: ") + name + " has no probe id stub";
    return -EINVAL;
  }
  LIBBPF_OPTS(bpf_prog_load_opts, o);
  o.expected_attach_type = exit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
  o.attach_prog_fd = static_cast<uint32_t>(target_fd);
  o.attach_btf_id = btf_id;
  set_ext_info(o, img, it->second.btf_fd);
  const char* short_name = kind == FentryKind::kTc ? "pwru_tc" : exit ? "pwru_xdp_exit" : "pwru_xdp";
  int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, short_name, "Dual BSD/GPL", img.insns.data(), img.insns.size(), &o);
  if (fd >= 0) return fd;
  const int err = errno;
  *why = errno_text(err);
  if (err == EACCES || err == EINVAL) {
    // The verifier's verdict, from a second try with its log.
    std::vector<char> vlog(1 << 16);
    o.log_buf = vlog.data();
    o.log_size = static_cast<uint32_t>(vlog.size());
    o.log_level = 1;
    int fd2 = bpf_prog_load(BPF_PROG_TYPE_TRACING, short_name, "Dual BSD/GPL", img.insns.data(), img.insns.size(), &o);
    if (fd2 >= 0) return fd2;
    const std::string v = verifier_tail(vlog.data());
    if (!v.empty()) *why += "\n" + v;
  }
  return -err;
}

CoreProgram::~CoreProgram() { pwru_bpf__destroy(skel_); }

int CoreProgram::raw_tp_fd(int k) const {
  switch (k) {
    case 1: return bpf_program__fd(skel_->progs.pwru_raw_tp_1);
    case 2: return bpf_program__fd(skel_->progs.pwru_raw_tp_2);
    case 3: return bpf_program__fd(skel_->progs.pwru_raw_tp_3);
    case 4: return bpf_program__fd(skel_->progs.pwru_raw_tp_4);
    case 5: return bpf_program__fd(skel_->progs.pwru_raw_tp_5);
    default: return -1;
  }
}

int CoreProgram::kprobe_fd(int k) const {
  bpf_program* p[] = {skel_->progs.pwru_stack_kprobe, skel_->progs.pwru_kprobe_1, skel_->progs.pwru_kprobe_2,
                      skel_->progs.pwru_kprobe_3,     skel_->progs.pwru_kprobe_4, skel_->progs.pwru_kprobe_5};
  return k >= 0 && k <= 5 ? bpf_program__fd(p[k]) : -1;
}

int CoreProgram::kprobe_multi_fd(int k) const {
  bpf_program* p[] = {skel_->progs.pwru_stack_kmulti, skel_->progs.pwru_kmulti_1, skel_->progs.pwru_kmulti_2,
                      skel_->progs.pwru_kmulti_3,     skel_->progs.pwru_kmulti_4, skel_->progs.pwru_kmulti_5};
  return k >= 0 && k <= 5 ? bpf_program__fd(p[k]) : -1;
}

int CoreProgram::bpfmap_fd(bool retprobe, bool multi) const {
  if (multi) return bpf_program__fd(retprobe ? skel_->progs.pwru_bpfmap_ret_kmulti : skel_->progs.pwru_bpfmap_kmulti);
  return bpf_program__fd(retprobe ? skel_->progs.pwru_bpfmap_ret_kprobe : skel_->progs.pwru_bpfmap_kprobe);
}

int CoreProgram::untrack_fd(int arg) const {
  switch (arg) {
    case 1: return bpf_program__fd(skel_->progs.pwru_untrack_tp1);
    case 2: return bpf_program__fd(skel_->progs.pwru_untrack_tp2);
    default: return -1;
  }
}

int CoreProgram::untrack_slab_fd() const { return bpf_program__fd(skel_->progs.pwru_untrack_slab); }

int CoreProgram::track_fd(TrackProg which, bool multi) const {
  switch (which) {
    case TrackProg::kCopy:
      return bpf_program__fd(multi ? skel_->progs.pwru_track_copy_kmulti : skel_->progs.pwru_track_copy_kprobe);
    case TrackProg::kCloneEntry:
      return bpf_program__fd(multi ? skel_->progs.pwru_track_clone_kmulti : skel_->progs.pwru_track_clone_kprobe);
    case TrackProg::kCloneReturn:
      return bpf_program__fd(multi ? skel_->progs.pwru_track_cloned_kmulti : skel_->progs.pwru_track_cloned_kprobe);
    case TrackProg::kXdpCopyArg2:
      return bpf_program__fd(multi ? skel_->progs.pwru_track_xcopy2_kmulti : skel_->progs.pwru_track_xcopy2_kprobe);
    case TrackProg::kXdpCopyArg3:
      return bpf_program__fd(multi ? skel_->progs.pwru_track_xcopy3_kmulti : skel_->progs.pwru_track_xcopy3_kprobe);
    case TrackProg::kXdpCopyReturn:
      return bpf_program__fd(multi ? skel_->progs.pwru_track_xcopied_kmulti
                                   : skel_->progs.pwru_track_xcopied_kprobe);
  }
  return -1;
}


int CoreProgram::events_fd() const { return bpf_map__fd(skel_->maps.pwru_events); }

std::vector<uint64_t> CoreProgram::lost_per_cpu() const {
  const int ncpu = libbpf_num_possible_cpus();
  std::vector<uint64_t> v(ncpu > 0 ? ncpu : 1, 0);
  uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.pwru_lost), &key, v.data()) != 0) return {};
  return v;
}

std::vector<int> CoreProgram::prog_fds() const {
  std::vector<int> fds;
  bpf_program* p = nullptr;
  bpf_object__for_each_program(p, skel_->obj) {
    if (bpf_program__fd(p) >= 0) fds.push_back(bpf_program__fd(p));
  }
  return fds;
}

int CoreProgram::map_fd(const char* name) const { return bpf_object__find_map_fd_by_name(skel_->obj, name); }

uint64_t CoreProgram::recursion_misses() const {
  uint64_t total = 0;
  for (int fd : prog_fds()) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) total += info.recursion_misses;
  }
  return total;
}

}  // namespace pwru::bpf
