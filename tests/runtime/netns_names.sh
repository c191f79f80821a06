#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# netns_names: --output-netns-names adds the NETNS NAME column (names from /run/netns,
# centred, `~`-truncated to --netns-names-max-length), and --output-tcp-flags prints the
# flags in the tuple, e.g. (tcp:SYN). Both as cilium/pwru prints them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init netns_names

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

rt_pwru_start --output-netns-names --netns-names-max-length 24 --output-tcp-flags "tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
rt_assert_dropped "$RT_NSS"

# Header: centerAlignString("NETNS NAME", 24) right after LEN, no leading space.
head -n 1 "$RT_PWRU_OUT" | grep -qF 'LEN         NETNS NAME        TUPLE FUNC' ||
	rt_fail "header without the NETNS NAME column: $(head -n 1 "$RT_PWRU_OUT")"
# The names are pwru-rt-<pid>-c / -s (at most 20 bytes), centred in 24 columns.
for ns in "$RT_NSC" "$RT_NSS"; do
	n=${#ns}
	left=$(((24 - n) / 2))
	right=$((24 - n - left))
	pad_l=$(printf '%*s' "$left" '')
	pad_r=$(printf '%*s' "$right" '')
	grep -qF -- "${pad_l}${ns}${pad_r} 198.51.100.1:" "$RT_PWRU_OUT" ||
		rt_fail "no line with '$ns' centred in 24 columns before the tuple"
	rt_log "ok: $ns is centred in the NETNS NAME column"
done
rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp:SYN\) .*kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)'

# Truncation: with the minimum width (values below 10 are raised to 10) a longer name keeps
# its last 10 bytes, the first replaced by '~'.
rt_pwru_start --output-netns-names --netns-names-max-length 3 "tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
want="~${RT_NSS: -9}"
grep -qF -- "$want 198.51.100.1:" "$RT_PWRU_OUT" || rt_fail "no line with the truncated name '$want'"
rt_log "ok: truncated to '$want'"

# Only a [[sink]] table asks for names ([output] does not): pwru must still look them up for
# that sink (the kernel captures what any sink prints), and the text sink stays without.
cfg="$RT_TMP/names.toml"
json="$RT_TMP/names.json"
printf 'version = 1\n[[sink]]\nplugin = "json"\nfile = "%s"\noutput-netns-names = true\n' "$json" >"$cfg"
rt_pwru_start --config "$cfg" "tcp port 8080"
rt_curl "$RT_NSC" "$RT_SERVER4" 8080
sleep 1
rt_pwru_stop INT
jq -e --arg ns "$RT_NSS" 'select(.netns_name == $ns)' "$json" >/dev/null ||
	rt_fail "the json sink's netns_name never names $RT_NSS: $(head -n 2 "$json")"
head -n 1 "$RT_PWRU_OUT" | grep -qF 'NETNS NAME' && rt_fail "the text sink printed NETNS NAME without being asked"
rt_log "ok: a [[sink]] table's output-netns-names alone gets the names looked up"
rt_log PASS
