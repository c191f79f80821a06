#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sdk_skb_len: the SDK's example filter whose in-kernel test is BPF C (sdk/examples/skb-len),
# built out of tree against the installed SDK (tests/sdk/build_example.sh) and loaded by the
# installed pwru, which links the plugin's BPF object into its own kernel program (no
# freplace on this kernel). Real traffic: small (56-byte payload) and large (900-byte
# payload) pings from the client namespace to 198.51.100.10.
#   min = 500: only the large pings' events are printed (JSON "len" >= 500), and there are
#              some; without the filter working, the small pings would show up.
#   max = 300: only the small ones.
# A filter object that is broken (wrong prototype) is refused with one line and exit 2.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init sdk_skb_len
rt_require_tools cmake ninja nm jq clang readelf
[ -n "${PWRU_BUILD_DIR:-}" ] || rt_fail "PWRU_BUILD_DIR (the build tree to install) is not set"

line=$("$(dirname "${BASH_SOURCE[0]}")/../sdk/build_example.sh" "$PWRU_BUILD_DIR" "$RT_TMP/sdk" skb-len |
	tail -n 1) || rt_fail "installing the SDK or building the example failed"
eval "$line" # PWRU PLUGINS EXAMPLE
rt_log "installed pwru: $PWRU; example built in $EXAMPLE"
export PWRU_PLUGIN_PATH="$EXAMPLE:$PLUGINS"

rt_topology
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

# run_with KEY VALUE: trace ICMP to the server with skb-len KEY = VALUE, JSON output,
# while the client sends 3 small and 3 large pings. Leaves the events in $RT_PWRU_OUT.
run_with() {
	local cfg="$RT_TMP/skb-len-$1.toml"
	printf 'version = 1\n[[filter]]\nplugin = "skb-len"\n%s = %s\n' "$1" "$2" >"$cfg"
	rt_pwru_start --config "$cfg" --output-json "icmp and host $RT_SERVER4"
	rt_ns_exec "$RT_NSC" ping -n -q -c 3 -i 0.2 -W 1 -s 56 "$RT_SERVER4" >>"$RT_TMP/ping.out" 2>&1 || true
	rt_ns_exec "$RT_NSC" ping -n -q -c 3 -i 0.2 -W 1 -s 900 "$RT_SERVER4" >>"$RT_TMP/ping.out" 2>&1 || true
	sleep 1
	rt_pwru_stop INT
}

lens() { jq -r 'select(.len != null) | .len' "$RT_PWRU_OUT"; }

run_with min 500
n=$(lens | wc -l)
small=$(lens | awk '$1 < 500' | wc -l)
rt_log "min = 500: $n events, $small with len < 500 ($(lens | sort -n | uniq -c | tr -s ' \n' ' '))"
[ "$n" -ge 6 ] || rt_fail "expected events of the 900-byte pings (>= 6: request and reply, several probes), got $n"
[ "$small" = 0 ] || rt_fail "$small events with len < 500 passed the skb-len filter (min = 500)"
jq -e 'select(.tuple.daddr == "198.51.100.10" or .tuple.saddr == "198.51.100.10")' "$RT_PWRU_OUT" >/dev/null ||
	rt_fail "no event of the pings to $RT_SERVER4"

run_with max 300
n=$(lens | wc -l)
big=$(lens | awk '$1 > 300' | wc -l)
rt_log "max = 300: $n events, $big with len > 300"
[ "$n" -ge 6 ] || rt_fail "expected events of the 56-byte pings (>= 6), got $n"
[ "$big" = 0 ] || rt_fail "$big events with len > 300 passed the skb-len filter (max = 300)"

# A plugin whose BPF object has pwru_bpf_filter with the wrong parameters: the static
# linker refuses it; one line naming the plugin, exit 2, nothing left loaded.
bad="$RT_TMP/sdk/skb-len-bad"
cp -r -- "$(dirname "${BASH_SOURCE[0]}")/../../sdk/examples/skb-len" "$bad-src"
cat >"$bad-src/skb_len.bpf.c" <<'BPF'
#include <pwru/bpf/pwru_vmlinux.h>
#include <bpf/bpf_helpers.h>
__attribute__((noinline)) int pwru_bpf_filter(__u64 skb, __u64 a0) { return skb != a0; }
BPF
cmake -S "$bad-src" -B "$bad" -G Ninja -DCMAKE_PREFIX_PATH="$RT_TMP/sdk/prefix" >/dev/null 2>&1 &&
	cmake --build "$bad" >"$RT_TMP/bad-build.log" 2>&1 || {
	cat "$RT_TMP/bad-build.log" >&2
	rt_fail "building the broken skb-len variant failed"
}
printf 'version = 1\n[[filter]]\nplugin = "skb-len"\n' >"$RT_TMP/bad.toml"
rt_bpf_snapshot "$RT_TMP/bpf.before"
rc=0
PWRU_PLUGIN_PATH="$bad:$PLUGINS" "$PWRU" --config "$RT_TMP/bad.toml" --output-limit-lines 1 \
	>"$RT_TMP/bad.out" 2>"$RT_TMP/bad.err" </dev/null || rc=$?
sed 's/^/  | /' "$RT_TMP/bad.err" >&2
[ "$rc" = 2 ] || rt_fail "a filter with a mismatched pwru_bpf_filter exited $rc, expected 2"
[ "$(grep -c . "$RT_TMP/bad.err")" = 1 ] || rt_fail "expected one line on stderr, got: $(cat "$RT_TMP/bad.err")"
grep -q "skb-len.*pwru_bpf_filter.*func_proto params" "$RT_TMP/bad.err" ||
	rt_fail "the message does not name the plugin and the mismatched pwru_bpf_filter"
rt_assert_no_new_bpf "$RT_TMP/bpf.before"

# expect_usage_error CONFIG_TEXT PATTERN: pwru refuses the config with one line and exit 2.
expect_usage_error() {
	local rc=0
	printf '%b' "$1" >"$RT_TMP/usage.toml"
	"$PWRU" --config "$RT_TMP/usage.toml" --output-limit-lines 1 >"$RT_TMP/usage.out" 2>"$RT_TMP/usage.err" \
		</dev/null || rc=$?
	sed 's/^/  | /' "$RT_TMP/usage.err" >&2
	[ "$rc" = 2 ] || rt_fail "exit $rc, expected 2"
	[ "$(grep -c . "$RT_TMP/usage.err")" = 1 ] || rt_fail "expected one line on stderr"
	grep -qE "$2" "$RT_TMP/usage.err" || rt_fail "the message does not match /$2/"
}
# Two filters with BPF C code: one linked object per program.
expect_usage_error 'version = 1\n[[filter]]\nplugin = "skb-len"\nmin = 1\n[[filter]]\nplugin = "skb-len"\nmax = 9\n' \
	"filter 'skb-len' already brings BPF C code; one filter with BPF C code per trace"
# The plugin's own check of its keys, with the file position.
expect_usage_error 'version = 1\n[[filter]]\nplugin = "skb-len"\nmin = 900\nmax = 100\n' \
	"usage.toml:4:7: min: 900 is greater than max \\(100\\)"
rt_assert_no_new_bpf "$RT_TMP/bpf.before"
rt_log PASS
