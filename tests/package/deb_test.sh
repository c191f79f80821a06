#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deb_test.sh SOURCE_DIR PACKAGE_BUILD_DIR
#
# The Debian packages, end to end (root; CTest label "package"):
#   1. configure PACKAGE_BUILD_DIR for prefix /usr (kept between runs, so a
#      second run only rebuilds what changed), build it, cpack -G DEB;
#   2. check the three .debs: names, versions, Depends, which file is where;
#   3. dpkg -i them, then use only what they installed: --version,
#      --list-plugins (8 plugins under /usr/lib/<multiarch>/pwru/plugins),
#      --list-presets, man -w pwru and the page rendering without warnings,
#      the bash completion, the SDK building sdk/examples/hit-counter from
#      /usr/share/doc/libpwru-sdk-dev/examples, and a short trace with the
#      tracepoint backend of TCP connections to a closed port on 127.0.0.1
#      (text, pcapng read back by tshark and libpcap, the hit-counter sink);
#   4. dpkg -r, check that no file of theirs is left, dpkg -P.
# An EXIT trap purges the packages on failure too. Exit 77 (skipped) when
# not root, or when a pwru that this test did not install is in /usr:
# the test never touches someone's real installation.
#
# Network safety: traffic goes to 127.0.0.1 only, on a port nothing listens on.
set -euo pipefail

src=$1 build=$2
NAME=package.deb
PACKAGES=(pwru pwru-plugins-pcapng libpwru-sdk-dev)
PLUGINS_EXPECTED="filter:ifname filter:mark filter:netns filter:pcap selector:skb-funcs sink:json sink:pcapng sink:text"
PRESETS_EXPECTED="drops http-drop pcapng-capture trace"
# Set while the packages are installed by this run: the file records our pid.
MARKER_DIR=/var/lib/pwru-package-test
MARKER=$MARKER_DIR/installed
t0=$SECONDS

log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
fail() {
	printf '[%s] FAIL: %s\n' "$NAME" "$*" >&2
	exit 1
}
skip() {
	printf '[%s] SKIP: %s\n' "$NAME" "$*" >&2
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i, BPF)"
for t in cmake cpack ninja dpkg dpkg-deb dpkg-query dpkg-architecture man groff tshark ss g++ nm timeout; do
	command -v "$t" >/dev/null 2>&1 || fail "missing tool $t (run scripts/install-deps.sh)"
done
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
plugin_dir=/usr/lib/$ma/pwru/plugins
# Everything the packages own that is theirs alone (directories included).
OWN_PATHS=(/usr/sbin/pwru /usr/lib/"$ma"/pwru /usr/share/pwru /usr/include/pwru /usr/lib/"$ma"/cmake/pwru-sdk
	/usr/share/man/man8/pwru.8.gz /usr/share/bash-completion/completions/pwru /usr/share/doc/pwru
	/usr/share/doc/pwru-plugins-pcapng /usr/share/doc/libpwru-sdk-dev)

# present_packages: which of PACKAGES dpkg knows in any state but "not installed".
present_packages() {
	dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$2 != "un" && $2 != "pn" {print $1}' || true
}

purge_ours() {
	local present
	present=$(present_packages)
	if [ -n "$present" ]; then
		# shellcheck disable=SC2086
		dpkg -P $present >/dev/null 2>&1 || log "dpkg -P $present failed"
	fi
	rm -f -- "$MARKER"
	rmdir -- "$MARKER_DIR" 2>/dev/null || true
}

# ---- never touch an installation that is not ours -------------------------------------
present=$(present_packages)
if [ -n "$present" ]; then
	if [ -f "$MARKER" ]; then
		pid=$(cat "$MARKER")
		if [ -d "/proc/$pid" ] && [ "$pid" != $$ ]; then
			skip "another package test (pid $pid) has the packages installed right now"
		fi
		log "removing packages left by an earlier run of this test (pid $pid): $present"
		purge_ours
	else
		skip "package(s) $(echo "$present" | paste -sd' ') installed, not by this test; leaving them alone"
	fi
