// SPDX-License-Identifier: Apache-2.0
//
// The `pcapng` sink plugin (pwru-sink-pcapng.so): wires the encoder to the
// host's writer through the C++ SDK.
#include "sink_pcapng.h"

#include <sys/utsname.h>

#include <string>
#include <system_error>

namespace pwru::pcapng {

uint32_t PcapngSink::parse_snaplen(pwru::sdk::Config& cfg) {
  const auto v = cfg.get<int64_t>("snaplen");
  if (!v) return kDefaultSnaplen;
  if (*v < 1 || *v > static_cast<int64_t>(kMaxSnaplen))
    throw pwru::sdk::Error(cfg.where("snaplen") + ": invalid value " + std::to_string(*v) + ": must be 1.." +
                           std::to_string(kMaxSnaplen));
  return static_cast<uint32_t>(*v);
}

bool PcapngSink::parse_ethernet_only(pwru::sdk::Config& cfg) {
  const auto v = cfg.get<std::string>("linktype");
  if (!v || *v == "auto") return false;
  if (*v == "ethernet") return true;
  throw pwru::sdk::Error(cfg.where("linktype") + ": invalid value '" + *v + "': must be auto or ethernet");
}

PcapngSink::PcapngSink(const pwru::sdk::Host& host, pwru::sdk::Config& cfg)
    : host_(host), enc_(parse_snaplen(cfg), parse_ethernet_only(cfg)) {}

void PcapngSink::needs(pwru_sink_needs_v1& needs) {
  needs.flags |= PWRU_NEED_PACKET | PWRU_NEED_WHOLE_STREAM;
  needs.snaplen = enc_.snaplen();
}

void PcapngSink::open(const pwru_session_v1& session) {
  out_.open(session.out);
  utsname u{};
  std::string os, hw;
  if (::uname(&u) == 0) {
    os = std::string(u.sysname) + " " + u.release;
    hw = u.machine;
  }
  const std::string app = std::string("pwru ") + (session.pwru_version != nullptr ? session.pwru_version : "");
  buf_.clear();
  enc_.begin(buf_, hw, os, app);
  out_.write(buf_.data(), buf_.size());
  // The header reaches a live reader at once (tshark waits for it).
  out_.flush();
}

void PcapngSink::write(std::span<const pwru_event_v1* const> events) {
  if (events.empty()) return;
  if (!out_.is_open()) throw pwru::sdk::Error("pcapng sink: write() before open()");
  buf_.clear();
  for (const pwru_event_v1* ev : events) enc_.append_event(*ev, buf_);
  if (buf_.size() != 0) out_.write(buf_.data(), buf_.size());
}

void PcapngSink::flush() { out_.flush(); }

void PcapngSink::close() {
  out_.close();
  if (enc_.skipped() != 0)
    host_.info(std::to_string(enc_.skipped()) + " events without packet bytes were not written (" +
               std::to_string(enc_.packets()) + " packets written)");
}

}  // namespace pwru::pcapng

PWRU_SINK_PLUGIN(pwru::pcapng::PcapngSink, "pcapng", "0.1.0",
                 "every traced packet at every probe point as pcapng (Wireshark, tshark), with a comment "
                 "naming the function, skb, netns, mark, device, CPU, process and drop reason",
                 pwru::pcapng::kConfigDoc)
