#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# track_skb: --filter-track-skb follows an skb through a DNAT rule (cilium/pwru e2e
# "filter-track-skb"). The server namespace rewrites TCP to port 8080 to port 9090 in
# PREROUTING and drops port 9090 in INPUT, so the SYN's last event is the netfilter drop
# with the post-NAT tuple. The pcap filter names the pre-NAT tuple ('tcp and dst port
# 8080'):
#   1. without tracking: pre-NAT lines only, never a line with dst port 9090;
#   2. --filter-track-skb: the post-NAT lines too, on the same skb addresses as pre-NAT
#      lines, down to kfree_skb(SKB_DROP_REASON_NETFILTER_DROP); and after the drop the
#      address is no longer followed: SYNs of other connections (port 8081, not DNATed,
#      refused), which the slab hands the freed addresses again, must not show up; no
#      BPF program or link stays behind;
#   3. [track] skb-by-stackid = true in a --config file, without --filter-track-skb
#      (cilium/pwru refuses to start so): the post-NAT drop shows up too (same skb, same
#      softirq run), and --print-config keeps the key.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init track_skb

rt_topology
rt_iptables "$RT_NSS" -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination "$RT_SERVER4:9090"
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 9090 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

PRE='198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp\)'
POST='198\.51\.100\.1:[0-9]+->198\.51\.100\.10:9090\(tcp\)'
DROP_AT='kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)'
FILTER='tcp and dst port 8080'

# run ARGS...: trace with ARGS and the pre-NAT filter; one connection attempt to the DNATed
# port, then three to 8081 (no rule: the server's stack refuses them with a RST).
run() {
	rt_pwru_start "$@" "$FILTER"
	rt_curl "$RT_NSC" "$RT_SERVER4" 8080
	local i
	for i in 1 2 3; do rt_curl "$RT_NSC" "$RT_SERVER4" 8081; done
	sleep 1
	rt_pwru_stop INT
	rt_assert_header
	rt_assert_match "$PRE"
}

# only_the_flow: every event line is the traced connection, before or after the DNAT: an
# skb that still looked tracked after its free (its address reused by the slab for ARP,
# netlink, the port 8081 SYNs, ...) would add other lines.
only_the_flow() {
	local other
	other=$(grep -v -E -- "$RT_HEADER_RE" "$RT_PWRU_OUT" | grep -v -E -- "$PRE|$POST" || true)
	if [ -n "$other" ]; then
		sed 's/^/  | /' <<<"$other" >&2
		rt_fail "lines of other packets: a freed skb's address was still followed"
	fi
	rt_log "ok: every line is the traced connection"
}

# same_skbs: every post-NAT line's SKB (column 1) is also the SKB of a pre-NAT line.
same_skbs() {
	local skb n=0
	while read -r skb; do
		grep -E -- "$PRE" "$RT_PWRU_OUT" | awk '{print $1}' | grep -qxF -- "$skb" ||
			rt_fail "post-NAT skb $skb has no pre-NAT line: it is not the skb that matched"
		n=$((n + 1))
	done < <(grep -E -- "$POST" "$RT_PWRU_OUT" | awk '{print $1}' | sort -u)
	[ "$n" -ge 1 ] || rt_fail "no post-NAT skb"
	rt_log "ok: the $n post-NAT skb address(es) are those of pre-NAT lines"
}

rt_log "1. without tracking: no post-NAT line"
before=$(rt_dropped_count "$RT_NSS")
run
rt_assert_no_match "$POST"
rt_assert_no_match ':9090'
rt_assert_dropped "$RT_NSS"

rt_log "2. --filter-track-skb: the post-NAT tuple, to the drop"
rt_bpf_snapshot "$RT_TMP/bpf.before"
run --filter-track-skb
# The tracking programs and their links go with pwru.
rt_assert_no_new_bpf "$RT_TMP/bpf.before"
rt_assert_match "$POST"
rt_assert_match "$POST.*$DROP_AT"
same_skbs
# Tracking ends at the drop (and at every other free): the later connections' SYNs, and
# whatever else the slab hands a freed address, must not show up.
rt_assert_no_match ':8081\(tcp\)'
only_the_flow
[ "$(rt_dropped_count "$RT_NSS")" -gt "$before" ] || rt_fail "the DROP rule counted no new packet"

rt_log "3. [track] skb-by-stackid = true (no --filter-track-skb), from a config file"
cfg="$RT_TMP/track.toml"
printf 'version = 1\n[track]\nskb-by-stackid = true\n' >"$cfg"
"$PWRU" --config "$cfg" --print-config >"$RT_TMP/printed.toml" || rt_fail "--print-config failed"
grep -qx 'skb-by-stackid = true' "$RT_TMP/printed.toml" || rt_fail "--print-config lost [track] skb-by-stackid"
grep -qx 'skb = false' "$RT_TMP/printed.toml" || rt_fail "--print-config: [track] skb is not false"
run --config "$RT_TMP/printed.toml"
rt_assert_match "$POST.*$DROP_AT"
same_skbs
only_the_flow
rt_log PASS
