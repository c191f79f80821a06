// SPDX-License-Identifier: Apache-2.0
// The kprobe backends: every kernel function with an skb argument.
//
//  - kprobe-multi: one BPF link per skb argument position (1..5) covering
//    all functions with the skb there, attached by address, with one BPF
//    cookie per function (probe id and drop-reason position, the layout of
//    PWRU_COOKIE_* in bpf/pwru_event.h). Attach and detach take well under
//    a second for ~1600 functions. A function the kernel refuses would fail
//    the whole link, so a refused link is bisected down to the culprits,
//    which are skipped and counted.
//  - kprobe: one perf kprobe event + BPF link per function. Registering and
//    unregistering a kprobe each waits for an RCU grace period, so done one
//    by one ~1600 probes take minutes (cilium/pwru detaches ~35/s); here a
//    pool of threads does them concurrently, so the grace periods overlap.
//
// A progress bar is drawn on stderr when it is a terminal.
#include <linux/perf_event.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <pwru/plugin.h>

#include "attach/backend.h"
#include "bpf/core_program.h"
#include "pwru_event.h"
#include "util/error.h"
#include "util/fd.h"

namespace pwru::attach {
namespace {

uint64_t cookie_of(size_t id, const Probe& p) {
  return static_cast<uint64_t>(id) | (static_cast<uint64_t>(p.reason_pos) << PWRU_COOKIE_REASON_POS_SHIFT) |
         (static_cast<uint64_t>(p.skb_pos) << PWRU_COOKIE_SKB_POS_SHIFT) |
         (static_cast<uint64_t>(p.bpfmap_op) << PWRU_COOKIE_BPFMAP_SHIFT);
}

// The kretprobe bit of the kprobe PMU's config (format/retprobe, "config:N").
int kretprobe_bit() {
  static const int bit = [] {
    std::ifstream f("/sys/bus/event_source/devices/kprobe/format/retprobe");
    std::string s;
    if (!std::getline(f, s) || s.rfind("config:", 0) != 0) return -1;
    try {
      return std::stoi(s.substr(7));
    } catch (const std::exception&) {
      return -1;
    }
  }();
  return bit;
}

// The program a probe runs: the skb entry of its position, or with
// --output-bpfmap a map op's entry or return program.
int prog_for(const bpf::CoreProgram& prog, const Probe& p, bool multi) {
  if (p.bpfmap_op != 0) return prog.bpfmap_fd(p.retprobe, multi);
  return multi ? prog.kprobe_multi_fd(p.skb_pos) : prog.kprobe_fd(p.skb_pos);
}

// "\r<what> [#####     ] n/total" on a terminal, at most 10 times a second.
class Progress {
 public:
  Progress(const char* what, size_t total) : what_(what), total_(total), tty_(isatty(STDERR_FILENO) == 1) {}
  ~Progress() { done(); }
  void step(size_t n = 1) {
    size_t now = done_.fetch_add(n) + n;
    if (!tty_) return;
    auto t = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (now < total_ && t - last_ < std::chrono::milliseconds(100)) return;
    last_ = t;
    draw(now);
  }
  void done() {
    if (!tty_ || finished_) return;
    finished_ = true;
    std::lock_guard lock(mu_);
    draw(done_.load());
    std::fputs("\n", stderr);
  }

