# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC1091
# Runs inside the guest (started by /init): every row of /vm/expect.txt for this kernel
# (VM_KERNEL, from /vm/env), optionally only the scenarios in VM_ONLY. Prints one line per
# row on /dev/ttyS1 (the host's results file) and on the console:
#   VMRESULT <kernel> <scenario> <backend> PASS|FAIL|PENDING|XFAIL <detail> [<seconds>s]
# plus VMREADY at the start, VMLOG lines (a failed row's log) and VMDONE at the end.
. /vm/env
PWRU=/pwru/pwru
ip() { /usr/sbin/ip "$@"; }  # not busybox's applet: see lib.sh
RES=/dev/ttyS1
SCENARIO_TIMEOUT=${VM_SCENARIO_TIMEOUT:-300}

res() {
	echo "$*" >"$RES"
	echo "$*"
}
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

res "VMREADY $VM_KERNEL $(uname -r) uptime=$(now)s pwru=$($PWRU --version 2>&1 | head -n 1)"

# cleanup_row DIR: stop whatever a scenario left: pwru, servers, namespaces.
cleanup_row() {
	for f in "$1/pwru.pid" "$1/pids"; do
		[ -f "$f" ] || continue
		for pid in $(cat "$f"); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	ip -all netns delete 2>/dev/null
}

# check_unavailable BACKEND DIR: pwru --backend BACKEND must exit 2 with one stderr line
# naming the backend. Prints the detail; returns 0 when it did.
check_unavailable() {
	rc=0
	timeout -s KILL 120 "$PWRU" --backend "$1" 'tcp port 8080' >"$2/pwru.stdout" 2>"$2/pwru.err" </dev/null || rc=$?
	line=$(head -n 1 "$2/pwru.err")
	lines=$(wc -l <"$2/pwru.err")
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && echo "$line" | grep -qF "'$1'"; then
		echo "refused as expected: $line"
		return 0
	fi
	echo "expected exit 2 and one line naming '$1'; got exit $rc, $lines lines: $line"
	return 1
}

total_t0=$(now)
npass=0
nfail=0
npending=0
nxfail=0
# scenario backend expect [argument...] (the argument is the rest of the line)
awk -v k="$VM_KERNEL" '!/^[[:space:]]*#/ && NF >= 4 && $1 == k {
	a = ""; for (i = 5; i <= NF; i++) a = a (i > 5 ? " " : "") $i
	print $2, $3, $4, a
}' /vm/expect.txt >/tmp/rows
while read -r scn backend expect arg; do
	if [ -n "${VM_ONLY:-}" ]; then
		case " $VM_ONLY " in *" $scn "*) ;; *) continue ;; esac
	fi
	dir="/tmp/vm/$scn.$backend"
	rm -rf "$dir"
	mkdir -p "$dir"
	t0=$(now)
	echo "runner: ---- $scn / $backend (expect $expect${arg:+ $arg}) ----"
	if [ "$backend" = auto ] && [ "$expect" != unavailable ]; then
		arg_env=$arg
	else
		arg_env=""
	fi
	if [ "$expect" = unavailable ]; then
		detail=$(check_unavailable "$backend" "$dir")
		rc=$?
	else
		rc=0
		VM_SCENARIO=$scn VM_BACKEND=$backend VM_EXPECT_ARG=$arg_env VM_DETAIL="$dir/detail" VM_TMP="$dir" \
			timeout -s KILL "$SCENARIO_TIMEOUT" sh "/vm/scenarios/$scn.sh" "$backend" \
			>"$dir/log" 2>&1 </dev/null || rc=$?
		cat "$dir/log"
		if [ -s "$dir/detail" ]; then
			detail=$(head -n 1 "$dir/detail")
		elif [ "$rc" = 137 ]; then
			detail="timed out after ${SCENARIO_TIMEOUT}s"
		else
			detail="exit $rc without a detail line"
		fi
	fi
	cleanup_row "$dir"
	el=$(since "$t0")
	case $expect:$rc in
	pass:0 | unavailable:0)
		status=PASS
		npass=$((npass + 1))
		;;
	pending:0)
		status=PENDING
		detail="passes now (flip this row to pass in tests/vm/expect.txt): $detail"
		npending=$((npending + 1))
		;;
	pending:*)
		status=PENDING
		npending=$((npending + 1))
		;;
	xfail:0)
		status=XFAIL
		detail="passes now (the known bug is fixed? flip this row to pass in tests/vm/expect.txt): $detail"
		nxfail=$((nxfail + 1))
		;;
	xfail:*)
		status=XFAIL
		detail="known bug ($arg): $detail"
		nxfail=$((nxfail + 1))
		;;
	*)
		status=FAIL
		nfail=$((nfail + 1))
		;;
	esac
	detail=$(echo "$detail" | tr '\t\r\n' '   ')
	res "VMRESULT $VM_KERNEL $scn $backend $status $detail [${el}s]"
	if [ "$status" = FAIL ]; then
		{
			[ -f "$dir/log" ] && tail -n 60 "$dir/log"
			[ -f "$dir/pwru.err" ] && sed 's/^/pwru.err: /' "$dir/pwru.err" | head -n 20
		} | sed "s|^|VMLOG $VM_KERNEL $scn $backend \| |" >"$RES"
	fi
done </tmp/rows
res "VMDONE $VM_KERNEL pass=$npass fail=$nfail pending=$npending xfail=$nxfail time=$(since "$total_t0")s"
[ "$nfail" = 0 ]
