# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC2120
# Helpers for the VM scenarios (tests/vm/scenarios/*.sh). Runs INSIDE the guest, under
# busybox sh, sourced by a scenario that the runner (runner.sh) starts as
#   sh /vm/scenarios/NAME.sh BACKEND
# with VM_SCENARIO, VM_BACKEND, VM_KERNEL, VM_EXPECT_ARG, VM_DETAIL and VM_TMP set.
#
# A scenario ends with vm_pass [DETAIL] (exit 0) or vm_fail MESSAGE (exit 1); the first
# line of the message is the VMRESULT detail. The runner deletes every namespace and
# stops any pwru after each scenario.
#
# Network safety: the guest has no network card (qemu -nic none). Traffic only goes between
# namespaces a scenario creates (or over the guest's own lo), to addresses from
# 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 or loopback; vm_route_check refuses
# anything else, and any route that does not leave through the scenario's own device.

PWRU=${PWRU:-/pwru/pwru}
# Debian's busybox sh runs its own applets before $PATH (standalone shell): Debian's ip
# (netns, veth peer names) must be named by path.
ip() { /usr/sbin/ip "$@"; }
VM_NSC=vmc         # client namespace
VM_NSS=vms         # server namespace
VM_DEVC=vc0        # client end of the veth pair
VM_DEVS=vs0        # server end
VM_PWRU_PID=""
VM_READY_TIMEOUT=${VM_READY_TIMEOUT:-150}

vm_log() { echo "[$VM_SCENARIO/$VM_BACKEND] $*" >&2; }

vm_fail() {
	echo "$*" >"$VM_DETAIL"
	vm_log "FAIL: $*"
	vm_dump
	exit 1
}

vm_pass() {
	echo "${*:-ok}" >"$VM_DETAIL"
	vm_log "PASS: ${*:-ok}"
	exit 0
}

# vm_dump: what pwru said, into the scenario log (the runner forwards it on failure).
vm_dump() {
	for f in "$VM_TMP"/pwru.err "$VM_TMP"/pwru.stdout "$VM_TMP"/pwru.log; do
		[ -s "$f" ] || continue
		echo "----- ${f##*/} (first 40 lines) -----" >&2
		head -n 40 "$f" >&2
	done
}

# vm_now: guest uptime in seconds (two decimals).
vm_now() { cut -d' ' -f1 /proc/uptime; }

# ---------------------------------------------------------------------------------------
# Topology

# vm_topology CLIENT4 SERVER4 [CLIENT6 SERVER6]: namespaces VM_NSC and VM_NSS joined by the
# veth pair VM_DEVC/VM_DEVS; /24 for IPv4, /64 for IPv6 (no DAD).
vm_topology() {
	ip netns add "$VM_NSC" || vm_fail "cannot create namespace $VM_NSC"
	ip netns add "$VM_NSS" || vm_fail "cannot create namespace $VM_NSS"
	ip -n "$VM_NSC" link set lo up || vm_fail "lo up in $VM_NSC"
	ip -n "$VM_NSS" link set lo up || vm_fail "lo up in $VM_NSS"
	ip -n "$VM_NSC" link add "$VM_DEVC" type veth peer name "$VM_DEVS" netns "$VM_NSS" ||
		vm_fail "cannot create the veth pair"
	ip -n "$VM_NSC" addr add "$1/24" dev "$VM_DEVC" || vm_fail "addr $1"
	ip -n "$VM_NSS" addr add "$2/24" dev "$VM_DEVS" || vm_fail "addr $2"
	if [ -n "${3:-}" ]; then
		ip -n "$VM_NSC" addr add "$3/64" dev "$VM_DEVC" nodad || vm_fail "addr $3"
		ip -n "$VM_NSS" addr add "$4/64" dev "$VM_DEVS" nodad || vm_fail "addr $4"
	fi
	ip -n "$VM_NSC" link set "$VM_DEVC" up || vm_fail "link up $VM_DEVC"
	ip -n "$VM_NSS" link set "$VM_DEVS" up || vm_fail "link up $VM_DEVS"
}

# vm_addr_allowed ADDR: only documentation ranges and loopback may be targets.
vm_addr_allowed() {
	case $1 in
	198.51.100.* | 203.0.113.* | 127.* | 2001:db8:* | 2001:DB8:* | ::1) return 0 ;;
	*) return 1 ;;
	esac
}

