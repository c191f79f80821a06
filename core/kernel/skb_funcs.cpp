// SPDX-License-Identifier: Apache-2.0
#include "kernel/skb_funcs.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "kernel/btf.h"
#include "util/error.h"

namespace pwru::kernel {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAff = "available_filter_functions";
constexpr const char* kTracefsDirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
// The kernel program reads at most five arguments (PT_REGS_PARM1..5).
constexpr int kMaxPos = 5;

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

// Follows typedefs, qualifiers and type tags to the type that matters.
const btf_type* skip_mods(const struct btf* b, uint32_t id) {
  const btf_type* t = btf__type_by_id(b, id);
  while (t != nullptr && (btf_is_typedef(t) || btf_is_mod(t))) t = btf__type_by_id(b, t->type);
  return t;
}

bool named(const struct btf* b, const btf_type* t, const char* name) {
  const char* n = btf__name_by_offset(b, t->name_off);
  return n != nullptr && std::strcmp(n, name) == 0;
}

// A struct sk_buff * after typedefs and qualifiers on either side of the
// pointer (const struct sk_buff * included); `plain`: cilium/pwru's test, the
// parameter's own type is a pointer straight to struct sk_buff.
bool is_skb_ptr(const struct btf* b, uint32_t id, bool plain) {
  const btf_type* t = plain ? btf__type_by_id(b, id) : skip_mods(b, id);
  if (t == nullptr || !btf_is_ptr(t)) return false;
  const btf_type* s = plain ? btf__type_by_id(b, t->type) : skip_mods(b, t->type);
  return s != nullptr && btf_is_struct(s) && named(b, s, "sk_buff");
}

bool is_drop_reason(const struct btf* b, uint32_t id) {
  const btf_type* t = skip_mods(b, id);
  return t != nullptr && btf_is_any_enum(t) && named(b, t, "skb_drop_reason");
}

// The key kallsyms uses once its tab is dropped: "name" or "name[module]".
std::string ksym_key(std::string_view name, std::string_view module) {
  std::string key(name);
  if (module != "vmlinux") key.append("[").append(module).append("]");
  return key;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Reads a whole file (procfs and tracefs report size 0, so no stat()).
// Returns 0 or an errno.
int read_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  out.clear();
  std::size_t len = 0;
  out.resize(1 << 20);
  for (;;) {
    if (out.size() - len < (1 << 16)) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + len, out.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return err;
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(len);
  return 0;
}

// NULL with errno set on failure (libbpf 1.x).
BtfPtr parse_btf(const std::string& path, struct btf* base) {
  struct btf* b =
      base != nullptr ? btf__parse_split(path.c_str(), base) : btf__parse(path.c_str(), nullptr);
  if (b == nullptr || libbpf_get_error(b) != 0) return {};
  return BtfPtr(b);
}

// strerror() for errno values, libbpf's own text for its LIBBPF_ERRNO__*.
std::string bpf_errno_text(int err) {
  char buf[128];
  if (libbpf_strerror(err, buf, sizeof buf) == 0) return buf;
  return errno_text(err);
}

std::vector<std::string> module_names(const ScanOptions& opts) {
  std::set<std::string> mods;
  if (opts.all_kmods) {
    std::error_code ec;
    for (fs::directory_iterator it(opts.btf_dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string n = it->path().filename().string();
      if (n != "vmlinux") mods.insert(n);
    }
    if (ec) throw Error("--all-kmods: cannot list " + opts.btf_dir + ": " + ec.message());
  }
  for (const auto& m : opts.kmods) {
    // A module name becomes a file name in btf_dir: nothing that leaves it.
    if (m.empty() || m == "." || m == ".." || m.find('/') != std::string::npos)
      throw Error("--kmods: invalid module name '" + m + "'");
    if (m != "vmlinux") mods.insert(m);
  }
  return {mods.begin(), mods.end()};
}

}  // namespace

// ---- BTF -------------------------------------------------------------------

std::vector<SkbFunc> btf_skb_funcs(const struct btf* b, std::string_view module, uint32_t first_id,
                                   bool plain_skb_only) {
  std::vector<SkbFunc> out;
  const uint32_t n = btf__type_cnt(b);
  for (uint32_t id = std::max<uint32_t>(first_id, 1); id < n; ++id) {
    const btf_type* t = btf__type_by_id(b, id);
    if (!btf_is_func(t)) continue;
    const btf_type* proto = btf__type_by_id(b, t->type);
    if (proto == nullptr || !btf_is_func_proto(proto)) continue;
    const btf_param* params = btf_params(proto);
    int vlen = btf_vlen(proto);
    // A trailing parameter of type 0 is the "..." of a variadic function.
    if (vlen > 0 && params[vlen - 1].type == 0) --vlen;
    int skb_pos = 0;
    int reason_pos = 0;
    for (int i = 0; i < vlen && i < kMaxPos; ++i) {
      if (skb_pos == 0 && is_skb_ptr(b, params[i].type, plain_skb_only)) skb_pos = i + 1;
      if (reason_pos == 0 && is_drop_reason(b, params[i].type)) reason_pos = i + 1;
    }
    if (skb_pos == 0) continue;
    SkbFunc f;
    f.name = btf__name_by_offset(b, t->name_off);
    f.module = module;
    f.skb_pos = skb_pos;
    f.reason_pos = reason_pos;
    f.nargs = vlen;
    out.push_back(std::move(f));
  }
  // One entry per name: the first FUNC (pahole emits one per name; a
  // hand-made or older BTF may repeat one).
  std::stable_sort(out.begin(), out.end(),
                   [](const SkbFunc& a, const SkbFunc& c) { return a.name < c.name; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const SkbFunc& a, const SkbFunc& c) { return a.name == c.name; }),
            out.end());
  return out;
}

// ---- available_filter_functions --------------------------------------------

std::size_t TraceableFuncs::KeyHash::operator()(const Key& k) const noexcept {
  const std::hash<std::string_view> h;
  return h(k.name) * 31 + h(k.module);
}

TraceableFuncs TraceableFuncs::parse(std::string text) {
  TraceableFuncs t;
  t.text_ = std::make_unique<const std::string>(std::move(text));
  std::string_view rest = *t.text_;
  t.keys_.reserve(rest.size() / 24);
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    // "name" or "name [module]" (any blanks between).
    Key key{line, "vmlinux"};
    if (const std::size_t sp = line.find_first_of(" \t"); sp != std::string_view::npos) {
      std::string_view module = trim(line.substr(sp));
      if (module.size() < 3 || module.front() != '[' || module.back() != ']') continue;
      key = Key{line.substr(0, sp), module.substr(1, module.size() - 2)};
    }
    if (!t.keys_.insert(key).second) ++t.duplicates_;
    if (const std::size_t dot = key.name.find('.'); dot != std::string_view::npos && dot > 0)
      t.renamed_.insert(Key{key.name.substr(0, dot), key.module});
  }
  return t;
}

