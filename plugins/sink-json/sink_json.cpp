// SPDX-License-Identifier: Apache-2.0
//
// The `json` sink plugin (pwru-sink-json.so): wires the formatter to the
// host's writer through the C++ SDK.
#include "sink_json.h"

#include <string>
#include <system_error>

namespace pwru::json {

Options JsonSink::parse_options(pwru::sdk::Config& cfg) {
  Options o;
  o.output_meta = cfg.get_or<bool>("output-meta", o.output_meta);
  o.output_tuple = cfg.get_or<bool>("output-tuple", o.output_tuple);
  o.output_tcp_flags = cfg.get_or<bool>("output-tcp-flags", o.output_tcp_flags);
  o.output_caller = cfg.get_or<bool>("output-caller", o.output_caller);
  o.output_netns_names = cfg.get_or<bool>("output-netns-names", o.output_netns_names);
  o.output_skb_cb = cfg.get_or<bool>("output-skb-cb", o.output_skb_cb);
  o.output_tunnel = cfg.get_or<bool>("output-tunnel", o.output_tunnel);
  std::string ts = cfg.get_or<std::string>("timestamp", "none");
  auto mode = parse_timestamp(ts);
  if (!mode)
    throw pwru::sdk::Error("invalid --timestamp value '" + ts +
                           "': must be none, current, relative or absolute");
  o.timestamp = *mode;
  return o;
}

JsonSink::JsonSink(const pwru::sdk::Host& /*host*/, pwru::sdk::Config& cfg)
    : fmt_(parse_options(cfg)) {}

void JsonSink::open(const pwru_session_v1& session) {
  out_.open(session.out);
  // No header: pwru's JSON output is objects only.
}

void JsonSink::write(std::span<const pwru_event_v1* const> events) {
  if (events.empty()) return;
  if (!out_.is_open()) throw pwru::sdk::Error("json sink: write() before open()");
  buf_.clear();
  for (const pwru_event_v1* ev : events) fmt_.append_line(*ev, buf_);
  out_.write(buf_.data(), buf_.size());
}

void JsonSink::flush() { out_.flush(); }

// Pushes what is buffered, unless the stream already failed.
void JsonSink::close() { out_.close(); }

}  // namespace pwru::json

PWRU_SINK_PLUGIN(pwru::json::JsonSink, "json", "0.1.0",
                 "pwru's JSON output: one object per event, one per line",
                 pwru::json::kConfigDoc)
