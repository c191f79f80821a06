// SPDX-License-Identifier: Apache-2.0
// The kprobe candidate scan (core/kernel/skb_funcs): BTF on the running
// kernel's real /sys/kernel/btf/vmlinux, available_filter_functions and
// kallsyms from fixture text, module split BTF written here with libbpf,
// and the real available_filter_functions path (unreadable on this host:
// EPERM) in a private mount namespace.
#include "kernel/skb_funcs.h"

#include <bpf/btf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "kernel/btf.h"
#include "util/error.h"

namespace pwru::kernel {
namespace {

namespace fs = std::filesystem;

const SkbFunc* find(const std::vector<SkbFunc>& v, const std::string& name,
                    const std::string& module = "vmlinux") {
  auto it = std::find_if(v.begin(), v.end(),
                         [&](const SkbFunc& f) { return f.name == name && f.module == module; });
  return it == v.end() ? nullptr : &*it;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pwru-skb-funcs-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

// The BTF part of the scan, once for all tests (about 20 ms).
const std::vector<SkbFunc>& vmlinux_funcs() {
  static const std::vector<SkbFunc> funcs = [] {
    auto btf = KernelBtf::load();
    return btf_skb_funcs(btf->raw(), "vmlinux");
  }();
  return funcs;
}

// ---- BTF -------------------------------------------------------------------

TEST(SkbFuncsBtf, RealVmlinuxPositions) {
  const auto& funcs = vmlinux_funcs();
  // cilium/pwru reports about 1400-1700 on 6.x kernels; this one counts also
  // const struct sk_buff * parameters (pwru does not: ScanOptions::plain_skb_only).
  EXPECT_GE(funcs.size(), 1200u);
  EXPECT_LE(funcs.size(), 5000u);

  // int ip_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt,
  //            struct net_device *orig_dev)
  const SkbFunc* ip_rcv = find(funcs, "ip_rcv");
  ASSERT_NE(ip_rcv, nullptr);
  EXPECT_EQ(ip_rcv->skb_pos, 1);
  EXPECT_EQ(ip_rcv->reason_pos, 0);
  EXPECT_EQ(ip_rcv->nargs, 4);

  // Before 6.11: kfree_skb_reason(skb, reason). Since: an inline wrapper of
  // sk_skb_reason_drop(sk, skb, reason).
  const SkbFunc* kfree = find(funcs, "kfree_skb_reason");
  const SkbFunc* drop = find(funcs, "sk_skb_reason_drop");
  ASSERT_TRUE(kfree != nullptr || drop != nullptr);
  if (kfree != nullptr) {
    EXPECT_EQ(kfree->skb_pos, 1);
    EXPECT_EQ(kfree->reason_pos, 2);
  }
  if (drop != nullptr) {
    EXPECT_EQ(drop->skb_pos, 2);
    EXPECT_EQ(drop->reason_pos, 3);
    EXPECT_EQ(drop->nargs, 3);
  }

  // The __netif_receive_skb family: __netif_receive_skb_core takes a
  // struct sk_buff ** (not an skb), the two wrappers take the skb first.
  for (const char* name : {"__netif_receive_skb", "__netif_receive_skb_one_core"}) {
    const SkbFunc* f = find(funcs, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->skb_pos, 1) << name;
  }
  EXPECT_EQ(find(funcs, "__netif_receive_skb_core"), nullptr);
  // Functions without an skb never appear.
  EXPECT_EQ(find(funcs, "schedule"), nullptr);
  EXPECT_EQ(find(funcs, "vprintk"), nullptr);
}

TEST(SkbFuncsBtf, EveryEntryIsWellFormedSortedAndUnique) {
  const auto& funcs = vmlinux_funcs();
  for (const auto& f : funcs) {
    EXPECT_FALSE(f.name.empty());
    EXPECT_EQ(f.module, "vmlinux");
    EXPECT_GE(f.skb_pos, 1) << f.name;
    EXPECT_LE(f.skb_pos, 5) << f.name;
    EXPECT_LE(f.skb_pos, f.nargs) << f.name;
    EXPECT_GE(f.reason_pos, 0) << f.name;
    EXPECT_LE(f.reason_pos, 5) << f.name;
    EXPECT_NE(f.reason_pos, f.skb_pos) << f.name;
    EXPECT_EQ(f.addr, 0u);
    EXPECT_TRUE(f.addrs.empty());
  }
  EXPECT_TRUE(std::adjacent_find(funcs.begin(), funcs.end(), [](const auto& a, const auto& b) {
                return a.name >= b.name;
              }) == funcs.end());
}

TEST(SkbFuncsBtf, PlainSkbOnlyIsPwrusNarrowerSet) {
  auto btf = KernelBtf::load();
  const auto plain = btf_skb_funcs(btf->raw(), "vmlinux", 1, true);
  const auto& all = vmlinux_funcs();
  EXPECT_LT(plain.size(), all.size());
  EXPECT_GE(plain.size(), 1000u);
  for (const auto& f : plain) {
    const SkbFunc* g = find(all, f.name);
    ASSERT_NE(g, nullptr) << f.name;             // a subset...
    EXPECT_LE(g->skb_pos, f.skb_pos) << f.name;  // ...where a const skb may come earlier
  }
  EXPECT_NE(find(plain, "ip_rcv"), nullptr);
}

TEST(SkbFuncsBtf, ScanIsFast) {
  // Not a benchmark (those never fail on time): a guard against an
  // accidentally quadratic scan. Load + scan take ~30 ms here.
  const auto t0 = std::chrono::steady_clock::now();
  auto btf = KernelBtf::load();
  const auto t1 = std::chrono::steady_clock::now();
  const auto funcs = btf_skb_funcs(btf->raw(), "vmlinux");
  const auto t2 = std::chrono::steady_clock::now();
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("BTF load %.1f ms, skb scan of %u types %.1f ms, %zu functions\n", ms(t1 - t0),
              btf__type_cnt(btf->raw()), ms(t2 - t1), funcs.size());
  EXPECT_LT(ms(t2 - t0), 2000.0);
}

// A module's split BTF on top of the running kernel's, written with libbpf:
//   fake_xmit(int, const struct sk_buff *)             skb 2 (const skipped)
//   fake_drop(struct sk_buff *, enum skb_drop_reason)  skb 1, reason 2
//   fake_typedef(fake_skb_t *)                         skb 1 (typedef skipped)
//   fake_vararg(struct sk_buff *, ...)                 skb 1, nargs 1
//   fake_late(int, int, int, int, int, struct sk_buff *)  no: skb at 6
//   fake_noskb(int)                                    no
//   fake_pskb(struct sk_buff **)                       no
//   fake_plain(int, struct sk_buff *)                  skb 2
std::string fake_module_btf(const struct btf* base) {
  struct btf* b = btf__new_empty_split(const_cast<struct btf*>(base));
  if (b == nullptr) throw std::runtime_error("btf__new_empty_split failed");
  const int skb = btf__find_by_name_kind(base, "sk_buff", BTF_KIND_STRUCT);
  int reason = btf__find_by_name_kind(base, "skb_drop_reason", BTF_KIND_ENUM);
  if (reason < 0) reason = btf__find_by_name_kind(base, "skb_drop_reason", BTF_KIND_ENUM64);
  if (skb < 0 || reason < 0) throw std::runtime_error("no sk_buff or skb_drop_reason in BTF");
  const int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  const int skb_ptr = btf__add_ptr(b, skb);
  const int const_skb_ptr = btf__add_ptr(b, btf__add_const(b, skb));
  const int typedef_ptr = btf__add_ptr(b, btf__add_typedef(b, "fake_skb_t", skb));
  const int pskb = btf__add_ptr(b, skb_ptr);

  const auto func = [&](const char* name, std::initializer_list<int> params, bool vararg = false) {
    const int proto = btf__add_func_proto(b, i32);
    for (int p : params) btf__add_func_param(b, "", p);
    if (vararg) btf__add_func_param(b, "", 0);
    btf__add_func(b, name, BTF_FUNC_STATIC, proto);
  };
  func("fake_xmit", {i32, const_skb_ptr});
  func("fake_drop", {skb_ptr, reason});
  func("fake_typedef", {typedef_ptr});
  func("fake_vararg", {skb_ptr}, true);
  func("fake_late", {i32, i32, i32, i32, i32, skb_ptr});
  func("fake_noskb", {i32});
  func("fake_pskb", {pskb});
  func("fake_plain", {i32, skb_ptr});

  uint32_t size = 0;
  const void* raw = btf__raw_data(b, &size);
  std::string out(static_cast<const char*>(raw), size);
  btf__free(b);
  return out;
}

TEST(SkbFuncsBtf, ModuleSplitBtf) {
  auto kernel = KernelBtf::load();
  TempDir dir;
  dir.write("fakemod", fake_module_btf(kernel->raw()));
  struct btf* split = btf__parse_split((dir.path() / "fakemod").c_str(), kernel->raw());
  ASSERT_NE(split, nullptr);
  const auto funcs = btf_skb_funcs(split, "fakemod", btf__type_cnt(kernel->raw()));
  btf__free(split);
  std::vector<std::string> names;
  for (const auto& f : funcs) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fake_drop", "fake_plain", "fake_typedef",
                                             "fake_vararg", "fake_xmit"}));
  // cilium/pwru's test: no const, no typedef.
  struct btf* split2 = btf__parse_split((dir.path() / "fakemod").c_str(), kernel->raw());
  const auto plain = btf_skb_funcs(split2, "fakemod", btf__type_cnt(kernel->raw()), true);
  btf__free(split2);
  names.clear();
  for (const auto& f : plain) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fake_drop", "fake_plain", "fake_vararg"}));
  const SkbFunc* x = find(funcs, "fake_xmit", "fakemod");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->skb_pos, 2);
  EXPECT_EQ(x->nargs, 2);
  const SkbFunc* d = find(funcs, "fake_drop", "fakemod");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->skb_pos, 1);
  EXPECT_EQ(d->reason_pos, 2);
  const SkbFunc* v = find(funcs, "fake_vararg", "fakemod");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->nargs, 1);
}

