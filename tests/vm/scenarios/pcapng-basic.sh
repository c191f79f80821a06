# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# pcapng-basic: --output-pcapng beside the text output on Debian's kernels. The packet
# capture path (output_packet with the snap length, plus --output-stack's region after it)
# only exists in the program when a sink asks for packets, so this is where the 6.1 and
# 6.12 verifiers see it. The file must be a pcapng section whose Enhanced Packet Blocks
# match the text events one for one, each block well-formed (its length repeated at the
# end), with captured lengths within the snap length. (tshark is not in the guest; the
# host runtime tests read pwru's pcapng with tshark and libpcap.)
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
pcapng="$VM_TMP/trace.pcapng"
vm_drop_scenario iptables 198.51.100.1 198.51.100.10 'dst host 198.51.100.10 and port 8080' \
	--output-pcapng "$pcapng" --output-pcapng-snaplen 96 --output-stack
[ -s "$pcapng" ] || vm_fail "no pcapng file"
# Walk the blocks as little-endian u32 words: type, total length, ..., total length.
summary=$(od -A n -t u4 -v "$pcapng" | awk '
	{for (i = 1; i <= NF; i++) w[n++] = $i}
	END {
		at = 0; shb = 0; idb = 0; epb = 0; bad = ""
		while (at < n) {
			type = w[at]; len = w[at + 1]
			if (len < 12 || len % 4 != 0 || at + len / 4 > n) {bad = "block at word " at " has length " len; break}
			if (w[at + len / 4 - 1] != len) {bad = "block at word " at ": trailing length differs"; break}
			if (type == 168627466) shb++          # 0x0A0D0D0A
			else if (type == 1) idb++
			else if (type == 6) {
				epb++
				if (w[at + 5] > 96) {bad = "a packet of " w[at + 5] " bytes beyond the snap length 96"; break}
			}
			at += len / 4
		}
		if (at == 0 || w[0] != 168627466) bad = "the file does not start with a section header"
		printf "%d %d %d %s\n", shb, idb, epb, bad
	}')
set -- $summary
shb=$1 idb=$2 epb=$3
shift 3
[ -z "$*" ] || vm_fail "malformed pcapng: $*"
[ "$shb" = 1 ] || vm_fail "$shb section headers, expected 1"
[ "$idb" -ge 1 ] || vm_fail "no interface description block"
events=$(vm_events)
[ "$epb" = "$events" ] || vm_fail "$epb packets in the pcapng file, $events text events"
vm_pass "$(vm_summary "pcapng: $epb packets, $idb interfaces")"
