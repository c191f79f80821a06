#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# rotation: --output-file-max-size 1 (MB) with --output-file-compress under a ping flood.
# The trace must rotate into gzip backups named like lumberjack's (<stem>-<time><ext>.gz);
# every backup must decompress; the lines across all files must be exactly the header plus
# the number of events pwru reports at exit; no line may be split. A second run with
# --output-file-max-backups 1 must keep only the newest backup.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init rotation
rt_require_tools gzip zcat

rt_topology
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"

flood() {
	rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
	rt_ns_exec "$RT_NSC" ping -n -q -f -c "$1" "$RT_SERVER4" >>"$RT_TMP/ping.out" 2>&1 || true
	sleep 1
}

# events_reported: the count from pwru's exit line "N events, M lost ...".
events_reported() {
	sed -n -E 's/^pwru: ([0-9]+) events, .*/\1/p' "$RT_PWRU_ERR" | tail -n 1
}

# all_lines: every line of the backups (oldest first) and then the live file.
all_lines() {
	local f
	for f in $(ls "$RT_TMP"/pwru-*.log.gz 2>/dev/null | sort); do zcat "$f"; done
	cat "$RT_PWRU_OUT"
}

rt_pwru_start --output-file-max-size 1 --output-file-compress --timestamp current icmp
flood 6000
rt_pwru_stop INT 30
n=$(events_reported)
[ -n "$n" ] || rt_fail "pwru printed no event count: $(cat "$RT_PWRU_ERR")"
backups=$(ls "$RT_TMP"/pwru-*.log.gz 2>/dev/null | wc -l)
rt_log "pwru reported $n events; $backups compressed backups: $(ls "$RT_TMP" | grep -c '^pwru-' || true)"
[ "$backups" -ge 2 ] || rt_fail "expected at least 2 rotated backups for $n events, found $backups"
ls "$RT_TMP"/pwru-*.log 2>/dev/null && rt_fail "uncompressed backups are left next to the .gz files"
for f in "$RT_TMP"/pwru-*.log.gz; do
	gzip -t "$f" || rt_fail "$f does not decompress"
	[[ ${f##*/} =~ ^pwru-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}\.[0-9]{3}\.log\.gz$ ]] ||
		rt_fail "backup name ${f##*/} is not <stem>-YYYY-MM-DDTHH-MM-SS.mmm.log.gz"
	size=$(zcat "$f" | wc -c)
	[ "$size" -le 1048576 ] || rt_fail "${f##*/} holds $size bytes, more than the 1 MB maximum"
done
rt_log "ok: every backup is gzip, named like lumberjack's, at most 1 MB"

all_lines >"$RT_TMP/all.txt"
total=$(grep -c '' "$RT_TMP/all.txt")
headers=$(grep -c '^SKB  ' "$RT_TMP/all.txt" || true)
[ "$headers" = 1 ] || rt_fail "expected the header once (first file only), found $headers"
head -n 1 "$RT_TMP/all.txt" | grep -q '^SKB ' || rt_fail "the oldest backup does not start with the header"
[ "$total" = $((n + 1)) ] || rt_fail "$total lines across files, expected $n events + 1 header"
# Whole lines only: every event line has the full set of columns and ends in a function.
bad=$(awk 'NR > 1 && !($1 ~ /^0x[0-9a-f]+$/ && NF >= 12)' "$RT_TMP/all.txt" | head -n 3)
[ -z "$bad" ] || rt_fail "split or damaged lines: $bad"
rt_log "ok: $total lines = $n events + header, none split"

rt_log "second run: --output-file-max-backups 1 keeps only the newest backup"
rm -f -- "$RT_TMP"/pwru-*.log.gz
rt_pwru_start --output-file-max-size 1 --output-file-compress --output-file-max-backups 1 icmp
flood 6000
rt_pwru_stop INT 30
backups=$(ls "$RT_TMP"/pwru-*.log.gz 2>/dev/null | wc -l)
[ "$backups" = 1 ] || rt_fail "expected exactly 1 backup with --output-file-max-backups 1, found $backups"
rt_log "ok: 1 backup kept"
rt_log PASS