// ---- available_filter_functions ---------------------------------------------

TEST(SkbFuncsTraceable, ParsesNamesModulesDuplicatesAndSuffixes) {
  const TraceableFuncs t = TraceableFuncs::parse(
      "ip_rcv\n"
      "ip_rcv_core\n"
      "__netif_receive_skb_core.constprop.0\n"
      "tcp_v4_rcv\n"
      "dup_static\n"
      "dup_static\n"  // two static functions with one name: listed twice
      "veth_xmit [veth]\n"
      "veth_poll\t[veth]\n"  // any blank separator
      "skb_thing.isra.0 [veth]\n"
      "\n"
      "   \n"
      "broken [veth\n"  // not "name [module]": ignored
      "ip_output\r\n"
      "last_line_without_newline");
  EXPECT_TRUE(t.contains("ip_rcv", "vmlinux"));
  EXPECT_TRUE(t.contains("ip_rcv_core", "vmlinux"));
  EXPECT_TRUE(t.contains("ip_output", "vmlinux"));
  EXPECT_TRUE(t.contains("last_line_without_newline", "vmlinux"));
  EXPECT_TRUE(t.contains("dup_static", "vmlinux"));
  EXPECT_EQ(t.duplicates(), 1u);
  EXPECT_FALSE(t.contains("ip_rcv", "veth"));
  EXPECT_TRUE(t.contains("veth_xmit", "veth"));
  EXPECT_TRUE(t.contains("veth_poll", "veth"));
  EXPECT_FALSE(t.contains("veth_xmit", "vmlinux"));  // module functions need their module
  EXPECT_FALSE(t.contains("broken", "vmlinux"));
  // Renamed by the compiler: not traceable by the BTF name, noticed.
  EXPECT_FALSE(t.contains("__netif_receive_skb_core", "vmlinux"));
  EXPECT_TRUE(t.renamed("__netif_receive_skb_core", "vmlinux"));
  EXPECT_TRUE(t.renamed("skb_thing", "veth"));
  EXPECT_FALSE(t.renamed("skb_thing", "vmlinux"));
  EXPECT_FALSE(t.renamed("ip_rcv", "vmlinux"));
  EXPECT_EQ(t.size(), 10u);
}