fi
for p in "${OWN_PATHS[@]}"; do
	[ ! -e "$p" ] || skip "$p exists (a pwru installed without dpkg?); leaving it alone"
done

tmp=$(mktemp -d /tmp/pwru-package.XXXXXX)
pwru_pid=""
cleanup() {
	local status=$?
	set +e
	trap - EXIT INT TERM
	if [ -n "$pwru_pid" ]; then
		kill -INT "$pwru_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pwru_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pwru_pid" 2>/dev/null
		wait "$pwru_pid" 2>/dev/null
	fi
	if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = $$ ]; then
		purge_ours
		[ -z "$(present_packages)" ] || { log "cleanup: packages still installed"; status=1; }
	fi
	if [ "$status" != 0 ] && [ "$status" != 77 ]; then
		for f in "$tmp"/*.log "$tmp"/*.txt "$tmp"/*.err; do
			[ -s "$f" ] || continue
			printf -- '----- %s (last 40 lines) -----\n' "${f##*/}" >&2
			tail -n 40 "$f" >&2
		done
	fi
	rm -rf -- "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. build the packages ------------------------------------------------------------------
log "building $build (prefix /usr)"
tb=$SECONDS
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DPWRU_BUILD_TESTS=OFF -DPWRU_BUILD_BENCHMARKS=OFF >"$tmp/configure.log" 2>&1 ||
	fail "configuring $build failed"