# vm_route_check NS ADDR DEV: abort unless, seen from NS ("" = the guest's own namespace),
# the route to ADDR leaves through DEV. Run before sending anything to ADDR.
vm_route_check() {
	vm_addr_allowed "$2" || vm_fail "refusing to send traffic to $2 (not a test address)"
	if [ -n "$1" ]; then
		out=$(ip -n "$1" -o route get "$2" 2>&1) || vm_fail "no route to $2 in $1: $out"
	else
		out=$(ip -o route get "$2" 2>&1) || vm_fail "no route to $2: $out"
	fi
	case " $out " in
	*" dev $3 "*) ;;
	*) vm_fail "route to $2 does not use $3, refusing to send: $out" ;;
	esac
}

# vm_iptables NS ARGS...: iptables in NS (ip6tables when VM_IPT=ip6tables).
vm_iptables() {
	ns=$1
	shift
	ip netns exec "$ns" "${VM_IPT:-iptables}" -w 10 "$@" || vm_fail "${VM_IPT:-iptables} $* failed in $ns"
}

# vm_dropped_count NS: packets the DROP rules of INPUT in NS have matched.
vm_dropped_count() {
	ip netns exec "$1" "${VM_IPT:-iptables}" -w 10 -nvxL INPUT 2>/dev/null |
		awk '$3 == "DROP" {s += $1} END {print s + 0}'
}

# vm_curl NS ADDR PORT DEV: one HTTP attempt from NS (may fail: dropped or refused).
vm_curl() {
	vm_route_check "$1" "$2" "$4"
	case $2 in
	*:*) url="http://[$2]:$3/" ;;
	*) url="http://$2:$3/" ;;
	esac
	ip netns exec "$1" curl -g -sS --connect-timeout 2 --max-time 4 -o "$VM_TMP/curl.body" "$url" \
		>>"$VM_TMP/curl.out" 2>&1
}

# vm_ping NS ADDR COUNT DEV: COUNT echo requests from NS ("" = the guest's namespace).
vm_ping() {
	vm_route_check "$1" "$2" "$4"
	if [ -n "$1" ]; then
		ip netns exec "$1" ping -c "$3" -W 1 "$2" >>"$VM_TMP/ping.out" 2>&1
	else
		ping -c "$3" -W 1 "$2" >>"$VM_TMP/ping.out" 2>&1
	fi
}

# ---------------------------------------------------------------------------------------
# pwru

# The kprobe subset for the scenarios other than basic-ipv4 (anchored alternatives, so
# that a shorter name listed first cannot shadow a longer one).
VM_KPROBE_SUBSET='^(ip_rcv|ip_rcv_core|ip_local_deliver|ip_local_deliver_finish|ip_output|ip_finish_output2|__ip_local_out|ipv6_rcv|ip6_rcv_core|ip6_output|ip6_finish_output2|nf_hook_slow|__netif_receive_skb|netif_receive_skb|__dev_queue_xmit|dev_hard_start_xmit|veth_xmit|arp_rcv|arp_process|icmp_rcv|icmpv6_rcv|tcp_v4_rcv|tcp_v6_rcv|kfree_skb_reason|sk_skb_reason_drop|consume_skb)$'

