// SPDX-License-Identifier: Apache-2.0
#include "plugin_loader.h"

#include <dlfcn.h>

#include <cstdio>
#include <stdexcept>

namespace pwru::test {
namespace {

void log_cb(void* /*ctx*/, int /*level*/, const char* /*plugin*/, const char* /*msg*/) {}

const pwru_host_v1 kHost = {sizeof(pwru_host_v1), PWRU_ABI_MINOR, nullptr, &log_cb};

}  // namespace

PcapPlugin::PcapPlugin() {
  handle_ = dlopen(PWRU_FILTER_PCAP_SO, RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
  auto entry = reinterpret_cast<pwru_plugin_entry_v1_fn>(dlsym(handle_, PWRU_PLUGIN_ENTRY_V1_NAME));
  if (entry == nullptr) throw std::runtime_error("no " PWRU_PLUGIN_ENTRY_V1_NAME " in " PWRU_FILTER_PCAP_SO);
  desc_ = entry();
  if (desc_ == nullptr) throw std::runtime_error("entry returned NULL");
}

PcapPlugin::~PcapPlugin() {
  if (handle_ != nullptr) dlclose(handle_);
}

std::string PcapPlugin::expr_toml(const std::string& expr) {
  std::string s = "expr = \"";
  for (char c : expr) {
    if (c == '"' || c == '\\') s += '\\';
    s += c;
  }
  return s + "\"\n";
}

PcapPlugin::Instance::Instance(const pwru_plugin_v1& desc, const std::string& toml) : desc_(desc) {
  char buf[1024] = {};
  pwru_error err{buf, sizeof(buf)};
  inst_ = desc_.create(&kHost, toml.c_str(), "test", &err);
  if (inst_ == nullptr) error_ = buf;
}

PcapPlugin::Instance::~Instance() {
  if (inst_ != nullptr) desc_.destroy(inst_);
}

bool PcapPlugin::Instance::build(uint32_t buf_size) {
  char buf[1024] = {};
  pwru_error err{buf, sizeof(buf)};
  pwru_filter_env_v1 env{};
  env.size = sizeof(env);
  env.pkt_buf_size = buf_size;
  spec_ = {};
  spec_.size = sizeof(spec_);
  const auto* ops = static_cast<const pwru_filter_ops_v1*>(desc_.ops);
  if (ops->build(inst_, &env, &spec_, &err) != 0) {
    error_ = buf;
    return false;
  }
  return true;
}

const pwru_filter_code_v1* PcapPlugin::Instance::code(uint32_t slot) const {
  for (uint32_t i = 0; i < spec_.ncode; ++i)
    if (spec_.code[i]->slot == slot) return spec_.code[i];
  return nullptr;
}

}  // namespace pwru::test
