// SPDX-License-Identifier: Apache-2.0
//
// The `text` sink plugin (pwru-sink-text.so): wires the formatter to the
// host's writer through the C++ SDK.
#include "sink_text.h"

#include <algorithm>
#include <string>
#include <system_error>

namespace pwru::text {

Options TextSink::parse_options(pwru::sdk::Config& cfg) {
  Options o;
  o.output_meta = cfg.get_or<bool>("output-meta", o.output_meta);
  o.output_tuple = cfg.get_or<bool>("output-tuple", o.output_tuple);
  o.output_tcp_flags = cfg.get_or<bool>("output-tcp-flags", o.output_tcp_flags);
  o.output_caller = cfg.get_or<bool>("output-caller", o.output_caller);
  o.output_netns_names = cfg.get_or<bool>("output-netns-names", o.output_netns_names);
  o.output_skb_cb = cfg.get_or<bool>("output-skb-cb", o.output_skb_cb);
  o.output_tunnel = cfg.get_or<bool>("output-tunnel", o.output_tunnel);
  // pwru's flag is a uint8 clamped to at least 10.
  o.netns_names_max_length = std::max<size_t>(10, cfg.get_or<uint8_t>("netns-names-max-length", 16));
  std::string ts = cfg.get_or<std::string>("timestamp", "none");
  auto mode = parse_timestamp(ts);
  if (!mode)
    throw pwru::sdk::Error("invalid --timestamp value '" + ts +
                           "': must be none, current, relative or absolute");
  o.timestamp = *mode;
  return o;
}

TextSink::TextSink(const pwru::sdk::Host& /*host*/, pwru::sdk::Config& cfg)
    : fmt_(parse_options(cfg)) {}

void TextSink::open(const pwru_session_v1& session) {
  out_.open(session.out);
  const std::string& h = fmt_.header();
  out_.write(h.data(), h.size());
}

void TextSink::write(std::span<const pwru_event_v1* const> events) {
  if (events.empty()) return;
  if (!out_.is_open()) throw pwru::sdk::Error("text sink: write() before open()");
  buf_.clear();
  for (const pwru_event_v1* ev : events) fmt_.append_line(*ev, buf_);
  out_.write(buf_.data(), buf_.size());
}

void TextSink::flush() { out_.flush(); }

// Pushes what is buffered, unless the stream already failed.
void TextSink::close() { out_.close(); }

}  // namespace pwru::text

PWRU_SINK_PLUGIN(pwru::text::TextSink, "text", "0.1.0",
                 "pwru's text output: one fixed-width line per event",
                 pwru::text::kConfigDoc)