bool TraceableFuncs::contains(std::string_view name, std::string_view module) const {
  return keys_.contains(Key{name, module});
}

bool TraceableFuncs::renamed(std::string_view name, std::string_view module) const {
  return renamed_.contains(Key{name, module});
}

std::string read_available_filter_functions(const std::string& tracefs, std::string* used) {
  std::string text;
  const auto attempt = [&](const std::string& dir) {
    const int err = read_file(dir + "/" + kAff, text);
    if (err == 0 && used != nullptr) *used = dir;
    return err;
  };
  if (!tracefs.empty()) {
    if (const int err = attempt(tracefs)) throw Error(sys_error(tracefs + "/" + kAff, err));
    return text;
  }
  // pwru tries the same two in the same order (/sys/kernel/tracing is the
  // only one from 6.17 on); the first readable one wins. The error reported
  // is the first that is not "no such file" (e.g. EPERM under a lockdown).
  std::string first_error;
  for (const char* dir : kTracefsDirs) {
    const int err = attempt(dir);
    if (err == 0) return text;
    if (err != ENOENT && first_error.empty())
      first_error = sys_error(std::string(dir) + "/" + kAff, err);
  }
  if (!first_error.empty()) throw Error(first_error);
  // Not mounted anywhere: mount it where the kernel documents it. It stays
  // mounted (as systemd would have it); nothing else depends on it.
  const char* dir = kTracefsDirs[0];
  if (::mount("tracefs", dir, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    throw Error(
        sys_error(std::string("tracefs is not mounted and mounting it at ") + dir + " failed"));
  if (const int err = attempt(dir)) throw Error(sys_error(std::string(dir) + "/" + kAff, err));
  return text;
}

// ---- kallsyms --------------------------------------------------------------

void join_kallsyms(std::vector<SkbFunc>& funcs, std::string_view text) {
  // key -> indices into funcs; only the wanted names are looked at.
  std::unordered_map<std::string, std::size_t> want;
  want.reserve(funcs.size() * 2);
  for (std::size_t i = 0; i < funcs.size(); ++i) {
    funcs[i].addr = 0;
    funcs[i].addrs.clear();
    want.emplace(ksym_key(funcs[i].name, funcs[i].module), i);
  }
  std::string key;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    // "ffffffff81a00000 T ip_rcv" or "ffffffffc0a01000 t veth_xmit\t[veth]"
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 + 3 > line.size() || line[sp1 + 2] != ' ') continue;
    const char type = line[sp1 + 1];
    if (type != 'T' && type != 't' && type != 'W' && type != 'w') continue;
    std::string_view rest = line.substr(sp1 + 3);
    std::string_view name = rest;
    std::string_view module;
    if (const std::size_t tab = rest.find('\t'); tab != std::string_view::npos) {
      name = rest.substr(0, tab);
      module = trim(rest.substr(tab + 1));
    }
    key.assign(name);
    key.append(module);  // "[veth]" already has its brackets
    const auto it = want.find(key);
    if (it == want.end()) continue;
    uint64_t addr = 0;
    const auto [p, ec] = std::from_chars(line.data(), line.data() + sp1, addr, 16);
    if (ec != std::errc() || p != line.data() + sp1 || addr == 0) continue;
    funcs[it->second].addrs.push_back(addr);
  }
  for (auto& f : funcs) {
    std::sort(f.addrs.begin(), f.addrs.end());
    f.addrs.erase(std::unique(f.addrs.begin(), f.addrs.end()), f.addrs.end());
    f.addr = f.addrs.empty() ? 0 : f.addrs.front();
  }
}

