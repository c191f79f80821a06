#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build_example.sh BUILD_DIR OUT_DIR [EXAMPLE]
#
# What a third party does: install pwru's build (components runtime, plugins
# and sdk) into OUT_DIR/prefix, then configure and build sdk/examples/EXAMPLE
# (default hit-counter) OUT OF TREE in OUT_DIR/EXAMPLE against that prefix
# only (find_package(pwru-sdk 1 REQUIRED) through CMAKE_PREFIX_PATH).
# Prints, as its last line, "PWRU=<installed pwru> PLUGINS=<installed
# plugin dir> EXAMPLE=<dir with the example's .so>".
set -euo pipefail
build=$1 out=$2 example=${3:-hit-counter}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
prefix=$out/prefix

rm -rf -- "$prefix" "${out:?}/$example"
mkdir -p -- "$out"
for component in runtime plugins sdk; do
	cmake --install "$build" --prefix "$prefix" --component "$component" >/dev/null
done

pwru=$(find "$prefix" -type f -name pwru -perm -u+x | head -n 1)
plugins=$(find "$prefix" -type d -path '*/pwru/plugins' | head -n 1)
config=$(find "$prefix" -name pwru-sdkConfig.cmake | head -n 1)
[ -n "$pwru" ] || { echo "build_example: no pwru installed under $prefix" >&2; exit 1; }
[ -n "$plugins" ] || { echo "build_example: no pwru/plugins directory under $prefix" >&2; exit 1; }
[ -n "$config" ] || { echo "build_example: no pwru-sdkConfig.cmake under $prefix" >&2; exit 1; }
for h in pwru/plugin.h pwru/sdk.hpp pwru/bpf/filter.bpf.h pwru/bpf/pwru_vmlinux.h; do
	[ -f "$prefix/include/$h" ] || { echo "build_example: $h not installed" >&2; exit 1; }
done

# Out of tree: a copy of the example's sources, nothing of pwru's tree on any path.
cp -r -- "$src/sdk/examples/$example" "$out/$example-src"
cmake -S "$out/$example-src" -B "$out/$example" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$out/$example.configure.log" 2>&1 ||
	{ cat "$out/$example.configure.log" >&2; echo "build_example: configuring $example failed" >&2; exit 1; }
cmake --build "$out/$example" >"$out/$example.build.log" 2>&1 ||
	{ cat "$out/$example.build.log" >&2; echo "build_example: building $example failed" >&2; exit 1; }
rm -rf -- "$out/$example-src"

so=$(find "$out/$example" -maxdepth 1 -name "pwru-*-$example.so" | head -n 1)
[ -n "$so" ] || { echo "build_example: the build made no pwru-*-$example.so" >&2; exit 1; }
# Only the entry point is exported (besides the C++ standard library's template
# instantiations, which keep default visibility in libstdc++'s headers).
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWu]$/ && $3 !~ /^_ZZ?N?K?St/ {print $3}' | sort | paste -sd' ')
[ "$exported" = pwru_plugin_entry_v1 ] ||
	{ echo "build_example: $so exports '$exported', expected only pwru_plugin_entry_v1" >&2; exit 1; }
echo "PWRU=$pwru PLUGINS=$plugins EXAMPLE=$out/$example"
