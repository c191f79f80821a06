#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configure and build pwru.
#   scripts/build.sh                 -> build/       (RelWithDebInfo)
#   scripts/build.sh --asan          -> build-asan/  (-DPWRU_SANITIZE=ON: ASan + UBSan)
# Further arguments are passed to cmake's configure step (e.g. -DCMAKE_BUILD_TYPE=Debug).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dir=build
cmake_args=()
if [ "${1:-}" = --asan ]; then
	shift
	dir=build-asan
	# The sanitizer build runs the unit tests only; benchmarks would just cost build time.
	cmake_args+=(-DPWRU_SANITIZE=ON -DPWRU_BUILD_BENCHMARKS=OFF)
fi

generator=()
# Keep whatever generator an existing build dir was configured with.
if [ ! -f "$dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then
	generator=(-G Ninja)
fi

cmake -S . -B "$dir" "${generator[@]}" "${cmake_args[@]}" "$@"
cmake --build "$dir" -j "$(nproc)"

if [ -x "$dir/pwru" ]; then
	echo "pwru: $(pwd)/$dir/pwru"
else
	echo "build.sh: build finished but $dir/pwru does not exist" >&2
	exit 1
fi