# vm_pwru_start ARGS...: start pwru with --backend VM_BACKEND, --ready-file, --output-file
# and ARGS in the background; wait until it is ready. Sets VM_PWRU_OUT, VM_READY_SECS.
vm_pwru_start() {
	VM_PWRU_OUT="$VM_TMP/pwru.log"
	rm -f "$VM_PWRU_OUT" "$VM_TMP/pwru.ready" "$VM_TMP/pwru.err" "$VM_TMP/pwru.stdout"
	# Separate kprobes cost ~20 ms each to attach and ~30 ms to detach under TCG (the
	# kernel serialises unregistering on event_mutex): the full set (~1600) takes ~80 s per
	# run. basic-ipv4 runs the full set on both kernels; the other kprobe rows trace the
	# functions these scenarios look at (--filter-func: pwru's whole-name match). A scenario
	# that sets VM_FULL_SET=1 (bench-attach) gets the full set too.
	if [ "$VM_BACKEND" = kprobe ] && [ "$VM_SCENARIO" != basic-ipv4 ] && [ "${VM_FULL_SET:-}" != 1 ]; then
		set -- --filter-func "$VM_KPROBE_SUBSET" "$@"
	fi
	vm_log "starting: pwru --backend $VM_BACKEND $*"
	t0=$(vm_now)
	"$PWRU" --backend "$VM_BACKEND" --ready-file "$VM_TMP/pwru.ready" --output-file "$VM_PWRU_OUT" \
		"$@" >"$VM_TMP/pwru.stdout" 2>"$VM_TMP/pwru.err" </dev/null &
	VM_PWRU_PID=$!
	echo "$VM_PWRU_PID" >"$VM_TMP/pwru.pid"
	deadline=$(($(cut -d. -f1 /proc/uptime) + VM_READY_TIMEOUT))
	while [ ! -e "$VM_TMP/pwru.ready" ]; do
		if ! kill -0 "$VM_PWRU_PID" 2>/dev/null; then
			rc=0
			wait "$VM_PWRU_PID" || rc=$?
			VM_PWRU_PID=""
			vm_fail "pwru exited $rc before it was ready: $(head -n 1 "$VM_TMP/pwru.err")"
		fi
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ] ||
			vm_fail "pwru not ready after ${VM_READY_TIMEOUT}s"
		sleep 0.1
	done
	VM_READY_SECS=$(awk -v a="$t0" -v b="$(vm_now)" 'BEGIN {printf "%.1f", b - a}')
	vm_log "pwru ready after ${VM_READY_SECS}s"
	if [ "$VM_BACKEND" = auto ]; then
		# Auto-detection: the notice names the choice; VM_EXPECT_ARG is what this kernel
		# must get (expect.txt).
		VM_NOTICE=$(grep -m1 'using the .* backend' "$VM_TMP/pwru.err")
		VM_CHOSEN=$(echo "$VM_NOTICE" | sed -n 's/.*using the \([a-z-]*\) backend.*/\1/p')
		[ -n "$VM_CHOSEN" ] || vm_fail "pwru printed no 'using the ... backend' notice"
		[ -z "${VM_EXPECT_ARG:-}" ] || [ "$VM_CHOSEN" = "$VM_EXPECT_ARG" ] ||
			vm_fail "auto chose $VM_CHOSEN, expected $VM_EXPECT_ARG: $VM_NOTICE"
	fi
}

# vm_pwru_stop [TIMEOUT]: SIGTERM (SIGINT is ignored by background jobs of a
# non-interactive shell), wait up to TIMEOUT s (default 120: detaching many kprobes under
# TCG is slow), require exit status 0. Sets VM_STOP_SECS.
vm_pwru_stop() {
	[ -n "$VM_PWRU_PID" ] || vm_fail "pwru is not running"
	t0=$(vm_now)
	kill -0 "$VM_PWRU_PID" 2>/dev/null || {
		rc=0
		wait "$VM_PWRU_PID" || rc=$?
		VM_PWRU_PID=""
		vm_fail "pwru had exited ($rc) before it was stopped: $(tail -n 1 "$VM_TMP/pwru.err")"
	}
	kill -TERM "$VM_PWRU_PID"
	deadline=$(($(cut -d. -f1 /proc/uptime) + ${1:-120}))
	while [ -d "/proc/$VM_PWRU_PID" ] && ! grep -q '^State:.*Z' "/proc/$VM_PWRU_PID/status" 2>/dev/null; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ] || vm_fail "pwru still running ${1:-120}s after SIGTERM"
		sleep 0.1
	done
	rc=0
	wait "$VM_PWRU_PID" || rc=$?
	VM_PWRU_PID=""
	VM_STOP_SECS=$(awk -v a="$t0" -v b="$(vm_now)" 'BEGIN {printf "%.1f", b - a}')
	[ "$rc" = 0 ] || vm_fail "pwru exited $rc after SIGTERM: $(tail -n 1 "$VM_TMP/pwru.err")"
	vm_log "pwru exited 0, ${VM_STOP_SECS}s after SIGTERM"
}

# ---------------------------------------------------------------------------------------
# Assertions on pwru's output file (grep -E).

