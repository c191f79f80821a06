// SPDX-License-Identifier: Apache-2.0
// pwru: argv -> Options -> Session::run -> exit code. Bad input is one
// line on stderr and exit code 2; a runtime failure exit code 1.
#include <cstdio>
#include <exception>

#include "config/options.h"
#include "session/session.h"
#include "util/error.h"

int main(int argc, char** argv) {
  try {
    pwru::config::Options opts;
    if (pwru::config::parse_command_line(argc, argv, opts) == pwru::config::ParseStatus::kExitOk)
      return 0;
    return pwru::session::run(opts);
  } catch (const pwru::UsageError& e) {
    std::fprintf(stderr, "pwru: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pwru: %s\n", e.what());
    return 1;
  }
}
