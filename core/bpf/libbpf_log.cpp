// SPDX-License-Identifier: Apache-2.0
#include "bpf/libbpf_log.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>

namespace pwru::bpf {
namespace {

std::mutex g_mu;
std::deque<std::string> g_lines;
int g_capturing = 0;

int print_fn(enum libbpf_print_level level, const char* fmt, va_list ap) {
  // Verifier logs arrive as one message of many kilobytes: size it first.
  va_list ap2;
  va_copy(ap2, ap);
  int n = std::vsnprintf(nullptr, 0, fmt, ap2);
  va_end(ap2);
  if (n <= 0) return n;
  std::string s(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(s.data(), s.size(), fmt, ap);
  s.resize(static_cast<size_t>(n));
  while (!s.empty() && s.back() == '\n') s.pop_back();
  spdlog::debug("libbpf: {}", s);
  if (level != LIBBPF_DEBUG) {
    std::lock_guard lk(g_mu);
    if (g_capturing > 0) {
      // Verifier logs arrive as one multi-line message; keep it by lines.
      size_t pos = 0;
      while (pos <= s.size()) {
        size_t nl = s.find('\n', pos);
        std::string line = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (!line.empty()) g_lines.push_back(line);
        if (g_lines.size() > 200) g_lines.pop_front();
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
    }
  }
  return n;
}

}  // namespace

void install_libbpf_logger() { libbpf_set_print(print_fn); }

LibbpfLogCapture::LibbpfLogCapture() {
  install_libbpf_logger();
  std::lock_guard lk(g_mu);
  if (g_capturing++ == 0) g_lines.clear();
}

LibbpfLogCapture::~LibbpfLogCapture() {
  std::lock_guard lk(g_mu);
  --g_capturing;
}

std::string LibbpfLogCapture::tail(size_t lines) const {
  std::lock_guard lk(g_mu);
  std::string out;
  size_t from = g_lines.size() > lines ? g_lines.size() - lines : 0;
  for (size_t i = from; i < g_lines.size(); ++i) out += "\n  " + g_lines[i];
  return out;
}

}  // namespace pwru::bpf
