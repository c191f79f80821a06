#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# example_build_test.sh BUILD_DIR SCRATCH: the SDK examples (the hit-counter
# sink and the skb-len filter, whose in-kernel half is BPF C) build out of tree
# against the installed SDK, and the installed pwru lists them with this ABI.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
line=$("$here/build_example.sh" "$1" "$2" hit-counter | tail -n 1)
eval "$line"  # PWRU PLUGINS EXAMPLE
abi=$(sed -n 's/^#define PWRU_ABI_MAJOR \([0-9]*\)$/\1/p' "$here/../../sdk/include/pwru/plugin.h").$(
	sed -n 's/^#define PWRU_ABI_MINOR \([0-9]*\)$/\1/p' "$here/../../sdk/include/pwru/plugin.h")
list=$(PWRU_PLUGIN_PATH="$EXAMPLE:$PLUGINS" "$PWRU" --list-plugins)
echo "$list"
row=$(awk -v p="$EXAMPLE/pwru-sink-hit-counter.so" '$5 == p' <<<"$list")
[ -n "$row" ] || { echo "FAIL: the installed pwru does not list $EXAMPLE/pwru-sink-hit-counter.so" >&2; exit 1; }
read -r name kind version rabi _ <<<"$row"
[ "$name $kind $version $rabi" = "hit-counter sink 1.0.0 $abi" ] ||
	{ echo "FAIL: listed as '$name $kind $version $rabi', expected 'hit-counter sink 1.0.0 $abi'" >&2; exit 1; }
if grep -q '^error:' <<<"$list"; then echo "FAIL: the listing has errors" >&2; exit 1; fi
doc=$(PWRU_PLUGIN_PATH="$EXAMPLE:$PLUGINS" "$PWRU" --plugin-doc hit-counter)
echo "$doc"
grep -qx '\[\[sink\]\]' <<<"$doc" && grep -qx 'plugin = "hit-counter"' <<<"$doc" && grep -q '^top = 0 ' <<<"$doc" ||
	{ echo "FAIL: --plugin-doc hit-counter does not print its [[sink]] table with 'top = 0'" >&2; exit 1; }
# skb-len: a filter with BPF C (pwru_add_plugin ... BPF_SOURCES). The BPF object
# is inside the plugin: a BPF ELF (machine 247) with pwru_bpf_filter, found by
# the embedded ELF magic.
line=$("$here/build_example.sh" "$1" "$2" skb-len | tail -n 1)
eval "$line"
so="$EXAMPLE/pwru-filter-skb-len.so"
list=$(PWRU_PLUGIN_PATH="$EXAMPLE:$PLUGINS" "$PWRU" --list-plugins)
row=$(awk -v p="$so" '$5 == p' <<<"$list")
read -r name kind version rabi _ <<<"$row"
[ "$name $kind $version $rabi" = "skb-len filter 1.0.0 $abi" ] ||
	{ echo "FAIL: skb-len listed as '$name $kind $version $rabi', expected 'skb-len filter 1.0.0 $abi'" >&2; exit 1; }
obj=$(find "$EXAMPLE" -name '*.bpf.o' | head -n 1)
[ -n "$obj" ] || { echo "FAIL: no BPF object was built for skb-len" >&2; exit 1; }
readelf -h "$obj" | grep -qE 'Machine: +Linux BPF' || { echo "FAIL: $obj is not a BPF object" >&2; exit 1; }
readelf -s "$obj" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $8 == "pwru_bpf_filter"' | grep -q . ||
	{ echo "FAIL: $obj does not define a global pwru_bpf_filter" >&2; exit 1; }
# The plugin carries the object's bytes (they are what pwru links).
cmp_at=$(grep -c -F -f <(od -An -tx1 -N64 "$obj" | tr -d ' \n' | head -c 128) \
	<(od -An -tx1 -v "$so" | tr -d ' \n') || true)
[ "$cmp_at" = 1 ] || { echo "FAIL: $so does not embed $obj" >&2; exit 1; }
doc=$(PWRU_PLUGIN_PATH="$EXAMPLE:$PLUGINS" "$PWRU" --plugin-doc skb-len)
echo "$doc"
grep -qx '\[\[filter\]\]' <<<"$doc" && grep -q '^min = 0 ' <<<"$doc" && grep -q '^max = 4294967295 ' <<<"$doc" ||
	{ echo "FAIL: --plugin-doc skb-len does not print its [[filter]] table with min and max" >&2; exit 1; }
echo PASS
