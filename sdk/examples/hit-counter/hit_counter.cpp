// SPDX-License-Identifier: Apache-2.0
// hit-counter: an example pwru sink written against the installed SDK.
// Counts the events of each probe (kernel function or tracepoint) and, when
// the trace ends, writes one table, busiest probe first:
//
//   HITS  KIND        PROBE
//     12  kprobe      ip_rcv
//      3  tracepoint  skb:kfree_skb
//
// TOML keys ([[sink]] plugin = "hit-counter"):
//   top = 0   # print only the N busiest probes (0 = all)
#include <pwru/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

const char* kind_name(uint32_t kind) {
  switch (kind) {
    case PWRU_PROBE_KPROBE: return "kprobe";
    case PWRU_PROBE_TRACEPOINT: return "tracepoint";
    default: return "other";
  }
}

class HitCounter : public pwru::sdk::Sink {
 public:
  HitCounter(const pwru::sdk::Host& /*host*/, pwru::sdk::Config& cfg)
      : top_(cfg.get_or<uint32_t>("top", 0)) {}

  void open(const pwru_session_v1& session) override { out_.open(session.out); }

  void write(std::span<const pwru_event_v1* const> events) override {
    for (const pwru_event_v1* ev : events) {
      auto& row = hits_[ev->func != nullptr ? ev->func : "?"];
      row.kind = ev->probe_kind;
      ++row.count;
    }
  }

  void close() override {
    std::vector<std::pair<std::string, Row>> rows(hits_.begin(), hits_.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    if (top_ > 0 && rows.size() > top_) rows.resize(top_);

    std::size_t width = 4;  // "HITS"
    for (const auto& [name, row] : rows) width = std::max(width, std::to_string(row.count).size());
    std::string text = pad("HITS", width) + "  KIND        PROBE\n";
    for (const auto& [name, row] : rows) {
      std::string kind = kind_name(row.kind);
      kind.resize(10, ' ');
      text += pad(std::to_string(row.count), width) + "  " + kind + "  " + name + "\n";
    }
    out_.write(text.data(), text.size());
    out_.close();
  }

 private:
  struct Row {
    uint32_t kind = 0;
    uint64_t count = 0;
  };

  static std::string pad(const std::string& s, std::size_t width) {
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  }

  uint32_t top_;
  pwru::sdk::Output out_{"hit-counter sink"};
  std::map<std::string, Row> hits_;
};

}  // namespace

PWRU_SINK_PLUGIN(HitCounter, "hit-counter", "1.0.0",
                 "example: counts the events of each probe and prints a table at the end",
                 "top = 0  # print only the N busiest probes (0 = all)")
