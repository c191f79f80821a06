// SPDX-License-Identifier: Apache-2.0
// PluginError: why a plugin could not be found, loaded, created or run.
#pragma once

#include "util/error.h"

namespace pwru::plugin {

// One line that names the case and the plugin file or instance, e.g.
// "plugin /x/pwru-sink-text.so: needs plugin ABI 1.3, this pwru speaks 1.1"
// or "plugin 'text': trace.toml:4:1: colour: unknown key 'colour'".
// It is a pwru::Error (a std::runtime_error), so main() reports it as is.
class PluginError : public pwru::Error {
 public:
  using pwru::Error::Error;
};

}  // namespace pwru::plugin
