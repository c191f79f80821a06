# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# pcap-verifier: pwru's kernel program must pass this kernel's verifier with pcap filters
# that read raw bytes at many offsets. No traffic: each filter only has to load and attach
# (pwru becomes ready), then pwru is stopped. A regression test for Linux 6.12's verifier
# losing the unsigned bounds of a packet offset in pwru's tuple parser ("REG INVARIANTS
# VIOLATION ... R3 invalid mem access 'scalar'", see pkt_idx() in bpf/pwru.bpf.c): which
# filters hit it depends on the caplen bounds their checks leave (ip6[50], ip6[52],
# ip6[53], ip[53] did). The other filters are neighbours and cilium/pwru CI shapes.
. /vm/lib.sh

filters="ip6[52] = 1;ip6[53] & 0x3f = 0x2;ip6[53] = 2;ip[53] = 1;ip6[40] = 0;ip6[50] = 0;\
ip[33] = 1;ip[60] = 1;ip6[6] = 6;tcp[tcpflags] = tcp-syn;\
(((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0);ip6[400] = 1;ip[480:4] = 1;\
ether[497:2] = 1;host 203.0.113.10 and tcp port 8080"

# Every backend attaches to the drop point only (the kprobe backends to the drop function,
# the tracepoint backend to skb:kfree_skb) to keep each start short under TCG: on 6.1 the
# tracepoint backend loads one program copy per attached tracepoint. The program is
# verified all the same.
set -- --filter-func '^(kfree_skb_reason|sk_skb_reason_drop|kfree_skb)$'

bad=0
n=0
failed=""
echo "$filters" | tr ';' '\n' >"$VM_TMP/filters"
while IFS= read -r f; do
	n=$((n + 1))
	dir="$VM_TMP/f$n"
	mkdir -p "$dir"
	"$PWRU" --backend "$VM_BACKEND" --output-limit-lines 1 --ready-file "$dir/ready" \
		--output-file "$dir/out" "$@" "$f" >"$dir/stdout" 2>"$dir/err" </dev/null &
	pid=$!
	echo "$pid" >>"$VM_TMP/pids"
	deadline=$(($(cut -d. -f1 /proc/uptime) + VM_READY_TIMEOUT))
	state=""
	while [ -z "$state" ]; do
		if [ -e "$dir/ready" ]; then
			state=ready
		elif ! kill -0 "$pid" 2>/dev/null; then
			state=exited
		elif [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ]; then
			state=timeout
		else
			sleep 0.1
		fi
	done
	kill -TERM "$pid" 2>/dev/null
	rc=0
	wait "$pid" || rc=$?
	if [ "$state" = ready ]; then
		vm_log "loads: '$f'"
	else
		bad=$((bad + 1))
		failed="$failed${failed:+, }'$f'"
		vm_log "FAILS ($state, exit $rc): '$f'"
		tail -n 25 "$dir/err" | sed 's/^/    /' >&2
	fi
done <"$VM_TMP/filters"
[ "$bad" = 0 ] || vm_fail "$bad of $n filters fail to load: $failed"
vm_pass "all $n filters load"
