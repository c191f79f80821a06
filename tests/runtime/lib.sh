# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034,SC2120
# Shared helpers for the pwru runtime tests (and scripts/demo.sh).
#
# Source this file from bash. A test calls rt_init NAME once; after that every namespace
# it creates with rt_netns_add, and the pwru it starts with rt_pwru_start, are removed by
# the EXIT/INT/TERM trap, whether the test passes, fails or is interrupted.
#
# Network safety: traffic only goes to hosts in namespaces made here, addressed from
# 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32. rt_route_check refuses any other
# address, and any route that does not leave through the test's own veth.
#
# Exit codes of a test: 0 pass, 1 fail, 77 skip (CTest SKIP_RETURN_CODE).

RT_NETNS_PREFIX=pwru-rt
RT_NETNS=()            # namespaces to delete at exit
RT_LINKS=()            # links in the host namespace to delete at exit (demo only)
RT_TMP=""              # scratch directory, removed at exit
RT_PWRU_PID=""         # pid of the background pwru, empty when none runs
RT_PWRU_RC=""          # exit status of the last pwru that was waited for
RT_READY_TIMEOUT=${RT_READY_TIMEOUT:-30}
RT_NAME=${RT_NAME:-runtime}

rt_log() { printf '[%s] %s\n' "$RT_NAME" "$*" >&2; }

# rt_fail MESSAGE: report and end the test (the trap cleans up).
rt_fail() {
	printf '[%s] FAIL: %s\n' "$RT_NAME" "$*" >&2
	exit 1
}

rt_skip() {
	printf '[%s] SKIP: %s\n' "$RT_NAME" "$*" >&2
	exit 77
}

# rt_require_root: runtime tests create namespaces and load BPF.
rt_require_root() {
	[ "$(id -u)" = 0 ] || rt_skip "needs root (namespaces, iptables, BPF)"
}

rt_require_tools() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] || rt_fail "missing tools: ${missing[*]} (run scripts/install-deps.sh)"
}

# rt_find_pwru: $PWRU, or <repo>/build/pwru.
rt_find_pwru() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	PWRU=${PWRU:-$here/../../build/pwru}
	[ -x "$PWRU" ] || rt_fail "pwru binary not found or not executable: $PWRU (build it with scripts/build.sh, or set PWRU)"
}

# rt_init NAME: root check, tools, pwru binary, scratch dir, cleanup trap.
rt_init() {
	RT_NAME=$1
	rt_require_root
	rt_require_tools ip iptables ip6tables curl ping bpftool jq setpriv env timeout
	rt_find_pwru
	rt_install_trap
	RT_TMP=$(mktemp -d "/tmp/pwru-rt-$RT_NAME.XXXXXX")
	rt_sweep_stale
}

rt_install_trap() {
	trap rt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# rt_cleanup: the EXIT trap. Stops pwru, deletes our namespaces (which removes their veth
# pairs and firewall rules), removes the scratch dir. Keeps the test's exit status.
rt_cleanup() {
	local status=$? ns l
	set +e
	trap - EXIT INT TERM
	if [ -n "$RT_PWRU_PID" ]; then
		kill -INT "$RT_PWRU_PID" 2>/dev/null
		if ! rt_pwru_wait_exit 10; then
			rt_log "pwru (pid $RT_PWRU_PID) ignored SIGINT for 10 s; sending SIGKILL"
			kill -KILL "$RT_PWRU_PID" 2>/dev/null
			wait "$RT_PWRU_PID" 2>/dev/null
		fi
		RT_PWRU_PID=""
	fi
	if [ "$status" != 0 ] && [ "$status" != 77 ]; then
		rt_dump_pwru_files
	fi
	for l in "${RT_LINKS[@]}"; do
		ip link del "$l" 2>/dev/null
	done
	for ns in "${RT_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for ns in "${RT_NETNS[@]}"; do
		if ip netns list | awk '{print $1}' | grep -qxF "$ns"; then
			printf '[%s] cleanup: namespace %s is still there\n' "$RT_NAME" "$ns" >&2
			[ "$status" = 0 ] && status=1
		fi
	done
	RT_NETNS=()
	RT_LINKS=()
	[ -n "$RT_TMP" ] && rm -rf -- "$RT_TMP"
	exit "$status"
}

# rt_dump_pwru_files: on failure, show what pwru printed.
rt_dump_pwru_files() {
	local f
	[ -n "$RT_TMP" ] && [ -d "$RT_TMP" ] || return 0
	for f in "$RT_TMP"/pwru.*; do
		[ -s "$f" ] || continue
		printf -- '----- %s (last 60 lines) -----\n' "${f##*/}" >&2
		tail -n 60 "$f" >&2
	done
}

# rt_sweep_stale [PREFIX]: delete namespaces left by a test (or demo) that was SIGKILLed:
# names of the form PREFIX-<pid>[-*] (default prefix pwru-rt) whose pid is gone.
rt_sweep_stale() {
	local prefix=${1:-$RT_NETNS_PREFIX} ns pid
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in "$prefix"-*) ;; *) continue ;; esac
		pid=${ns#"$prefix"-}
		pid=${pid%%-*}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		[ -d "/proc/$pid" ] && continue
		rt_log "removing stale namespace $ns"
		ip netns del "$ns" 2>/dev/null || true
	done
}

