#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2034  # RT_* variables are read by tests/runtime/lib.sh
# pwru demo: watch a TCP SYN get dropped by an iptables rule.
#
#   sudo scripts/demo.sh [extra pwru flags...]     e.g. scripts/demo.sh --output-tcp-flags
#   sudo PWRU=/path/to/pwru scripts/demo.sh        use that binary instead of building one
#
# It installs missing packages, builds pwru, then sets up
#   host  pwdemo<pid> 198.51.100.1/24  <-- veth -->  198.51.100.10/24 veth0  namespace pwru-demo-<pid>
# with an iptables rule inside the namespace that drops TCP to port 8080, traces
# `dst host 198.51.100.10 and tcp port 8080` while curl tries to connect, and shows where
# the kernel dropped the packet. Everything it creates is removed on exit, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: needs root (it creates a network namespace and loads BPF programs)" >&2
	exit 1
fi

./scripts/install-deps.sh
if [ -z "${PWRU:-}" ]; then
	./scripts/build.sh
	PWRU="$repo/build/pwru"
fi

RT_NAME=demo
# shellcheck source=tests/runtime/lib.sh
source "$repo/tests/runtime/lib.sh"
RT_READY_TIMEOUT=60
RT_TMP=$(mktemp -d /tmp/pwru-demo.XXXXXX)
rt_install_trap
rt_sweep_stale pwru-demo

NS="pwru-demo-$$"
HOSTDEV="pwdemo$$"
SERVER=198.51.100.10
FILTER="dst host $SERVER and tcp port 8080"

echo
echo "==> namespace $NS, veth $HOSTDEV (198.51.100.1) <-> veth0 (198.51.100.10)"
rt_netns_add "$NS"
RT_LINKS+=("$HOSTDEV")
ip link add "$HOSTDEV" type veth peer name veth0 netns "$NS"
ip addr add 198.51.100.1/24 dev "$HOSTDEV"
ip link set "$HOSTDEV" up
ip -n "$NS" addr add "$SERVER/24" dev veth0
ip -n "$NS" link set veth0 up

echo "==> inside $NS: iptables -A INPUT -p tcp --dport 8080 -j DROP"
rt_iptables "$NS" -A INPUT -p tcp --dport 8080 -j DROP

# The SYN goes out of the host namespace, so check the host's route to the target.
rt_route_check "" "$SERVER" "$HOSTDEV"
echo "==> route: $(ip -o route get "$SERVER" | sed 's/\\.*//')"

echo "==> starting: pwru ${*:+$* }'$FILTER'"
rt_pwru_start "$@" "$FILTER"

echo "==> curl --connect-timeout 1 http://$SERVER:8080 (the SYN will be dropped)"
curl -sS --connect-timeout 1 "http://$SERVER:8080" -o /dev/null || true
sleep 1

echo "==> stopping pwru (SIGINT)"
rt_pwru_stop INT 30

echo
echo "==> trace ($RT_PWRU_OUT):"
cat "$RT_PWRU_OUT"
echo
drop=$(grep -n 'SKB_DROP_REASON_NETFILTER_DROP' "$RT_PWRU_OUT" | head -n 1 || true)
if [ -z "$drop" ]; then
	echo "demo.sh: no line with SKB_DROP_REASON_NETFILTER_DROP in the trace" >&2
	exit 1
fi
echo "==> the drop, line ${drop%%:*} of the trace:"
echo "    ${drop#*:}"
echo "    The kernel freed the SYN with reason SKB_DROP_REASON_NETFILTER_DROP: the iptables"
echo "    DROP rule in $NS threw it away."
