#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# limit_lines: with --output-limit-lines 3, pwru prints exactly 3 events and exits 0 by
# itself, although the traffic produces many more.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init limit_lines

rt_topology
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

rt_pwru_start --output-limit-lines 3 "icmp and host $RT_SERVER4"
# Each echo request and reply passes several probes; keep pinging until pwru stops,
# at most 20 rounds.
for _ in $(seq 20); do
	rt_pwru_alive || break
	rt_ping "$RT_NSC" "$RT_SERVER4" 3
done
rt_pwru_wait_exit 15 || rt_fail "pwru did not exit by itself after 3 lines"
[ "$RT_PWRU_RC" = 0 ] || rt_fail "pwru exited with status $RT_PWRU_RC (expected 0)"
rt_log "pwru exited 0 by itself"

rt_assert_header
n=$(rt_event_count)
[ "$n" = 3 ] || { sed 's/^/  | /' "$RT_PWRU_OUT" >&2; rt_fail "expected exactly 3 event lines, got $n"; }
total=$(grep -c '' "$RT_PWRU_OUT")
[ "$total" = 4 ] || rt_fail "expected 4 lines (header + 3), got $total"
rt_assert_match '198\.51\.100\.(1|10):0->198\.51\.100\.(1|10):0\(icmp\)'
rt_log PASS