// ---- the whole scan --------------------------------------------------------

SkbFuncScan scan_skb_funcs(const ScanOptions& opts, const KernelBtf* kernel) {
  SkbFuncScan scan;
  // /proc/kallsyms takes the kernel 60-90 ms to produce (about 120k lines):
  // read it on a second thread while this one does BTF and
  // available_filter_functions. (A std::future from std::async waits for
  // the thread in its destructor, also when something below throws.)
  struct Read {
    int err = 0;
    std::string text;
  };
  std::future<Read> kallsyms = std::async(std::launch::async, [path = opts.kallsyms] {
    Read r;
    r.err = read_file(path, r.text);
    return r;
  });
  std::unique_ptr<KernelBtf> owned;
  if (kernel == nullptr) {
    owned = KernelBtf::load(opts.kernel_btf);
    kernel = owned.get();
  }
  std::vector<SkbFunc> all = btf_skb_funcs(kernel->raw(), "vmlinux", 1, opts.plain_skb_only);

  scan.modules = module_names(opts);
  if (!scan.modules.empty()) {
    // Module BTF is split BTF on top of the BTF it was generated against:
    // the running kernel's, whatever --kernel-btf names.
    const std::string base_path = opts.btf_dir + "/vmlinux";
    BtfPtr base_owned;
    struct btf* base = kernel->raw();
    std::error_code ec;
    if (!fs::equivalent(kernel->path(), base_path, ec)) {
      base_owned = parse_btf(base_path, nullptr);
      if (!base_owned)
        throw Error("cannot load kernel BTF from " + base_path + ": " + bpf_errno_text(errno));
      base = base_owned.get();
    }
    const uint32_t first = btf__type_cnt(base);
    for (const auto& mod : scan.modules) {
      const std::string path = opts.btf_dir + "/" + mod;
      BtfPtr split = parse_btf(path, base);
      if (!split) {
        const int err = errno;
        throw Error("cannot load the BTF of module '" + mod + "' from " + path + ": " +
                    bpf_errno_text(err) + (err == ENOENT ? " (is the module loaded?)" : ""));
      }
      auto funcs = btf_skb_funcs(split.get(), mod, first, opts.plain_skb_only);
      std::move(funcs.begin(), funcs.end(), std::back_inserter(all));
    }
  }
  scan.btf_total = all.size();

  std::string aff;
  try {
    aff = read_available_filter_functions(opts.tracefs, &scan.tracefs_used);
  } catch (const Error& e) {
    scan.error = std::string("cannot read ") + kAff + " (" + e.what() + ")";
    return scan;
  }
  const TraceableFuncs traceable = TraceableFuncs::parse(std::move(aff));
  for (auto& f : all) {
    if (traceable.contains(f.name, f.module)) {
      scan.funcs.push_back(std::move(f));
      continue;
    }
    ++scan.not_traceable;
    if (traceable.renamed(f.name, f.module)) ++scan.renamed;
  }

  const Read ksyms = kallsyms.get();
  if (ksyms.err != 0) {
    scan.funcs.clear();
    scan.error = "cannot read " + opts.kallsyms + " (" + errno_text(ksyms.err) + ")";
    return scan;
  }
  join_kallsyms(scan.funcs, ksyms.text);
  for (const auto& f : scan.funcs) {
    scan.not_in_kallsyms += f.addrs.empty();
    scan.ambiguous += f.addrs.size() > 1;
  }
  return scan;
}

}  // namespace pwru::kernel
