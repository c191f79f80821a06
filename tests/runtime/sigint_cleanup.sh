#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sigint_cleanup: SIGINT and SIGTERM each make pwru exit 0 within a few seconds, and every
# BPF program and link it created is gone afterwards.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init sigint_cleanup

for sig in INT TERM; do
	snap="$RT_TMP/bpf.before.$sig"
	rt_bpf_snapshot "$snap"
	rt_pwru_start "dst host $RT_SERVER4 and tcp port 8080"

	# While it runs, pwru must have programs of its own loaded (names start with pwru_),
	# otherwise "nothing left afterwards" proves nothing.
	during=$(rt_bpf_new_since "$snap")
	grep -q '^prog [0-9]* pwru_' <<<"$during" ||
		rt_fail "no new BPF program named pwru_* while pwru runs; new objects: ${during:-none}"
	rt_log "while running: $(grep -c '^prog' <<<"$during") new programs, $(grep -c '^link' <<<"$during" || true) new links"

	rt_pwru_stop "$sig" 10
	[ "$RT_PWRU_STOP_SECS" -le 5 ] || rt_fail "pwru took ${RT_PWRU_STOP_SECS}s to exit after SIG$sig (limit 5 s)"
	rt_assert_no_new_bpf "$snap" 5
	rt_log "ok: SIG$sig: exit 0, nothing left in bpftool prog/link list"
done
rt_log PASS
