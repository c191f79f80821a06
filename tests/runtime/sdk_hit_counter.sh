#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sdk_hit_counter: the SDK's example sink, built out of tree against the installed SDK
# (tests/sdk/build_example.sh), loaded by the installed pwru through PWRU_PLUGIN_PATH and
# fed real traffic: TCP from the client namespace to 198.51.100.10:8080. Its table must
# name real probes (the functions and tracepoints the packets went through) with counts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init sdk_hit_counter
rt_require_tools cmake ninja nm
[ -n "${PWRU_BUILD_DIR:-}" ] || rt_fail "PWRU_BUILD_DIR (the build tree to install) is not set"

line=$("$(dirname "${BASH_SOURCE[0]}")/../sdk/build_example.sh" "$PWRU_BUILD_DIR" "$RT_TMP/sdk" hit-counter |
	tail -n 1) || rt_fail "installing the SDK or building the example failed"
eval "$line" # PWRU PLUGINS EXAMPLE
rt_log "installed pwru: $PWRU; example built in $EXAMPLE"
export PWRU_PLUGIN_PATH="$EXAMPLE:$PLUGINS"

rt_topology
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
hits="$RT_TMP/hits.txt"
rt_pwru_start --sink "hit-counter:$hits" "host $RT_SERVER4 and tcp port 8080"
for _ in 1 2 3; do rt_curl "$RT_NSC" "$RT_SERVER4" 8080; done
sleep 1
rt_pwru_stop INT
rt_assert_header
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'

[ -s "$hits" ] || rt_fail "the hit-counter sink wrote nothing to $hits"
sed 's/^/  | /' "$hits" >&2
head -n 1 "$hits" | grep -qE '^ *HITS +KIND +PROBE$' || rt_fail "no 'HITS KIND PROBE' header in $hits"
rows=$(awk 'NR > 1 && $1 ~ /^[0-9]+$/ && $1 > 0' "$hits" | wc -l)
[ "$rows" -ge 3 ] || rt_fail "expected at least 3 probes with hits > 0, got $rows"
# lines_with PROBE: event lines of pwru's own text output whose FUNC column (the last)
# is PROBE, maybe followed by "(drop reason)" or " (N)".
lines_with() {
	awk -v p="$1" 'NR > 1 && /^0x/ {
		f = $NF; if (f ~ /^\(/ && NF > 1) f = $(NF - 1)
		if (f == p || index(f, p "(") == 1) n++
	} END {print n + 0}' "$RT_PWRU_OUT"
}
# Every probe in the table is one the main output saw too.
while read -r count kind probe; do
	[ "$(lines_with "$probe")" -gt 0 ] || rt_fail "table row '$count $kind $probe' is not in pwru's own output"
done < <(awk 'NR > 1' "$hits")
# Real network-stack probes, not just anything.
grep -qE ' (ip_|tcp_|__ip|dev_|__dev_|net_dev|netif_|kfree_skb|consume_skb|skb:|net:)' "$hits" ||
	rt_fail "no IP/TCP/device probe in the table"
# Counts agree with the main output for the busiest probe.
read -r top_count _ top_probe < <(awk 'NR == 2' "$hits")
seen=$(lines_with "$top_probe")
rt_log "busiest probe $top_probe: $top_count hits in the table, $seen lines in pwru's output"
[ "$seen" = "$top_count" ] || rt_fail "hit-counter counted $top_count for $top_probe, the text output has $seen"
rt_log PASS
