#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every test pwru has, non-interactively (this is what CI runs, as root):
#   1. install missing packages          (scripts/install-deps.sh)
#   2. build build/ and run all of CTest (labels unit, docs, sdk, kernel, runtime, package;
#      kernel, runtime and package tests need root; package builds the .debs in build/package,
#      installs, uses and purges them)
#   3. build build-asan/ (ASan + UBSan) and run the unit tests there
#   4. the kernel-VM tests, if tests/vm/run.sh exists
# Every stage runs even when an earlier one failed; the exit status is non-zero if any
# stage failed, and the last line is the summary.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$(pwd)

logdir=$(mktemp -d /tmp/pwru-test.XXXXXX)
trap 'rm -rf -- "$logdir"' EXIT

stages_failed=()
tests_passed=0
tests_failed=0
tests_skipped=0

banner() { printf '\n==== %s ====\n' "$*"; }

# count_ctest LOG: add ctest's "N% tests passed, F tests failed out of T" to the totals.
count_ctest() {
	local line total failed skipped
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
	total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	# Skipped tests (exit 77, e.g. runtime tests when not root) are listed as "(Skipped)".
	skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)[[:space:]]*$' "$1")
	tests_failed=$((tests_failed + failed))
	tests_skipped=$((tests_skipped + skipped))
	tests_passed=$((tests_passed + total - failed - skipped))
}

# run_ctest NAME ARGS...: run ctest, record the stage as failed if it fails.
run_ctest() {
	local name=$1 rc=0
	shift
	ctest --output-on-failure --no-tests=error "$@" 2>&1 | tee "$logdir/$name.log"
	rc=${PIPESTATUS[0]}
	if ! count_ctest "$logdir/$name.log"; then
		# No summary line: ctest itself failed (e.g. no tests found); count it as one failure.
		tests_failed=$((tests_failed + 1))
	fi
	[ "$rc" = 0 ] || stages_failed+=("$name")
	return "$rc"
}

banner "dependencies"
if ! ./scripts/install-deps.sh; then
	echo "test.sh: installing dependencies failed" >&2
	echo "summary: 0 passed, 1 failed"
	exit 1
fi

[ "$(id -u)" = 0 ] || echo "test.sh: not root: kernel and runtime tests will be skipped or fail (CI runs as root)" >&2

banner "build (build/)"
if ./scripts/build.sh; then
	banner "ctest build/ (unit, kernel, runtime)"
	run_ctest ctest-build --test-dir build
else
	stages_failed+=(build)
	tests_failed=$((tests_failed + 1))
fi

banner "build with sanitizers (build-asan/)"
if ./scripts/build.sh --asan; then
	banner "ctest build-asan/ -L unit"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		run_ctest ctest-asan --test-dir build-asan -L unit
else
	stages_failed+=(build-asan)
	tests_failed=$((tests_failed + 1))
fi

# ---- VM tests hook -------------------------------------------------------------------
# The kernel-VM suite (kprobe, kprobe-multi, fentry backends under qemu; see
# shared/notes/vm-kernel-tests.md) lives in tests/vm/run.sh once it exists. It gets the
# build dir and must exit non-zero on failure.
if [ -x tests/vm/run.sh ] || [ -f tests/vm/run.sh ]; then
	banner "VM tests (tests/vm/run.sh)"
	if bash tests/vm/run.sh "$repo/build"; then
		tests_passed=$((tests_passed + 1))
	else
		stages_failed+=(vm)
		tests_failed=$((tests_failed + 1))
	fi
fi
# ---------------------------------------------------------------------------------------

echo
if [ ${#stages_failed[@]} -eq 0 ]; then
	echo "test.sh: all stages passed"
else
	echo "test.sh: failed stages: ${stages_failed[*]}"
fi
echo "summary: $tests_passed passed, $tests_failed failed, $tests_skipped skipped"
[ ${#stages_failed[@]} -eq 0 ]