# rt_netns_add NAME: create a namespace, register it for cleanup, bring lo up.
rt_netns_add() {
	ip netns add "$1" || rt_fail "cannot create namespace $1"
	RT_NETNS+=("$1")
	ip -n "$1" link set lo up || rt_fail "cannot bring lo up in $1"
}

# rt_topology [ipv6]: two namespaces joined by a veth pair; nothing in the host namespace.
#   client RT_NSC: RT_DEVC, 198.51.100.1/24  (and 2001:db8::1/64 with ipv6)
#   server RT_NSS: RT_DEVS, 198.51.100.10/24 (and 2001:db8::10/64 with ipv6)
# Traffic is sent from the client namespace; firewall rules live in the server namespace.
RT_CLIENT4=198.51.100.1
RT_SERVER4=198.51.100.10
RT_CLIENT6=2001:db8::1
RT_SERVER6=2001:db8::10
rt_topology() {
	RT_NSC="$RT_NETNS_PREFIX-$$-c"
	RT_NSS="$RT_NETNS_PREFIX-$$-s"
	RT_DEVC=rtc0
	RT_DEVS=rts0
	rt_netns_add "$RT_NSC"
	rt_netns_add "$RT_NSS"
	ip -n "$RT_NSC" link add "$RT_DEVC" type veth peer name "$RT_DEVS" netns "$RT_NSS" ||
		rt_fail "cannot create veth pair"
	ip -n "$RT_NSC" addr add "$RT_CLIENT4/24" dev "$RT_DEVC" || rt_fail "addr $RT_CLIENT4"
	ip -n "$RT_NSS" addr add "$RT_SERVER4/24" dev "$RT_DEVS" || rt_fail "addr $RT_SERVER4"
	if [ "${1:-}" = ipv6 ]; then
		ip -n "$RT_NSC" addr add "$RT_CLIENT6/64" dev "$RT_DEVC" nodad || rt_fail "addr $RT_CLIENT6"
		ip -n "$RT_NSS" addr add "$RT_SERVER6/64" dev "$RT_DEVS" nodad || rt_fail "addr $RT_SERVER6"
	fi
	ip -n "$RT_NSC" link set "$RT_DEVC" up || rt_fail "link up $RT_DEVC"
	ip -n "$RT_NSS" link set "$RT_DEVS" up || rt_fail "link up $RT_DEVS"
}

# rt_topology2: a second, separate client/server pair on 203.0.113.0/24 (for tests that
# need traffic in namespaces pwru must tell apart):
#   client RT_NSC2: RT_DEVC2, 203.0.113.1/24    server RT_NSS2: RT_DEVS2, 203.0.113.10/24
RT_CLIENT4B=203.0.113.1
RT_SERVER4B=203.0.113.10
rt_topology2() {
	RT_NSC2="$RT_NETNS_PREFIX-$$-c2"
	RT_NSS2="$RT_NETNS_PREFIX-$$-s2"
	RT_DEVC2=rtc2
	RT_DEVS2=rts2
	rt_netns_add "$RT_NSC2"
	rt_netns_add "$RT_NSS2"
	ip -n "$RT_NSC2" link add "$RT_DEVC2" type veth peer name "$RT_DEVS2" netns "$RT_NSS2" ||
		rt_fail "cannot create the second veth pair"
	ip -n "$RT_NSC2" addr add "$RT_CLIENT4B/24" dev "$RT_DEVC2" || rt_fail "addr $RT_CLIENT4B"
	ip -n "$RT_NSS2" addr add "$RT_SERVER4B/24" dev "$RT_DEVS2" || rt_fail "addr $RT_SERVER4B"
	ip -n "$RT_NSC2" link set "$RT_DEVC2" up || rt_fail "link up $RT_DEVC2"
	ip -n "$RT_NSS2" link set "$RT_DEVS2" up || rt_fail "link up $RT_DEVS2"
}