TEST(SkbFuncsTraceable, ExplicitDirectoryErrorsNameThePath) {
  TempDir dir;
  try {
    read_available_filter_functions(dir.path().string(), nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir.path() / "available_filter_functions").string() + ": No such file or directory");
  }
  dir.write("available_filter_functions", "ip_rcv\n");
  std::string used;
  EXPECT_EQ(read_available_filter_functions(dir.path().string(), &used), "ip_rcv\n");
  EXPECT_EQ(used, dir.path().string());
}

// ---- kallsyms ---------------------------------------------------------------

TEST(SkbFuncsKallsyms, JoinsByNameAndModuleTextSymbolsOnly) {
  std::vector<SkbFunc> funcs(5);
  funcs[0].name = "ip_rcv";
  funcs[0].module = "vmlinux";
  funcs[1].name = "dup_static";
  funcs[1].module = "vmlinux";
  funcs[2].name = "veth_xmit";
  funcs[2].module = "veth";
  funcs[3].name = "missing";
  funcs[3].module = "vmlinux";
  funcs[4].name = "data_too";
  funcs[4].module = "vmlinux";
  join_kallsyms(funcs,
                "ffffffff81000000 T _text\n"
                "ffffffff81a00000 T ip_rcv\n"
                "ffffffff81a00100 t dup_static\n"
                "ffffffff81b00100 t dup_static\n"
                "ffffffff81900000 t dup_static\n"
                "ffffffffc0a01000 t veth_xmit\t[veth]\n"
                "ffffffff81c00000 t veth_xmit\n"  // a vmlinux function of that name
                "ffffffff82000000 d data_too\n"   // data, not a function
                "ffffffff82000000 D missing\n"
                "0000000000000000 T ip_rcv\n"  // hidden address (kptr_restrict)
                "garbage\n"
                "ffffffff81a00000 T");
  EXPECT_EQ(funcs[0].addr, 0xffffffff81a00000u);
  EXPECT_EQ(funcs[0].addrs.size(), 1u);
  EXPECT_EQ(funcs[1].addr, 0xffffffff81900000u);  // the lowest
  EXPECT_EQ(funcs[1].addrs,
            (std::vector<uint64_t>{0xffffffff81900000, 0xffffffff81a00100, 0xffffffff81b00100}));
  EXPECT_EQ(funcs[2].addrs, std::vector<uint64_t>{0xffffffffc0a01000});
  EXPECT_EQ(funcs[3].addr, 0u);
  EXPECT_TRUE(funcs[3].addrs.empty());
  EXPECT_EQ(funcs[4].addr, 0u);
}

