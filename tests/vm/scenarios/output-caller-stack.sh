# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# output-caller-stack: --output-caller and --output-stack show the right content, not only
# a column. A netfilter DROP in the server namespace frees the SYN through
# kfree_skb_reason (6.1) / sk_skb_reason_drop (6.12), under nf_hook_slow:
#   - kprobe backends: every event's stack starts at the probed function and its CALLER
#     column (the last one) is the stack's next frame, always a symbol (never empty, never
#     a raw address); the drop's caller is netfilter (nft_do_chain on Debian's kernels);
#   - every backend: the stack printed under the drop line has several frames, names
#     nf_hook_slow, and none of them is pwru's own BPF program or the tracing glue.
. /vm/lib.sh
vm_topology 198.51.100.1 198.51.100.10
case $VM_BACKEND in
tracepoint) caller_flag="" ;; # no caller on tracepoints (pwru warns and prints none)
*) caller_flag=--output-caller ;;
esac
# shellcheck disable=SC2086
vm_drop_scenario iptables 198.51.100.1 198.51.100.10 'dst host 198.51.100.10 and port 8080' \
	--output-stack $caller_flag

drop_re="$(vm_drop_func)"
# The stack: the lines after the drop event up to the next event line.
# (The regex goes through the environment: awk -v would eat its backslashes.)
stack=$(RE="$drop_re" awk '$0 ~ ENVIRON["RE"] {on = 1; next} on && /^0x[0-9a-f]+ / {exit} on {print}' "$VM_PWRU_OUT")
[ -n "$stack" ] || vm_fail "no stack lines under the drop event"
frames=$(echo "$stack" | wc -l)
vm_log "drop stack ($frames frames): $(echo "$stack" | tr '\n' ' ')"
[ "$frames" -ge 3 ] || vm_fail "the drop's stack has only $frames frames: $(echo "$stack" | tr '\n' ' ')"
echo "$stack" | grep -qx 'nf_hook_slow' || vm_fail "nf_hook_slow is not on the drop's stack: $(echo "$stack" | tr '\n' ' ')"
own=$(echo "$stack" | grep -E '\[bpf\]|^bpf_prog_|^bpf_trace_run' | head -n 1)
[ -z "$own" ] || vm_fail "the stack shows pwru's own frame $own"
bad=$(echo "$stack" | grep -vE '^[A-Za-z_.$][A-Za-z0-9_.$]*(\[[A-Za-z0-9_]+\])?$' | head -n 1)
[ -z "$bad" ] || vm_fail "a stack line that is not a bare symbol: $bad"
if [ -n "$caller_flag" ]; then
	head -n 1 "$VM_PWRU_OUT" | grep -q ' CALLER$' || vm_fail "no CALLER column: $(head -n 1 "$VM_PWRU_OUT")"
	line=$(grep -m1 -E -- "$drop_re" "$VM_PWRU_OUT")
	caller=${line##* }
	# Every event: its stack (the lines under it) starts at the probed function, and the
	# CALLER column is the next frame (the return address the probe read is the one the
	# unwinder found). On these kernels the netfilter drop is freed by nft_do_chain
	# itself, under nf_hook_slow: the caller is whatever the stack says, not a guess.
	bad=$(awk '/^0x[0-9a-f]+ / {
			if (ev != "" && n < 2) {print "fewer than 2 stack frames under: " ev; exit}
			ev = $0; fn = $(NF - 1); sub(/\(.*/, "", fn); caller = $NF; n = 0; next
		}
		NR > 1 {
			n++
			if (n == 1 && $0 != fn) {print "first frame " $0 " is not the probed function " fn ": " ev; exit}
			if (n == 2 && $0 != caller) {print "CALLER " caller " is not the next frame " $0 ": " ev; exit}
		}' "$VM_PWRU_OUT")
	if [ -n "$bad" ]; then
		vm_log "$(grep -m1 -A4 -F -- "${bad#*: }" "$VM_PWRU_OUT")"
		vm_fail "$bad"
	fi
	case $caller in
	nf_hook_slow | nft_do_chain*) ;;
	*) vm_fail "the drop's caller is '$caller', expected nf_hook_slow or nft_do_chain: $line" ;;
	esac
	bad=$(grep -E '^0x[0-9a-f]+ ' "$VM_PWRU_OUT" | awk '$NF !~ /^[A-Za-z_][A-Za-z0-9_.]*(\[[A-Za-z0-9_]+\])?$/ {print; exit}')
	[ -z "$bad" ] || vm_fail "an event line whose caller is not a symbol: $bad"
fi

vm_pass "$(vm_summary "drop caller ${caller:-n/a}, $frames frames")"
