// SPDX-License-Identifier: Apache-2.0
// One trace from start to end: plugins, kernel program, backend, event
// loop, teardown. Returns the process exit code.
#pragma once

#include "config/options.h"

namespace pwru::session {

int run(const config::Options& opts);

}  // namespace pwru::session