# rt_netns_inode NS: inode of a test namespace (what pwru prints in NETNS).
rt_netns_inode() { stat -L -c %i "/run/netns/$1"; }

# rt_assert_column COL VALUE [FILE]: every event line has VALUE in awk column COL.
rt_assert_column() {
	local col=$1 want=$2 f=${3:-$RT_PWRU_OUT} bad
	bad=$(awk -v c="$col" -v w="$want" 'NR > 1 && NF > 5 && $c != w' "$f")
	if [ -n "$bad" ]; then
		sed 's/^/  | /' <<<"$bad" >&2
		rt_fail "lines above have column $col != $want"
	fi
	rt_log "ok: every event line has '$want' in column $col"
}

# rt_ns_exec NS CMD...: run CMD in namespace NS.
rt_ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# rt_addr_allowed ADDR: only the documentation ranges and loopback may be targets.
rt_addr_allowed() {
	local a=${1,,}
	case $a in
	198.51.100.* | 203.0.113.* | 127.* | 2001:db8:* | ::1) return 0 ;;
	*) return 1 ;;
	esac
}

# rt_route_check NS ADDR DEV: abort unless, seen from NS ("" = the host namespace), the
# route to ADDR leaves through DEV. Run it before sending anything to ADDR.
rt_route_check() {
	local ns=$1 addr=$2 dev=$3 out
	rt_addr_allowed "$addr" || rt_fail "refusing to send traffic to $addr (not a test address)"
	if [ -n "$ns" ]; then
		out=$(ip -n "$ns" -o route get "$addr" 2>&1) || rt_fail "no route to $addr in $ns: $out"
	else
		out=$(ip -o route get "$addr" 2>&1) || rt_fail "no route to $addr: $out"
	fi
	[[ " $out " == *" dev $dev "* ]] ||
		rt_fail "route to $addr${ns:+ in $ns} does not use $dev, refusing to send: $out"
}

# rt_curl NS ADDR PORT: one TCP connection attempt from NS (expected to fail: dropped or
# refused). Checks the route first.
rt_curl() {
	local ns=$1 addr=$2 port=$3 dev=${4:-$RT_DEVC} url
	rt_route_check "$ns" "$addr" "$dev"
	if [[ $addr == *:* ]]; then url="http://[$addr]:$port/"; else url="http://$addr:$port/"; fi
	rt_ns_exec "$ns" curl -g -sS --connect-timeout 1 --max-time 2 -o /dev/null "$url" \
		>>"$RT_TMP/curl.out" 2>&1 || true
}

# rt_ping NS ADDR COUNT: COUNT echo requests from NS, 0.2 s apart. Checks the route first.
rt_ping() {
	local ns=$1 addr=$2 count=${3:-1} dev=${4:-$RT_DEVC}
	rt_route_check "$ns" "$addr" "$dev"
	rt_ns_exec "$ns" ping -n -q -c "$count" -i 0.2 -W 1 "$addr" >>"$RT_TMP/ping.out" 2>&1 || true
}

# ---------------------------------------------------------------------------------------
# pwru lifecycle

# rt_pwru_start ARGS...: start pwru in the background with --ready-file and --output-file
# (RT_PWRU_OUT), stderr to RT_PWRU_ERR; wait until the ready file exists.
# SIGINT/SIGQUIT are reset to their defaults: bash starts background jobs of a
# non-interactive shell with them ignored, and the test is about pwru's own handling.
rt_pwru_start() {
	[ -z "$RT_PWRU_PID" ] || rt_fail "pwru is already running (pid $RT_PWRU_PID)"
	RT_PWRU_OUT="$RT_TMP/pwru.log"
	RT_PWRU_ERR="$RT_TMP/pwru.stderr"
	RT_PWRU_STDOUT="$RT_TMP/pwru.stdout"
	RT_PWRU_READY="$RT_TMP/pwru.ready"
	rm -f -- "$RT_PWRU_OUT" "$RT_PWRU_ERR" "$RT_PWRU_STDOUT" "$RT_PWRU_READY"
	rt_log "starting: $PWRU --ready-file $RT_PWRU_READY --output-file $RT_PWRU_OUT $*"
	env --default-signal=INT,QUIT "$PWRU" --ready-file "$RT_PWRU_READY" \
		--output-file "$RT_PWRU_OUT" "$@" >"$RT_PWRU_STDOUT" 2>"$RT_PWRU_ERR" </dev/null &
	RT_PWRU_PID=$!
	RT_PWRU_STARTED=$SECONDS
	rt_pwru_wait_ready
}

