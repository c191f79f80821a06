// SPDX-License-Identifier: Apache-2.0
// The shared test event builder (plugins/common), under this sink's test namespace.
#pragma once

#include "pwru_common/test_event_builder.h"

namespace pwru::text::test {
using pwru::testing::EventBuilder;
}  // namespace pwru::text::test
