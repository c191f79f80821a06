#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# config_demo: the demo (scripts/demo.sh: a TCP SYN dropped by iptables) traced through
# `--config http-drop` gives the same lines as the equivalent flags; a config file's
# [[sink]] table runs a second sink with its own settings.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rt_init config_demo
# The second pwru (B) of a pair is stopped by the exit trap too, before lib.sh's cleanup.
PID_B=""
trap 'st=$?; [ -z "$PID_B" ] || { kill -INT "$PID_B" 2>/dev/null; wait "$PID_B" 2>/dev/null; }; (exit $st); rt_cleanup' EXIT

rt_topology
rt_iptables "$RT_NSS" -A INPUT -p tcp --dport 8080 -j DROP
rt_route_check "$RT_NSC" "$RT_SERVER4" "$RT_DEVC"
# The preset's filter is the demo's: it must name this test's server.
[ "$RT_SERVER4" = 198.51.100.10 ] || rt_fail "the http-drop preset expects the server at 198.51.100.10"

# pair NAME ARGS_A... -- ARGS_B...: two pwru at once, tracing the same connection attempt:
# A (started by rt_pwru_start) writes $RT_TMP/NAME.a, B (started here) $RT_TMP/NAME.b. Both see
# exactly the same events, so their lines can be compared exactly (a second run would see a
# different skb, pid and port, and sometimes an extra consume_skb).
pair() {
	local name=$1 a=() b=() pid_b rc=0
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	rm -f "$RT_TMP/b.ready"
	rt_log "starting B: $PWRU ${b[*]}"
	env --default-signal=INT,QUIT "$PWRU" --ready-file "$RT_TMP/b.ready" \
		--output-file "$RT_TMP/$name.b" "${b[@]}" >"$RT_TMP/pwru.b.stdout" 2>"$RT_TMP/pwru.b.stderr" </dev/null &
	pid_b=$!
	PID_B=$pid_b
	local deadline=$((SECONDS + RT_READY_TIMEOUT))
	while [ ! -e "$RT_TMP/b.ready" ]; do
		kill -0 "$pid_b" 2>/dev/null || { cat "$RT_TMP/pwru.b.stderr" >&2; rt_fail "pwru B exited before it was ready"; }
		[ "$SECONDS" -lt "$deadline" ] || rt_fail "pwru B not ready after ${RT_READY_TIMEOUT}s"
		sleep 0.1
	done
	rt_pwru_start "${a[@]}"
	rt_curl "$RT_NSC" "$RT_SERVER4" 8080
	sleep 1
	rt_pwru_stop INT
	kill -INT "$pid_b" 2>/dev/null || true
	wait "$pid_b" || rc=$?
	PID_B=""
	[ "$rc" = 0 ] || { cat "$RT_TMP/pwru.b.stderr" >&2; rt_fail "pwru B exited with status $rc"; }
	cp "$RT_PWRU_OUT" "$RT_TMP/$name.a"
	rt_assert_match 'kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)' "$RT_TMP/$name.a"
	rt_assert_match '198\.51\.100\.1:[0-9]+->198\.51\.100\.10:8080\(tcp:SYN\)' "$RT_TMP/$name.a"
	if ! diff "$RT_TMP/$name.a" "$RT_TMP/$name.b" >"$RT_TMP/diff.out"; then
		sed 's/^/  | /' "$RT_TMP/diff.out" >&2
		rt_fail "$name: pwru ${a[*]} and pwru ${b[*]} traced different lines"
	fi
	rt_log "ok: pwru ${b[*]} printed the same $(rt_event_count "$RT_TMP/$name.a") lines as pwru ${a[*]}"
}

# The preset: the demo's filter. A flag adds to it (the command line overrides the file).
pair preset --output-tcp-flags "dst host $RT_SERVER4 and tcp port 8080" -- --config http-drop --output-tcp-flags
rt_assert_dropped "$RT_NSS"

# A config file with its own filter, an output setting and a [[sink]] table whose own key
# overrides that setting for the JSON sink.
cat >"$RT_TMP/demo.toml" <<TOML
version = 1
[packet]
pcap = "dst host $RT_SERVER4 and tcp port 8080"
[output]
tcp-flags = true
[[sink]]
plugin = "json"
file = "$RT_TMP/sink.json"
output-tcp-flags = false
TOML
pair file --output-tcp-flags "dst host $RT_SERVER4 and tcp port 8080" -- --config "$RT_TMP/demo.toml"
# The JSON sink: the same events as the text, with its own setting (no TCP flags).
jq -e -s 'length > 0 and all(.[]; .tuple.flags == null)' "$RT_TMP/sink.json" >/dev/null ||
	rt_fail "the [[sink]] json output has TCP flags or no events: $(head -c 600 "$RT_TMP/sink.json")"
text_events=$(rt_event_count "$RT_TMP/file.b")
json_events=$(grep -c '' "$RT_TMP/sink.json")
[ "$text_events" = "$json_events" ] || rt_fail "text has $text_events events, the [[sink]] json $json_events"
rt_assert_match '"func":"kfree_skb\(SKB_DROP_REASON_NETFILTER_DROP\)"' "$RT_TMP/sink.json"
rt_log "ok: the [[sink]] table wrote $json_events JSON events without TCP flags"
rt_log PASS