// ---- the whole scan ---------------------------------------------------------

TEST(SkbFuncsScan, IntersectsWithTraceableAndJoinsKallsyms) {
  TempDir dir;
  dir.write("available_filter_functions",
            "ip_rcv\n"
            "sk_skb_reason_drop\n"
            "kfree_skb_reason\n"
            "__netif_receive_skb_one_core.constprop.0\n"
            "__netif_receive_skb\n"
            "schedule\n");
  const std::string ksyms = dir.write("kallsyms",
                                      "ffffffff81a00000 T ip_rcv\n"
                                      "ffffffff81a10000 T sk_skb_reason_drop\n"
                                      "ffffffff81a20000 T kfree_skb_reason\n");
  ScanOptions opts;
  opts.tracefs = dir.path().string();
  opts.kallsyms = ksyms;
  const SkbFuncScan scan = scan_skb_funcs(opts);
  ASSERT_TRUE(scan.ok()) << scan.error;
  EXPECT_EQ(scan.tracefs_used, dir.path().string());
  EXPECT_EQ(scan.btf_total, vmlinux_funcs().size());
  std::vector<std::string> names;
  for (const auto& f : scan.funcs) names.push_back(f.name);
  // Whichever of the two drop functions this kernel has; schedule has no skb.
  std::vector<std::string> want = {"__netif_receive_skb", "ip_rcv"};
  if (find(vmlinux_funcs(), "kfree_skb_reason")) want.push_back("kfree_skb_reason");
  if (find(vmlinux_funcs(), "sk_skb_reason_drop")) want.push_back("sk_skb_reason_drop");
  EXPECT_EQ(names, want);
  EXPECT_EQ(scan.not_traceable, scan.btf_total - want.size());
  EXPECT_EQ(scan.renamed, 1u);          // __netif_receive_skb_one_core
  EXPECT_EQ(scan.not_in_kallsyms, 1u);  // __netif_receive_skb
  EXPECT_EQ(find(scan.funcs, "ip_rcv")->addr, 0xffffffff81a00000u);
  EXPECT_EQ(find(scan.funcs, "__netif_receive_skb")->addr, 0u);
  EXPECT_TRUE(scan.modules.empty());
}