vm_expect_header() {
	[ -s "$VM_PWRU_OUT" ] || vm_fail "pwru's output file is empty"
	head -n 1 "$VM_PWRU_OUT" | grep -q '^SKB  *CPU PROCESS' ||
		vm_fail "first line is not the header: $(head -n 1 "$VM_PWRU_OUT")"
}

# vm_expect REGEX [WHAT]: some event line matches REGEX.
vm_expect() {
	grep -qE -- "$1" "$VM_PWRU_OUT" ||
		vm_fail "no line matches ${2:-/$1/} ($(($(wc -l <"$VM_PWRU_OUT") - 1)) event lines)"
}

# vm_expect_none REGEX [WHAT]: no event line matches REGEX.
vm_expect_none() {
	n=$(grep -cE -- "$1" "$VM_PWRU_OUT")
	[ "$n" = 0 ] || vm_fail "$n lines match ${2:-/$1/}, expected none: $(grep -m1 -E -- "$1" "$VM_PWRU_OUT")"
}

# vm_skbs_in SET FILE / vm_skbs_not_in SET FILE: the lines (SKB addresses) of FILE that are
# (are not) lines of SET (no comm in the guest's busybox).
vm_skbs_in() { awk 'NR == FNR {a[$1]; next} ($1 in a)' "$1" "$2"; }
vm_skbs_not_in() { awk 'NR == FNR {a[$1]; next} !($1 in a)' "$1" "$2"; }

# vm_re TEXT: TEXT with the dots escaped (addresses in a regex).
vm_re() { echo "$1" | sed 's/\./\\./g'; }

# vm_events: number of event lines (stack lines under them not counted).
vm_events() { grep -c '^0x[0-9a-f]* ' "$VM_PWRU_OUT"; }

# vm_drop_func: FUNC of a netfilter drop for VM_BACKEND. The tracepoint backend sees
# the skb:kfree_skb tracepoint; the kprobe backends see the kernel function:
# kfree_skb_reason (6.1) or sk_skb_reason_drop (6.12; kfree_skb_reason is inline there).
vm_drop_func() {
	case ${VM_CHOSEN:-$VM_BACKEND} in
	tracepoint) echo 'kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)' ;;
	*) echo '(kfree_skb_reason|sk_skb_reason_drop)\(SKB_DROP_REASON_NETFILTER_DROP\)' ;;
	esac
}

# vm_summary: "N events, ready Xs, stop Ys" for the pass detail.
vm_summary() { echo "$(vm_events) events, ready ${VM_READY_SECS}s, stop ${VM_STOP_SECS}s${1:+, $1}"; }

# vm_drop_scenario IPT CLIENT SERVER PCAP [PWRU-FLAGS...]: the shape of cilium/pwru's
# basic/advanced CI scenarios. VM_NSC/VM_NSS must exist; IPT (iptables or ip6tables) drops
# TCP to port 8080 in the server namespace, curl from the client, pwru must show the
# client->server:8080 tuple on the netfilter drop.
vm_drop_scenario() {
	VM_IPT=$1
	client=$2
	server=$3
	pcap=$4
	shift 4
	vm_iptables "$VM_NSS" -A INPUT -p tcp --dport 8080 -j DROP
	vm_route_check "$VM_NSC" "$server" "$VM_DEVC"
	vm_pwru_start "$@" "$pcap"
	vm_curl "$VM_NSC" "$server" 8080 "$VM_DEVC" && vm_fail "curl to $server:8080 succeeded: the DROP rule did not work"
	sleep 0.5
	vm_pwru_stop
	dropped=$(vm_dropped_count "$VM_NSS")
	[ "$dropped" -ge 1 ] || vm_fail "the DROP rule in $VM_NSS matched no packet (curl: $(tail -n 1 "$VM_TMP/curl.out"))"
	vm_expect_header
	case $server in
	*:*) src="\\[$(vm_re "$client")\\]" dst="\\[$(vm_re "$server")\\]" ;;
	*) src=$(vm_re "$client") dst=$(vm_re "$server") ;;
	esac
	vm_expect "$src:[0-9]+->$dst:8080\\(tcp.*$(vm_drop_func)"
	# The filter names the destination: nothing from the server may show up.
	vm_expect_none "$dst:8080->"
}