rt_pwru_alive() {
	local state
	[ -n "$RT_PWRU_PID" ] || return 1
	# A child that exited stays a zombie until waited for, so kill -0 is not enough.
	state=$(sed -e 's/^.*) //' "/proc/$RT_PWRU_PID/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

rt_pwru_wait_ready() {
	local deadline=$((SECONDS + RT_READY_TIMEOUT))
	while [ ! -e "$RT_PWRU_READY" ]; do
		if ! rt_pwru_alive; then
			local rc=0
			wait "$RT_PWRU_PID" || rc=$?
			RT_PWRU_PID=""
			rt_fail "pwru exited with status $rc before it was ready (its stderr follows)"
		fi
		[ "$SECONDS" -lt "$deadline" ] ||
			rt_fail "pwru not ready after ${RT_READY_TIMEOUT}s (no $RT_PWRU_READY)"
		sleep 0.1
	done
	rt_log "pwru ready after $((SECONDS - RT_PWRU_STARTED))s (pid $RT_PWRU_PID)"
}

# rt_pwru_wait_exit TIMEOUT: wait up to TIMEOUT s for pwru to exit; sets RT_PWRU_RC and
# clears RT_PWRU_PID. Returns 1 (and leaves pwru running) on timeout.
rt_pwru_wait_exit() {
	local deadline=$((SECONDS + $1))
	while rt_pwru_alive; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
	RT_PWRU_RC=0
	wait "$RT_PWRU_PID" 2>/dev/null || RT_PWRU_RC=$?
	RT_PWRU_PID=""
	return 0
}

# rt_pwru_stop [SIGNAL] [TIMEOUT]: signal pwru (default INT), wait for it (default 10 s),
# and require exit status 0. Sets RT_PWRU_STOP_SECS.
rt_pwru_stop() {
	local sig=${1:-INT} timeout=${2:-10} t0=$SECONDS pid=$RT_PWRU_PID
	[ -n "$pid" ] || rt_fail "pwru is not running"
	rt_pwru_alive || { rt_pwru_wait_exit 1; rt_fail "pwru had already exited (status $RT_PWRU_RC) before SIG$sig"; }
	kill "-$sig" "$pid" 2>/dev/null || true
	rt_pwru_wait_exit "$timeout" || rt_fail "pwru (pid $pid) still running ${timeout}s after SIG$sig"
	RT_PWRU_STOP_SECS=$((SECONDS - t0))
	[ "$RT_PWRU_RC" = 0 ] || rt_fail "pwru exited with status $RT_PWRU_RC after SIG$sig (expected 0)"
	rt_log "pwru exited 0 within ${RT_PWRU_STOP_SECS}s of SIG$sig"
}

# ---------------------------------------------------------------------------------------
# BPF objects: prove that pwru leaves no program or link behind.

# rt_bpf_list: one line per BPF program and link: "prog ID NAME" / "link ID TYPE".
rt_bpf_list() {
	{
		bpftool -j prog list | jq -r '.[] | "prog \(.id) \(.name // "-")"'
		bpftool -j link list | jq -r '.[] | "link \(.id) \(.type // "-")"'
	} | sort
}

# rt_bpf_snapshot FILE
rt_bpf_snapshot() { rt_bpf_list >"$1" || rt_fail "bpftool failed"; }

# rt_bpf_new_since FILE: BPF programs/links present now that were not in FILE.
rt_bpf_new_since() {
	rt_bpf_list | comm -13 "$1" -
}

# rt_bpf_held_by_others: "prog ID" / "link ID" for every BPF program and link that a live
# process outside this test's process group holds an fd to (from /proc/*/fdinfo; a link fd
# also names its program). On a shared machine another tool may load programs while a
# test runs: those are not pwru's leftovers. pwru and anything it forks stay in the test's
# process group, so a leftover held by a straggling child still counts.
rt_bpf_held_by_others() {
	local mypgrp
	mypgrp=$(sed -e 's/^.*) //' /proc/$$/stat | cut -d' ' -f3)
	grep -H -E '^(prog_id|link_id):' /proc/[0-9]*/fdinfo/* 2>/dev/null |
		awk -F'[/:]' -v mine="$mypgrp" '{
			pid = $3; kind = ($(NF-1) == "prog_id") ? "prog" : "link"; id = $NF; gsub(/[ \t]/, "", id)
			if (!(pid in pgrp)) {
				st = ""; getline st < ("/proc/" pid "/stat"); close("/proc/" pid "/stat")
				sub(/^.*\) /, "", st); split(st, f, " "); pgrp[pid] = f[3]
			}
			if (pgrp[pid] != "" && pgrp[pid] != mine) print kind, id
		}' | sort -u
}

# rt_bpf_leftover FILE: programs/links that are new since FILE and that no other live
# process holds; after pwru has exited these can only be pwru's.
rt_bpf_leftover() {
	local new
	new=$(rt_bpf_new_since "$1")
	[ -n "$new" ] || return 0
	awk -v held="$(rt_bpf_held_by_others | tr '\n' ',')" \
		'BEGIN { n = split(held, h, ","); for (i = 1; i <= n; i++) skip[h[i]] = 1 }
		!(($1 " " $2) in skip)' <<<"$new"
}

# rt_assert_no_new_bpf FILE [TIMEOUT]: the kernel frees programs asynchronously after the
# last fd is closed, so allow TIMEOUT s (default 5) before calling anything a leak.
rt_assert_no_new_bpf() {
	local snap=$1 deadline=$((SECONDS + ${2:-5})) left
	while :; do
		left=$(rt_bpf_leftover "$snap")
		[ -z "$left" ] && return 0
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.2
	done
	rt_fail "BPF objects left behind after pwru exited:
$left"
}

# ---------------------------------------------------------------------------------------
# Assertions on pwru's output file.

RT_HEADER_RE='^SKB                CPU PROCESS'

rt_assert_header() {
	local f=${1:-$RT_PWRU_OUT} first
	[ -s "$f" ] || rt_fail "output file $f is empty (no header)"
	first=$(head -n 1 "$f")
	[[ $first =~ $RT_HEADER_RE ]] || rt_fail "first line is not the header: '$first'"
	rt_log "ok: the first line is the header"
}

# rt_event_count [FILE]: non-empty lines that are not the header.
rt_event_count() {
	grep -v -E "$RT_HEADER_RE" "${1:-$RT_PWRU_OUT}" | grep -c -v '^[[:space:]]*$' || true
}

# rt_assert_match REGEX [FILE]: some line matches the extended regex.
rt_assert_match() {
	local re=$1 f=${2:-$RT_PWRU_OUT}
	grep -q -E -- "$re" "$f" || {
		rt_log "output ($f):"
		sed 's/^/  | /' "$f" >&2
		rt_fail "no line matches /$re/"
	}
	rt_log "ok: a line matches /$re/"
}

# rt_assert_no_match REGEX [FILE]: no line matches.
rt_assert_no_match() {
	local re=$1 f=${2:-$RT_PWRU_OUT}
	if grep -q -E -- "$re" "$f"; then
		grep -E -- "$re" "$f" | sed 's/^/  | /' >&2
		rt_fail "lines match /$re/ but should not"
	fi
	rt_log "ok: no line matches /$re/"
}

# rt_iptables NS ARGS... / rt_ip6tables NS ARGS...: firewall rules, only ever inside a
# test namespace (the host's rule set is never touched).
rt_xtables() {
	local tool=$1 ns=$2
	shift 2
	[ -n "$ns" ] || rt_fail "firewall rules go inside a test namespace"
	ip netns exec "$ns" "$tool" -w 10 "$@" || rt_fail "$tool $* in $ns failed"
}
rt_iptables() { rt_xtables iptables "$@"; }
rt_ip6tables() { rt_xtables ip6tables "$@"; }

# rt_dropped_count NS [ip6tables]: packets the DROP rules of NS's INPUT chain have matched.
rt_dropped_count() {
	local ns=$1 tool=${2:-iptables}
	ip netns exec "$ns" "$tool" -w 10 -nvxL INPUT | awk '$3 == "DROP" {s += $1} END {print s + 0}'
}

# rt_assert_dropped NS [ip6tables]: the DROP rules in NS's INPUT chain matched at least one
# packet, i.e. the test traffic really arrived (so a missing trace line is pwru's fault).
rt_assert_dropped() {
	local ns=$1 tool=${2:-iptables} n
	n=$(rt_dropped_count "$ns" "$tool")
	[ "$n" -ge 1 ] || rt_fail "$tool DROP rule in $ns matched no packet: the test traffic never arrived"
	rt_log "ok: $tool DROP rule in $ns matched $n packet(s)"
}