TEST(SkbFuncsScan, RealKallsymsAndAnAlreadyLoadedKernelBtf) {
  TempDir dir;
  dir.write("available_filter_functions", "ip_rcv\nip_output\n");
  auto kernel = KernelBtf::load();
  ScanOptions opts;
  opts.tracefs = dir.path().string();
  opts.kernel_btf = "/nonexistent";  // ignored: `kernel` is given
  const SkbFuncScan scan = scan_skb_funcs(opts, kernel.get());
  ASSERT_TRUE(scan.ok()) << scan.error;
  ASSERT_EQ(scan.funcs.size(), 2u);
  for (const auto& f : scan.funcs) {
    EXPECT_NE(f.addr, 0u) << f.name;  // pwru's tests run as root: addresses are visible
    EXPECT_EQ(f.addr, f.addrs.front());
  }
  EXPECT_EQ(scan.not_in_kallsyms, 0u);
}

TEST(SkbFuncsScan, KernelBtfFile) {
  TempDir dir;
  dir.write("available_filter_functions", "ip_rcv\n");
  ScanOptions opts;
  opts.tracefs = dir.path().string();
  opts.kallsyms = dir.write("kallsyms", "");
  opts.kernel_btf = "/sys/kernel/btf/vmlinux";  // --kernel-btf with a file
  const SkbFuncScan scan = scan_skb_funcs(opts);
  ASSERT_EQ(scan.funcs.size(), 1u);
  EXPECT_EQ(scan.not_in_kallsyms, 1u);
  opts.kernel_btf = (dir.path() / "nope").string();
  EXPECT_THROW(scan_skb_funcs(opts), Error);
}

TEST(SkbFuncsScan, Modules) {
  auto kernel = KernelBtf::load();
  TempDir btf_dir;  // like /sys/kernel/btf: vmlinux and one module
  fs::create_symlink("/sys/kernel/btf/vmlinux", btf_dir.path() / "vmlinux");
  btf_dir.write("fakemod", fake_module_btf(kernel->raw()));
  TempDir dir;
  dir.write("available_filter_functions",
            "ip_rcv\n"
            "fake_xmit [fakemod]\n"
            "fake_drop [fakemod]\n"
            "fake_typedef\n"  // listed as a vmlinux function: not this module's
            "fake_vararg [othermod]\n");
  ScanOptions opts;
  opts.btf_dir = btf_dir.path().string();
  opts.tracefs = dir.path().string();
  opts.kallsyms = dir.write("kallsyms",
                            "ffffffff81a00000 T ip_rcv\n"
                            "ffffffffc0001000 t fake_xmit\t[fakemod]\n"
                            "ffffffffc0002000 t fake_drop\n");
  const auto check = [&](const SkbFuncScan& scan) {
    ASSERT_TRUE(scan.ok()) << scan.error;
    EXPECT_EQ(scan.modules, std::vector<std::string>{"fakemod"});
    EXPECT_EQ(scan.btf_total, vmlinux_funcs().size() + 5);
    ASSERT_EQ(scan.funcs.size(), 3u);
    EXPECT_EQ(scan.funcs[0].name, "ip_rcv");  // vmlinux first
    EXPECT_EQ(scan.funcs[1].name, "fake_drop");
    EXPECT_EQ(scan.funcs[1].module, "fakemod");
    EXPECT_EQ(scan.funcs[1].addr, 0u);  // only a vmlinux symbol of that name
    EXPECT_EQ(scan.funcs[2].name, "fake_xmit");
    EXPECT_EQ(scan.funcs[2].skb_pos, 2);
    EXPECT_EQ(scan.funcs[2].addr, 0xffffffffc0001000u);
    EXPECT_EQ(scan.not_in_kallsyms, 1u);
  };
  opts.kmods = {"fakemod", "vmlinux", "fakemod"};  // vmlinux and repeats are ignored
  check(scan_skb_funcs(opts, kernel.get()));
  opts.kmods.clear();
  opts.all_kmods = true;
  check(scan_skb_funcs(opts));  // loads /sys/kernel/btf/vmlinux itself

  // A file that is not BTF.
  btf_dir.write("garbage", "not BTF at all");
  opts.kmods = {"garbage"};
  try {
    scan_skb_funcs(opts, kernel.get());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot load the BTF of module 'garbage' from " +
                                         (btf_dir.path() / "garbage").string() +
                                         ": BPF object format invalid");
  }

  for (const char* bad : {"../vmlinux", "", "a/b", ".."}) {
    opts.kmods = {bad};
    try {
      scan_skb_funcs(opts, kernel.get());
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("--kmods: invalid module name '") + bad + "'");
    }
  }

  // A module without BTF: one line naming it.
  opts.all_kmods = false;
  opts.kmods = {"nosuchmod"};
  try {
    scan_skb_funcs(opts, kernel.get());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot load the BTF of module 'nosuchmod' from " +
                                         (btf_dir.path() / "nosuchmod").string() +
                                         ": No such file or directory (is the module loaded?)");
  }
}

