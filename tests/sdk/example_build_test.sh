#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# example_build_test.sh BUILD_DIR SCRATCH: the hit-counter example builds out of
# tree against the installed SDK, and the installed pwru lists it as a sink of
# this ABI.
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
echo PASS