cmake --build "$build" -j 2 >"$tmp/build.log" 2>&1 || fail "building $build failed"
rm -f -- "$build"/*.deb
(cd "$build" && cpack -G DEB) >"$tmp/cpack.log" 2>&1 || fail "cpack -G DEB failed"
log "packages built in $((SECONDS - tb))s"

# ---- 2. what is in them ---------------------------------------------------------------------
version=$(sed -n 's/^project(pwru VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in $src/CMakeLists.txt"
debs=()
for p in "${PACKAGES[@]}"; do
	f=$build/${p}_${version}-1_${arch}.deb
	[ -f "$f" ] || fail "cpack made no $f ($(cd "$build" && ls -- *.deb 2>/dev/null | paste -sd' '))"
	debs+=("$f")
	[ "$(dpkg-deb -f "$f" Package)" = "$p" ] || fail "$f: Package is not $p"
	[ "$(dpkg-deb -f "$f" Version)" = "$version-1" ] || fail "$f: Version is not $version-1"
	[ "$(dpkg-deb -f "$f" Architecture)" = "$arch" ] || fail "$f: Architecture is not $arch"
	dpkg-deb -c "$f" | awk '{print $1, $2, $6}' >"$tmp/$p.contents"
	# root-owned, nothing writable by group or others (pwru's plugin trust rule)
	bad=$(awk '$2 != "root/root" || substr($1, 6, 1) == "w" || substr($1, 9, 1) == "w"' "$tmp/$p.contents")
	[ -z "$bad" ] || fail "$f has files not owned by root or writable by group/others: $bad"
done
[ "$(ls -- "$build"/*.deb | wc -l)" = 3 ] || fail "cpack made more than the three packages"
has() { grep -qE " \./$2\$" "$tmp/$1.contents" || fail "package $1 lacks /$2"; }
lacks() { ! grep -qE " \./$2\$" "$tmp/$1.contents" || fail "package $1 has /$2"; }
has pwru usr/sbin/pwru
for p in filter-ifname filter-mark filter-netns filter-pcap selector-skb-funcs sink-json sink-text; do
	has pwru "usr/lib/$ma/pwru/plugins/pwru-$p.so"
done
lacks pwru "usr/lib/$ma/pwru/plugins/pwru-sink-pcapng.so"
for f in drops http-drop pcapng-capture trace; do has pwru "usr/share/pwru/configs/$f.toml"; done
has pwru usr/share/man/man8/pwru.8.gz
has pwru usr/share/bash-completion/completions/pwru
has pwru usr/share/doc/pwru/README.md
has pwru usr/share/doc/pwru/copyright
has pwru-plugins-pcapng "usr/lib/$ma/pwru/plugins/pwru-sink-pcapng.so"
[ "$(grep -c '\.so$' "$tmp/pwru-plugins-pcapng.contents")" = 1 ] || fail "pwru-plugins-pcapng has other libraries"
has pwru-plugins-pcapng usr/share/doc/pwru-plugins-pcapng/copyright
has libpwru-sdk-dev usr/include/pwru/plugin.h
has libpwru-sdk-dev usr/include/pwru/sdk.hpp
has libpwru-sdk-dev "usr/lib/$ma/cmake/pwru-sdk/pwru-sdkConfig.cmake"
has libpwru-sdk-dev "usr/lib/$ma/cmake/pwru-sdk/PwruSdkPlugin.cmake"
has libpwru-sdk-dev usr/share/doc/libpwru-sdk-dev/examples/hit-counter/CMakeLists.txt
has libpwru-sdk-dev usr/share/doc/libpwru-sdk-dev/examples/hit-counter/hit_counter.cpp
has libpwru-sdk-dev usr/share/doc/libpwru-sdk-dev/copyright
deps=$(dpkg-deb -f "${debs[0]}" Depends)
for lib in libbpf1 libpcap0.8 libc6; do
	[[ ", $deps" == *", $lib "* || ", $deps," == *", $lib,"* ]] || fail "pwru does not depend on $lib: $deps"
done
[[ "$(dpkg-deb -f "${debs[1]}" Depends)" == "pwru (= $version-1)"* ]] ||
	fail "pwru-plugins-pcapng does not depend on pwru (= $version-1): $(dpkg-deb -f "${debs[1]}" Depends)"
[[ "$(dpkg-deb -f "${debs[2]}" Depends)" == *libtomlplusplus-dev* ]] ||
	fail "libpwru-sdk-dev does not depend on libtomlplusplus-dev"
log "ok: three packages, $version-1 $arch, files and dependencies as expected"

# ---- 3. installed -----------------------------------------------------------------------------
mkdir -p "$MARKER_DIR"
echo $$ >"$MARKER"
dpkg -i "${debs[@]}" >"$tmp/dpkg-install.log" 2>&1 || fail "dpkg -i failed"
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")" = "ii " ] || fail "$p is not installed after dpkg -i"
	dpkg -L "$p" >>"$tmp/owned.list"
done
log "ok: dpkg -i ${PACKAGES[*]}"

# From here on only the installed files: a clean environment, away from the source tree.
cd "$tmp"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PWRU_PLUGIN_PATH
pwru=$(command -v pwru) || fail "pwru is not on PATH after installing"
[ "$pwru" = /usr/sbin/pwru ] || fail "pwru on PATH is $pwru, not /usr/sbin/pwru"

[ "$(pwru --version)" = "pwru $version" ] || fail "pwru --version says '$(pwru --version)'"
log "ok: $(pwru --version)"

pwru --list-plugins >"$tmp/list-plugins.txt" 2>&1 || fail "pwru --list-plugins failed"
! grep -q '^error:' "$tmp/list-plugins.txt" || fail "--list-plugins reports unusable plugins"
listed=$(awk 'NR > 1 && NF == 5 {print $2 ":" $1}' "$tmp/list-plugins.txt" | sort | paste -sd' ')
[ "$listed" = "$PLUGINS_EXPECTED" ] || fail "--list-plugins lists '$listed', expected '$PLUGINS_EXPECTED'"
outside=$(awk -v d="$plugin_dir" 'NR > 1 && NF == 5 && index($5, d "/pwru-") != 1' "$tmp/list-plugins.txt")
[ -z "$outside" ] || fail "plugins listed outside $plugin_dir: $outside"
log "ok: --list-plugins lists the 8 plugins in $plugin_dir"

pwru --list-presets >"$tmp/list-presets.txt" 2>&1 || fail "pwru --list-presets failed"
presets=$(awk 'NR > 1 && NF == 2 && index($2, "/usr/share/pwru/configs/") == 1 {print $1}' "$tmp/list-presets.txt" |
	sort | paste -sd' ')
[ "$presets" = "$PRESETS_EXPECTED" ] || fail "--list-presets lists '$presets' in /usr/share/pwru/configs"
pwru --config drops --print-config >/dev/null || fail "--config drops does not read the installed preset"
log "ok: presets $presets"

manfile=$(man -w pwru 2>&1) || fail "man -w pwru: $manfile"
[ "$manfile" = /usr/share/man/man8/pwru.8.gz ] || fail "man -w pwru finds $manfile"
MANWIDTH=100 man --warnings -l "$manfile" >"$tmp/man.txt" 2>"$tmp/man.err" || fail "man -l $manfile failed"
[ ! -s "$tmp/man.err" ] || fail "man -l $manfile warns: $(head -n 3 "$tmp/man.err")"
grep -q -- "^       $plugin_dir" "$tmp/man.txt" || fail "the man page's FILES does not name $plugin_dir"
grep -q -- '--output-pcapng-linktype TYPE' "$tmp/man.txt" || fail "the man page lacks --output-pcapng-linktype"
log "ok: man -w pwru finds $manfile, which renders without warnings"

comp=/usr/share/bash-completion/completions/pwru
[ -f "$comp" ] || fail "no $comp"
# complete WORDS...: COMPREPLY for the last word, in bash with only the completion file.
complete_words() {
	bash --norc --noprofile -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _pwru; printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd" "' \
		_ "$comp" "$@"
}
got=$(complete_words pwru --config '')
for p in $PRESETS_EXPECTED; do [[ " $got " == *" $p "* ]] || fail "completing 'pwru --config ' gives '$got', no $p"; done
got=$(complete_words pwru --sink '')
[ "$got" = "json pcapng text" ] || fail "completing 'pwru --sink ' gives '$got'"
got=$(complete_words pwru --backend '')
[ "$got" = "auto kprobe kprobe-multi tracepoint" ] || fail "completing 'pwru --backend ' gives '$got'"
log "ok: the installed completion completes presets, sinks and backends"

# The SDK: the example from the package, built out of tree against /usr only.
cp -r /usr/share/doc/libpwru-sdk-dev/examples/hit-counter "$tmp/hc-src"
cmake -S "$tmp/hc-src" -B "$tmp/hc" -G Ninja >"$tmp/hc-configure.log" 2>&1 || fail "configuring hit-counter failed"
grep -q "/usr/lib/$ma/cmake/pwru-sdk" "$tmp/hc/CMakeCache.txt" || fail "hit-counter did not find /usr/lib/$ma/cmake/pwru-sdk"
cmake --build "$tmp/hc" >"$tmp/hc-build.log" 2>&1 || fail "building hit-counter failed"
[ -f "$tmp/hc/pwru-sink-hit-counter.so" ] || fail "the hit-counter build made no pwru-sink-hit-counter.so"
PWRU_PLUGIN_PATH=$tmp/hc pwru --list-plugins | awk '$1 == "hit-counter" && $2 == "sink"' | grep -q . ||
	fail "pwru does not list the hit-counter plugin built against the installed SDK"
log "ok: hit-counter built against the installed SDK and listed by pwru"

# A real trace: TCP connections to a closed port on 127.0.0.1, tracepoint backend.
port=""
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 40000))
	[ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ] && { port=$p; break; }
done
[ -n "$port" ] || fail "no free TCP port found on 127.0.0.1"
limit=12
log "tracing 'host 127.0.0.1 and tcp port $port' (tracepoint backend, $limit events)"
PWRU_PLUGIN_PATH=$tmp/hc env --default-signal=INT,QUIT pwru --backend tracepoint --output-limit-lines "$limit" \
	--ready-file "$tmp/ready" --output-file "$tmp/trace.txt" \
	--output-pcapng "$tmp/trace.pcapng" --output-pcapng-linktype ethernet --sink "hit-counter:$tmp/hits.txt" \
	"host 127.0.0.1 and tcp port $port" >"$tmp/pwru.out.txt" 2>"$tmp/pwru.err" </dev/null &
pwru_pid=$!
for _ in $(seq 300); do
	[ -e "$tmp/ready" ] && break
	kill -0 "$pwru_pid" 2>/dev/null || fail "pwru exited before it was ready"
	sleep 0.1
done
[ -e "$tmp/ready" ] || fail "pwru not ready after 30 s"
for _ in $(seq 40); do
	kill -0 "$pwru_pid" 2>/dev/null || break
	# Refused (nothing listens): a SYN and a RST on lo.
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && fail "something listens on 127.0.0.1:$port"
	sleep 0.2
done
rc=0
for _ in $(seq 100); do kill -0 "$pwru_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pwru_pid" 2>/dev/null && fail "pwru did not stop after $limit events"
wait "$pwru_pid" || rc=$?
pwru_pid=""
[ "$rc" = 0 ] || fail "pwru exited with status $rc"
head -n 1 "$tmp/trace.txt" | grep -q '^SKB  *CPU PROCESS' || fail "the text output has no header"
events=$(grep -c '^0x' "$tmp/trace.txt" || true)
[ "$events" = "$limit" ] || fail "$events event lines in the text output, expected $limit"
grep -qE "127\.0\.0\.1:[0-9]+->127\.0\.0\.1:$port\(tcp\)" "$tmp/trace.txt" || fail "no line with the SYN's tuple"
bad=$(grep '^0x' "$tmp/trace.txt" | grep -vE "127\.0\.0\.1:$port|:$port\(tcp\)" || true)
[ -z "$bad" ] || fail "event lines of other traffic: $bad"
log "ok: $events events of 127.0.0.1:$port in the text output"

packets=$(tshark -r "$tmp/trace.pcapng" 2>"$tmp/tshark.err" | wc -l)
[ "$packets" = "$limit" ] || fail "tshark reads $packets packets from the pcapng file, expected $limit"
on_port=$(tshark -r "$tmp/trace.pcapng" -Y "tcp.port == $port" 2>/dev/null | wc -l)
[ "$on_port" = "$limit" ] || fail "only $on_port of $packets packets are tcp port $port"
if [ -n "${PWRU_PCAP_COUNT:-}" ]; then
	n=$("$PWRU_PCAP_COUNT" "$tmp/trace.pcapng") || fail "libpcap cannot read the pcapng file"
	# "datalink=<DLT> snaplen=<n> packets=<n>"; DLT 1 = Ethernet (--output-pcapng-linktype ethernet)
	[ "$n" = "datalink=1 snaplen=256 packets=$limit" ] || fail "libpcap reads '$n', expected $limit Ethernet packets"
fi
log "ok: tshark${PWRU_PCAP_COUNT:+ and libpcap} read the $limit packets (tcp port $port)"

head -n 1 "$tmp/hits.txt" | grep -qE '^ *HITS +KIND +PROBE$' || fail "hit-counter wrote no table"
sum=$(awk 'NR > 1 {s += $1} END {print s + 0}' "$tmp/hits.txt")
[ "$sum" = "$limit" ] || fail "hit-counter counted $sum events, expected $limit"
log "ok: the hit-counter sink counted the $limit events"

# ---- 4. removed -----------------------------------------------------------------------------
cd /
dpkg -r "${PACKAGES[@]}" >"$tmp/dpkg-remove.log" 2>&1 || fail "dpkg -r failed"
left=""
while read -r f; do
	if [ -f "$f" ] || [ -L "$f" ]; then left+=" $f"; fi
done <"$tmp/owned.list"
for p in "${OWN_PATHS[@]}"; do [ ! -e "$p" ] || left+=" $p"; done
[ -z "$left" ] || fail "left after dpkg -r:$left"
dpkg -P "${PACKAGES[@]}" >"$tmp/dpkg-purge.log" 2>&1 || fail "dpkg -P failed"
[ -z "$(present_packages)" ] || fail "dpkg still knows $(present_packages | paste -sd' ') after dpkg -P"
rm -f -- "$MARKER"
rmdir -- "$MARKER_DIR" 2>/dev/null || true
log "ok: dpkg -r/-P removed every file"
log "PASS in $((SECONDS - t0))s"