TEST(SkbFuncsScan, UnreadableFilesAreReportedNotThrown) {
  TempDir dir;
  auto kernel = KernelBtf::load();
  ScanOptions opts;
  opts.tracefs = dir.path().string();
  SkbFuncScan scan = scan_skb_funcs(opts, kernel.get());
  EXPECT_FALSE(scan.ok());
  EXPECT_EQ(scan.error, "cannot read available_filter_functions (" +
                            (dir.path() / "available_filter_functions").string() +
                            ": No such file or directory)");
  EXPECT_TRUE(scan.funcs.empty());
  EXPECT_EQ(scan.btf_total, vmlinux_funcs().size());

  dir.write("available_filter_functions", "ip_rcv\n");
  opts.kallsyms = (dir.path() / "no-kallsyms").string();
  scan = scan_skb_funcs(opts, kernel.get());
  EXPECT_EQ(scan.error, "cannot read " + opts.kallsyms + " (No such file or directory)");
  EXPECT_TRUE(scan.funcs.empty());
}

// The real path: /sys/kernel/tracing, then /sys/kernel/debug/tracing, then
// mounting tracefs. Run in a child in its own mount namespace, so a mount
// made here never leaks to the host. On this development host tracefs reads
// fail with EPERM; in the VM (and on ordinary machines) they succeed: both
// outcomes are checked for their shape.
TEST(SkbFuncsScan, RealTracefsInAPrivateMountNamespace) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      out = "SKIP cannot make a private mount namespace: " + errno_text(errno);
    } else {
      try {
        const SkbFuncScan scan = scan_skb_funcs({});
        out = scan.ok() ? "OK " + std::to_string(scan.funcs.size()) + " " + scan.tracefs_used
                        : "ERR " + scan.error;
      } catch (const std::exception& e) {
        out = std::string("THROW ") + e.what();
      }
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::printf("real tracefs: %s\n", out.c_str());
  if (out.starts_with("SKIP")) GTEST_SKIP() << out;
  if (out.starts_with("OK ")) {
    EXPECT_GE(std::stoul(out.substr(3)), 1000u) << out;
    return;
  }
  // "ERR cannot read available_filter_functions (/sys/kernel/tracing/...: Operation not permitted)"
  // (or "... (tracefs is not mounted and mounting it at /sys/kernel/tracing failed: ...)")
  ASSERT_TRUE(out.starts_with("ERR cannot read available_filter_functions (")) << out;
  EXPECT_TRUE(out.ends_with(")")) << out;
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
}

}  // namespace
}  // namespace pwru::kernel
