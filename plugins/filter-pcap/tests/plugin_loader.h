// SPDX-License-Identifier: Apache-2.0
// Loads the built pwru-filter-pcap.so through its C entry point, the way
// the host does, so the tests exercise the real ABI.
#pragma once

#include <pwru/plugin.h>

#include <string>

namespace pwru::test {

class PcapPlugin {
 public:
  // Opens PWRU_FILTER_PCAP_SO (set by CMake); throws on failure.
  PcapPlugin();
  ~PcapPlugin();
  PcapPlugin(const PcapPlugin&) = delete;
  PcapPlugin& operator=(const PcapPlugin&) = delete;

  const pwru_plugin_v1& desc() const { return *desc_; }

  // One created instance; build() fills spec. Errors land in error().
  class Instance {
   public:
    Instance(const pwru_plugin_v1& desc, const std::string& toml);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;
    bool created() const { return inst_ != nullptr; }
    // Calls ops->build with env.pkt_buf_size = buf_size; false on error.
    bool build(uint32_t buf_size);
    const pwru_filter_spec_v1& spec() const { return spec_; }
    // The code for `slot`, or nullptr.
    const pwru_filter_code_v1* code(uint32_t slot) const;
    const std::string& error() const { return error_; }

   private:
    const pwru_plugin_v1& desc_;
    void* inst_ = nullptr;
    pwru_filter_spec_v1 spec_{};
    std::string error_;
  };

  // `expr = "<expr>"` as a TOML basic string.
  static std::string expr_toml(const std::string& expr);

 private:
  void* handle_ = nullptr;
  const pwru_plugin_v1* desc_ = nullptr;
};

}  // namespace pwru::test
