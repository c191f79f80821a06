// SPDX-License-Identifier: Apache-2.0
//
// The kprobe candidate scan (core/kernel/skb_funcs) on this machine's real
// BTF and /proc/kallsyms: loading vmlinux BTF, the skb-parameter scan over
// every type, parsing available_filter_functions, and the whole scan.
// This host cannot read available_filter_functions (EPERM), so the whole
// scan reads a stand-in written from BTF: every FUNC name, one per line, as
// large as the real file (tens of thousands of lines). Figures only.
#include <benchmark/benchmark.h>
#include <bpf/btf.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kernel/btf.h"
#include "kernel/skb_funcs.h"

namespace {

using namespace pwru::kernel;

std::string all_func_names() {
  auto k = KernelBtf::load();
  std::string out;
  const uint32_t n = btf__type_cnt(k->raw());
  for (uint32_t id = 1; id < n; ++id) {
    const btf_type* t = btf__type_by_id(k->raw(), id);
    if (btf_is_func(t)) out.append(btf__name_by_offset(k->raw(), t->name_off)).append("\n");
  }
  return out;
}

void BM_BtfLoad(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(KernelBtf::load());
}
BENCHMARK(BM_BtfLoad)->Unit(benchmark::kMillisecond);

void BM_BtfSkbScan(benchmark::State& state) {
  auto k = KernelBtf::load();
  std::size_t n = 0;
  for (auto _ : state) n = btf_skb_funcs(k->raw(), "vmlinux").size();
  state.counters["types"] = btf__type_cnt(k->raw());
  state.counters["skb_funcs"] = static_cast<double>(n);
}
BENCHMARK(BM_BtfSkbScan)->Unit(benchmark::kMillisecond);

void BM_ParseAvailableFilterFunctions(benchmark::State& state) {
  const std::string text = all_func_names();
  for (auto _ : state) benchmark::DoNotOptimize(TraceableFuncs::parse(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseAvailableFilterFunctions)->Unit(benchmark::kMillisecond);

// Everything the session pays: BTF load, scan, available_filter_functions,
// /proc/kallsyms.
void BM_FullScan(benchmark::State& state) {
  char tmpl[] = "/tmp/pwru-bench-scan-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::string dir = tmpl;
  std::ofstream(dir + "/available_filter_functions") << all_func_names();
  ScanOptions opts;
  opts.tracefs = dir;
  SkbFuncScan scan;
  for (auto _ : state) scan = scan_skb_funcs(opts);
  state.counters["funcs"] = static_cast<double>(scan.funcs.size());
  state.counters["not_in_kallsyms"] = static_cast<double>(scan.not_in_kallsyms);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_FullScan)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