 private:
  void draw(size_t now) {
    constexpr int kWidth = 30;
    int fill = total_ == 0 ? kWidth : static_cast<int>(kWidth * std::min(now, total_) / total_);
    std::fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu", what_, fill, "##############################",
                 kWidth - fill, "", now, total_);
    std::fflush(stderr);
  }
  const char* what_;
  size_t total_;
  bool tty_;
  bool finished_ = false;
  std::atomic<size_t> done_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};
};

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <typename F>
void parallel_for(size_t n, unsigned threads, F&& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  const unsigned k = static_cast<unsigned>(std::min<size_t>(threads, n));
  for (unsigned t = 1; t < k; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

class KprobeBackendBase : public Backend {
 public:
  explicit KprobeBackendBase(std::vector<Probe> probes) : probes_(std::move(probes)) {}
  const std::vector<Probe>& probes() const override { return probes_; }
  size_t skipped() const { return skipped_; }

 protected:
  void report(const char* what, std::chrono::steady_clock::time_point t0) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("{} {} functions in {} ms{}", what, attached(), ms,
                 skipped_ == 0 ? std::string() : fmt_skipped());
  }
  std::string fmt_skipped() const {
    std::string s = ", skipped " + std::to_string(skipped_) + " (";
    for (size_t i = 0; i < skipped_names_.size() && i < 5; ++i) s += (i ? ", " : "") + skipped_names_[i];
    if (skipped_names_.size() > 5) s += ", ...";
    return s + "; --debug shows why)";
  }
  void skip(const Probe& p, const std::string& why) {
    std::lock_guard lock(mu_);
    ++skipped_;
    skipped_names_.push_back(p.name);
    spdlog::debug("skipping {}: {}", p.name, why);
  }

  std::vector<Probe> probes_;
  size_t skipped_ = 0;
  std::vector<std::string> skipped_names_;
  std::mutex mu_;
};

// ---------------------------------------------------------------------------
class KprobeMultiBackend final : public KprobeBackendBase {
 public:
  using KprobeBackendBase::KprobeBackendBase;
  ~KprobeMultiBackend() override { detach(); }
  const char* name() const override { return "kprobe-multi"; }
  size_t attached() const override { return attached_; }

  void attach(const bpf::CoreProgram& prog) override {
    auto t0 = std::chrono::steady_clock::now();
    Progress bar("attaching kprobe-multi", probes_.size());
    // One link per program (and direction): k = 0 are the functions
    // without an skb (--filter-non-skb-funcs), the map ops of
    // --output-bpfmap have their own entry and return programs.
    std::map<std::pair<int, bool>, std::vector<size_t>> sets;
    for (size_t id = 0; id < probes_.size(); ++id) {
      if (probes_[id].addr == 0) {
        skip(probes_[id], "not in kallsyms");
        bar.step();
        continue;
      }
      sets[{prog_for(prog, probes_[id], true), probes_[id].retprobe}].push_back(id);
    }
    for (const auto& [key, ids] : sets) attach_set(key.first, ids, bar, key.second);
    bar.done();
    if (links_.empty()) throw Error("kprobe-multi: no function could be attached" + first_error_suffix());
    report("attached (kprobe-multi)", t0);
  }

  void detach() override {
    if (links_.empty()) return;
    links_.clear();
    attached_ = 0;
  }

 private:
  // Attaches `ids` as one link; if the kernel refuses, halves the set until
  // the refused functions are found (each skipped and counted).
  void attach_set(int prog_fd, const std::vector<size_t>& ids, Progress& bar, bool retprobe) {
    std::vector<unsigned long> addrs;
    std::vector<__u64> cookies;
    for (size_t id : ids) {
      addrs.push_back(static_cast<unsigned long>(probes_[id].addr));
      cookies.push_back(cookie_of(id, probes_[id]));
    }
    LIBBPF_OPTS(bpf_link_create_opts, lo);
    lo.kprobe_multi.addrs = addrs.data();
    lo.kprobe_multi.cookies = cookies.data();
    lo.kprobe_multi.cnt = static_cast<uint32_t>(addrs.size());
    lo.kprobe_multi.flags = retprobe ? BPF_F_KPROBE_MULTI_RETURN : 0;
    int fd = bpf_link_create(prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
    if (fd >= 0) {
      links_.emplace_back(fd);
      attached_ += ids.size();
      bar.step(ids.size());
      return;
    }
    const int err = -errno;
    if (err == -EOPNOTSUPP || err == -ENOSYS || err == -EPERM)
      throw Error("kprobe-multi: creating a link: " + errno_text(err));
    if (ids.size() == 1) {
      if (first_error_.empty()) first_error_ = probes_[ids[0]].name + ": " + errno_text(err);
      skip(probes_[ids[0]], errno_text(err));
      bar.step();
      return;
    }
    const size_t half = ids.size() / 2;
    attach_set(prog_fd, std::vector<size_t>(ids.begin(), ids.begin() + half), bar, retprobe);
    attach_set(prog_fd, std::vector<size_t>(ids.begin() + half, ids.end()), bar, retprobe);
  }
  std::string first_error_suffix() const { return first_error_.empty() ? "" : " (" + first_error_ + ")"; }

  std::vector<UniqueFd> links_;
  size_t attached_ = 0;
  std::string first_error_;
};

// ---------------------------------------------------------------------------
class KprobeBackend final : public KprobeBackendBase {
 public:
  KprobeBackend(std::vector<Probe> probes, unsigned threads)
      : KprobeBackendBase(std::move(probes)), threads_(std::max(1u, threads)) {}
  ~KprobeBackend() override { detach(); }
  const char* name() const override { return "kprobe"; }
  size_t attached() const override { return attached_; }

  void attach(const bpf::CoreProgram& prog) override {
    auto t0 = std::chrono::steady_clock::now();
    std::ifstream tf("/sys/bus/event_source/devices/kprobe/type");
    uint32_t pmu = 0;
    if (!(tf >> pmu)) throw Error("kprobe: the kernel has no kprobe PMU (CONFIG_KPROBES is off)");
    slots_.clear();
    slots_.resize(probes_.size());
    Progress bar("attaching kprobes", probes_.size());
    std::atomic<bool> fatal{false};
    std::string fatal_msg;
    parallel_for(probes_.size(), threads_, [&](size_t id) {
      if (fatal) return;
      const Probe& p = probes_[id];
      bar.step();
      perf_event_attr attr{};
      attr.size = sizeof(attr);
      attr.type = pmu;
      if (p.retprobe) {
        if (kretprobe_bit() < 0) {
          skip(p, "the kprobe PMU has no retprobe format");
          return;
        }
        attr.config = 1ULL << kretprobe_bit();
      }
      const std::string& kname = p.kernel_name.empty() ? p.name : p.kernel_name;
      attr.config1 = reinterpret_cast<uint64_t>(kname.c_str());  // kprobe_func
      attr.config2 = 0;                                          // probe_offset
      int pfd = static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC));
      if (pfd < 0) {
        skip(p, sys_error("perf_event_open"));
        return;
      }
      UniqueFd perf(pfd);
      LIBBPF_OPTS(bpf_link_create_opts, lo);
      lo.perf_event.bpf_cookie = cookie_of(id, p);
      int lfd = bpf_link_create(prog_for(prog, p, false), pfd, BPF_PERF_EVENT, &lo);
      if (lfd < 0) {
        const int err = -errno;
        if (err == -EPERM) {
          std::lock_guard lock(mu_);
          if (!fatal.exchange(true)) fatal_msg = "kprobe: attaching the BPF program: " + errno_text(err);
        }
        skip(p, errno_text(err));
        return;
      }
      slots_[id].perf = std::move(perf);
      slots_[id].link = UniqueFd(lfd);
      ++attached_;
    });
    bar.done();
    if (fatal) {
      detach();
      throw Error(fatal_msg);
    }
    if (attached_ == 0) {
      detach();
      throw Error("kprobe: no function could be attached");
    }
    report("attached (kprobe)", t0);
  }

  void detach() override {
    if (attached_ == 0 && slots_.empty()) return;
    auto t0 = std::chrono::steady_clock::now();
    const size_t n = attached_.load();
    Progress bar("detaching kprobes", n);
    // Closing the perf event unregisters the kprobe (an RCU grace period
    // each): do it on many threads so that the waits overlap.
    parallel_for(slots_.size(), threads_, [&](size_t i) {
      if (!slots_[i].link) return;
      slots_[i].link.reset();
      slots_[i].perf.reset();
      bar.step();
    });
    bar.done();
    slots_.clear();
    attached_ = 0;
    if (n > 0)
      spdlog::info("detached {} kprobes in {} ms", n,
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  }

 private:
  struct Slot {
    UniqueFd perf, link;
  };
  unsigned threads_;
  std::vector<Slot> slots_;
  std::atomic<size_t> attached_{0};
};

}  // namespace

std::unique_ptr<Backend> make_kprobe_multi_backend(std::vector<Probe> probes) {
  for (auto& p : probes) p.kind = PWRU_PROBE_KPROBE_MULTI;
  return std::make_unique<KprobeMultiBackend>(std::move(probes));
}

std::unique_ptr<Backend> make_kprobe_backend(std::vector<Probe> probes, unsigned threads) {
  for (auto& p : probes) p.kind = PWRU_PROBE_KPROBE;
  return std::make_unique<KprobeBackend>(std::move(probes), threads);
}

}  // namespace pwru::attach
