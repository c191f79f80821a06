#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The VM stage: pwru's scenarios on real Debian kernels under qemu (TCG), where kprobes,
# kprobe-multi and raw tracepoints can be attached (this host's kernel cannot do kprobes).
#
#   tests/vm/run.sh BUILD_DIR [--kernel 6.1|6.12]... [--scenario NAME]... [--keep] [--verbose]
#
# 1. installs what it needs (apt-get, only what is missing)
# 2. fetches two kernel packages with apt-get download into tests/vm/.cache/ (re-used):
#    6.1  = the Depends of linux-image-cloud-amd64 (bookworm; kprobes, no fprobe)
#    6.12 = the highest linux-image-6.12.*+deb12-cloud-amd64-unsigned (bookworm-security;
#           kprobes, fprobe = kprobe-multi, raw tracepoint cookies)
#    A kernel that cannot be fetched FAILS the stage.
# 3. builds an initramfs per kernel: busybox, guest/init, BUILD_DIR/pwru + plugins + every
#    library they load, Debian's ip, iptables (nft and legacy), curl and jq, the kernel modules
#    the scenarios need (veth, nf_tables, x_tables, NAT, TEE...), guest/*, scenarios/*, expect.txt
# 4. boots each kernel once (qemu -nic none: the guest has NO network card) and runs every
#    row of expect.txt for it; results come back on a second serial port as
#      VMRESULT <kernel> <scenario> <backend> PASS|FAIL|PENDING|XFAIL <detail> [<seconds>s]
#
# Exit status 0 when every row that must pass passed (PENDING and XFAIL rows never fail
# the stage), 1 otherwise (a FAIL, a missing result, a crashed or hung guest, a kernel that
# could not be fetched). --keep keeps the work directory (initramfs, console logs);
# --verbose prints the log of a failed row as it arrives.
#
# Environment: PWRU_VM_CACHE (default tests/vm/.cache), PWRU_VM_EXPECT (another
# expectations table, for experiments), PWRU_VM_BOOT_TIMEOUT (seconds per
# boot, default 900), PWRU_VM_JOBS (kernels booted at once, default 2 on >= 2 cores),
# PWRU_VM_SCENARIO_TIMEOUT (seconds per row inside the guest, default 300),
# PWRU_VM_BENCH_PINGS (tests/vm/bench.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
t_start=$(date +%s.%N)

usage() {
	sed -n '3,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build_dir=""
kernels=()
scenarios=()
keep=0
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernels+=("${2:?--kernel needs 6.1 or 6.12}"); shift 2 ;;
	--kernel=*) kernels+=("${1#*=}"); shift ;;
	--scenario) scenarios+=("${2:?--scenario needs a name}"); shift 2 ;;
	--scenario=*) scenarios+=("${1#*=}"); shift ;;
	--keep) keep=1; shift ;;
	--verbose | -v) verbose=1; shift ;;
	-h | --help) usage ;;
	-*) echo "vm: unknown option $1" >&2; usage ;;
	*) [ -z "$build_dir" ] || usage; build_dir=$1; shift ;;
	esac
done
[ -n "$build_dir" ] || usage
build_dir=$(cd "$build_dir" 2>/dev/null && pwd) || { echo "vm: FAIL: no build directory $build_dir" >&2; exit 1; }
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12)
for k in "${kernels[@]}"; do
	case $k in 6.1 | 6.12) ;; *) echo "vm: --kernel must be 6.1 or 6.12, not '$k'" >&2; exit 2 ;; esac
done
for s in "${scenarios[@]}"; do
	[ -f "$here/scenarios/$s.sh" ] || { echo "vm: no scenario '$s' (have: $(find "$here/scenarios" -name '*.sh' -printf '%f\n' | sed 's/\.sh$//' | sort | tr '\n' ' '))" >&2; exit 2; }
done

cache=${PWRU_VM_CACHE:-$here/.cache}
expect_file=${PWRU_VM_EXPECT:-$here/expect.txt}  # another table, for experiments
boot_timeout=${PWRU_VM_BOOT_TIMEOUT:-900}
scenario_timeout=${PWRU_VM_SCENARIO_TIMEOUT:-300}
if [ -n "${PWRU_VM_JOBS:-}" ]; then njobs=$PWRU_VM_JOBS
elif [ "$(nproc)" -ge 2 ]; then njobs=2
else njobs=1; fi

log() { printf 'vm: %s\n' "$*"; }
die() {
	printf 'vm: FAIL: %s\n' "$*" >&2
	echo "vm: summary: 0 passed, 1 failed (the VM stage could not run)" >&2
	exit 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN {printf "%.1f", b - a}'; }

work=$(mktemp -d /tmp/pwru-vm.XXXXXX)
cleanup() {
	local f
	# The qemu runs this script started (each under timeout, which passes SIGTERM on).
	for f in "$work"/*.qpid; do
		if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
	done
	# The boot jobs and result streams end once their qemu is gone.
	wait 2>/dev/null || true
	if [ "$keep" = 1 ]; then
		log "work directory kept: $work"
	else
		rm -rf -- "$work" || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# 1. Host packages

host_packages=(qemu-system-x86 busybox-static kmod xz-utils lz4 zstd cpio iproute2 iptables curl jq)
t0=$(now)
missing=()
have=" $(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${host_packages[@]}" 2>/dev/null | awk '$2 == "ii" {printf "%s ", $1}')"
for p in "${host_packages[@]}"; do
	[[ $have == *" $p "* ]] || missing+=("$p")
done
apt_updated=0
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages ${missing[*]} (run as root, or apt-get install them)"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$work/apt.log" 2>&1; then
		apt-get update -q >>"$work/apt.log" 2>&1 || true
		apt_updated=1
		apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$work/apt.log" 2>&1 ||
			{ tail -n 20 "$work/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
	fi
fi
for c in qemu-system-x86_64 dpkg-deb modprobe depmod xz cpio; do
	command -v "$c" >/dev/null || die "$c not found after installing packages"
done
[ -x /bin/busybox ] || die "/bin/busybox (busybox-static) not found"
t_deps=$(secs "$t0")

# ---------------------------------------------------------------------------------------
# 2. Kernels: resolve the package names, download (cached), unpack (cached).

# resolve KERNEL: the package name for the kernel label, from apt's lists.
resolve() {
	local dep
	case $1 in
	6.1)
		dep=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.[0-9]/ && !found {print $2; found = 1}')
		[ -n "$dep" ] || return 0
		# Prefer the unsigned image (same kernel and modules, no signature).
		# (No "| grep -q" here: with pipefail, apt-cache's SIGPIPE would make it fail.)
		if [[ $(apt-cache show --no-all-versions "$dep-unsigned" 2>/dev/null) == *Package:* ]]; then
			echo "$dep-unsigned"
		else
			echo "$dep"
		fi
		;;
	6.12)
		apt-cache pkgnames linux-image-6.12. 2>/dev/null |
			grep -E '^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' | sort -V | tail -n 1
		;;
	esac
}

# cached_pkg KERNEL: the newest package of that series already in the cache (offline use).
cached_pkg() {
	local pat
	case $1 in
	6.1) pat='^linux-image-6\.1\.[0-9.-]+-cloud-amd64(-unsigned)?_' ;;
	6.12) pat='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned_' ;;
	esac
	find "$cache/debs" -maxdepth 1 -name '*.deb' -printf '%f\n' 2>/dev/null | grep -E "$pat" |
		sort -V | tail -n 1 | sed 's/_.*//'
}

declare -A kpkg kdir krel
fetch_kernel() {
	local k=$1 pkg deb tmp
	pkg=$(resolve "$k")
	if [ -z "$pkg" ] && [ "$apt_updated" = 0 ]; then
		log "no $k kernel package in apt's lists: apt-get update"
		if [ "$(id -u)" = 0 ]; then apt-get update -q >"$work/apt-update.log" 2>&1 || true; fi
		apt_updated=1
		pkg=$(resolve "$k")
	fi
	if [ -z "$pkg" ]; then
		pkg=$(cached_pkg "$k")
		[ -n "$pkg" ] || die "cannot find Debian's $k cloud kernel package (apt-cache found none, none cached in $cache/debs)"
		log "apt does not know a $k kernel package; using the cached $pkg"
	fi
	mkdir -p "$cache/debs" "$cache/kernels"
	deb=$(find "$cache/debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
		chmod 755 "$tmp"  # apt's _apt user writes here when it can
		if ! (cd "$tmp" && apt-get download -q "$pkg") >"$work/download-$k.log" 2>&1; then
			sed 's/^/  | /' "$work/download-$k.log" >&2
			rm -rf -- "$tmp"
			die "apt-get download $pkg failed: the $k kernel cannot be fetched"
		fi
		mv "$tmp"/*.deb "$cache/debs/"
		rm -rf -- "$tmp"
		deb=$(find "$cache/debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
		[ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
		# Older kernels of the same series are of no further use.
		find "$cache/debs" -maxdepth 1 -name '*.deb' ! -name "${pkg}_*" -printf '%f\n' |
			while read -r old; do
				case $k:$old in
				6.1:linux-image-6.1.* | 6.12:linux-image-6.12.*) rm -f -- "$cache/debs/$old"; rm -rf -- "$cache/kernels/${old%%_*}" ;;
				esac
			done
	fi
	local d="$cache/kernels/$pkg"
	if [ ! -f "$d/.unpacked" ]; then
		log "unpacking ${deb##*/}"
		rm -rf -- "$d"
		mkdir -p "$d"
		dpkg-deb -x "$deb" "$d" || die "dpkg-deb -x $deb failed"
		local r=""
		[ -d "$d/lib/modules" ] && r=$(find "$d/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n')
		{ [ -n "$r" ] && [ -f "$d/boot/vmlinuz-$r" ]; } || die "$deb has no boot/vmlinuz-* and lib/modules/* (or several)"
		depmod -b "$d" "$r" || die "depmod on the unpacked $pkg failed"
		touch "$d/.unpacked"
	fi
	kpkg[$k]=$pkg
	kdir[$k]=$d
	krel[$k]=$(find "$d/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n')
}

t0=$(now)
for k in "${kernels[@]}"; do
	fetch_kernel "$k"
	log "kernel $k: ${kpkg[$k]} (${krel[$k]})"
done
t_fetch=$(secs "$t0")

# ---------------------------------------------------------------------------------------
# 3. Initramfs, as three cpio archives the kernel unpacks one after the other:
#    tools  busybox, Debian's ip, iptables (+ extensions), curl, jq and their libraries;
#           cached in $cache/tools-<package versions>.cpio (ldd is slow)
#    pwru   /init, BUILD_DIR/pwru, its plugins and their libraries, guest/*, scenarios/*,
#           expect.txt (built every run)
#    kernel the modules the scenarios need, decompressed, with modules.dep, and /vm/env
# The first archive makes the merged-/usr layout (bin -> usr/bin, ...); the later ones only
# add files under usr/, pwru/ and vm/.

t0=$(now)
[ -x "$build_dir/pwru" ] || die "no pwru binary in $build_dir (build it with scripts/build.sh)"
compgen -G "$build_dir/plugins/*.so" >/dev/null || die "no plugins in $build_dir/plugins"

# lib_dest ROOT PATH: where a host library goes in the merged-/usr guest tree.
lib_dest() {
	local p=${2#/}
	case $p in usr/*) ;; *) p="usr/$p" ;; esac
	printf '%s/%s\n' "$1" "$p"
}

# copy_libs ROOT FILE...: every library the FILEs load (one ldd run), and the loader.
copy_libs() {
	local r=$1 lib dest
	shift
	while read -r lib; do
		dest=$(lib_dest "$r" "$lib")
		[ -e "$dest" ] && continue
		mkdir -p "${dest%/*}"
		cp -L "$lib" "$dest"
	done < <(ldd "$@" 2>/dev/null | awk '$NF ~ /^\(0x/ {for (i = 1; i <= NF; i++) if ($i ~ /^\//) {print $i; break}}' | sort -u)
}

# mkcpio DIR OUT: a newc archive of DIR's contents.
mkcpio() {
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$2"
}

tools_key=$( { dpkg-query -W busybox-static iproute2 iptables curl jq libc6 2>/dev/null; echo layout-3; } | sha1sum | cut -c1-12)
tools_cpio="$cache/tools-$tools_key.cpio"
t_tools=cached
if [ ! -f "$tools_cpio" ]; then
	t1=$(now)
	tr="$work/tools"
	mkdir -p "$tr"/usr/{bin,sbin,lib/x86_64-linux-gnu,lib64} "$tr"/{proc,sys,dev,run,tmp,root,etc,var,vm,pwru}
	ln -s usr/bin "$tr/bin"
	ln -s usr/sbin "$tr/sbin"
	ln -s usr/lib "$tr/lib"
	ln -s usr/lib64 "$tr/lib64"
	ln -s ../run "$tr/var/run"
	cp /bin/busybox "$tr/usr/bin/busybox"
	cp /usr/sbin/ip "$tr/usr/sbin/ip"
	cp /usr/sbin/tc "$tr/usr/sbin/tc"
	cp /usr/bin/curl "$tr/usr/bin/curl"
	cp /usr/bin/jq "$tr/usr/bin/jq"
	for x in xtables-nft-multi xtables-legacy-multi; do
		[ -x "/usr/sbin/$x" ] || die "/usr/sbin/$x not found (package iptables)"
		cp "/usr/sbin/$x" "$tr/usr/sbin/$x"
	done
	for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
		ln -s xtables-nft-multi "$tr/usr/sbin/$t"
		ln -s xtables-nft-multi "$tr/usr/sbin/$t-nft"
		ln -s xtables-legacy-multi "$tr/usr/sbin/$t-legacy"
	done
	# iptables' match and target extensions are dlopen()ed: ldd of iptables cannot see them.
	xtdir=/usr/lib/x86_64-linux-gnu/xtables
	[ -d "$xtdir" ] || die "$xtdir not found (package iptables)"
	mkdir -p "$tr$xtdir"
	cp "$xtdir"/*.so "$tr$xtdir/"
	copy_libs "$tr" /usr/sbin/ip /usr/sbin/tc /usr/bin/curl /usr/bin/jq /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi "$xtdir"/*.so
	# busybox applets for everything not copied from Debian.
	while read -r applet; do
		case $applet in
		bin/* | usr/bin/*) dest="$tr/usr/bin/${applet##*/}" ;;
		sbin/* | usr/sbin/*) dest="$tr/usr/sbin/${applet##*/}" ;;
		*) continue ;;
		esac
		[ -e "$dest" ] || [ -L "$dest" ] || ln -s /usr/bin/busybox "$dest"
	done < <(/bin/busybox --list-full)
	cp /etc/protocols /etc/services "$tr/etc/" 2>/dev/null || true
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tr/etc/passwd"
	printf 'root:x:0:\n' >"$tr/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$tr/etc/hosts"
	printf 'hosts: files\n' >"$tr/etc/nsswitch.conf"
	mkdir -p "$cache"
	mkcpio "$tr" "$tools_cpio.tmp" || die "cpio of the tools failed"
	mv "$tools_cpio.tmp" "$tools_cpio"
	find "$cache" -maxdepth 1 -name 'tools-*.cpio' ! -name "${tools_cpio##*/}" -delete
	t_tools="$(secs "$t1")s"
fi

# pwru, its plugins, the tests.
pr="$work/pwru-root"
mkdir -p "$pr/pwru/plugins" "$pr/vm/scenarios" "$pr/usr/lib"
cp "$build_dir/pwru" "$pr/pwru/pwru"
cp "$build_dir"/plugins/*.so "$pr/pwru/plugins/"
if command -v strip >/dev/null; then
	strip --strip-debug "$pr/pwru/pwru" "$pr"/pwru/plugins/*.so 2>/dev/null || true
fi
copy_libs "$pr" "$build_dir/pwru" "$build_dir"/plugins/*.so
# Test-only plugins (tests/fixtures: the skb-len BPF C filter), for scenarios that set
# PWRU_PLUGIN_PATH=/pwru/test-plugins.
if compgen -G "$build_dir/tests/vm-plugins/*.so" >/dev/null; then
	mkdir -p "$pr/pwru/test-plugins"
	cp "$build_dir"/tests/vm-plugins/*.so "$pr/pwru/test-plugins/"
	chmod 755 "$pr/pwru/test-plugins"
	chmod go-w "$pr"/pwru/test-plugins/*.so
fi
# The tc and XDP programs (tests/vm/progs, built with BTF into build/tests/vm-progs) the
# filter-trace-tc-xdp scenario attaches.
if compgen -G "$build_dir/tests/vm-progs/*.bpf.o" >/dev/null; then
	mkdir -p "$pr/vm/progs"
	cp "$build_dir"/tests/vm-progs/*.bpf.o "$pr/vm/progs/"
fi
install -m 755 "$here/guest/init" "$pr/init"
cp "$here/guest/runner.sh" "$here/guest/lib.sh" "$pr/vm/"
cp "$expect_file" "$pr/vm/expect.txt"
cp "$here"/scenarios/*.sh "$pr/vm/scenarios/"
mkcpio "$pr" "$work/pwru.cpio" || die "cpio of pwru failed"

# The kernel modules the scenarios need, with their dependencies (in load order). The
# legacy iptables modules load only when iptables-nft does not work (guest/init).
# track-skb: DNAT (nat table: nft_chain_nat, xt_nat, nft_nat; conntrack comes as their
# dependency) and TEE (mangle table: xt_TEE, nf_dup_ipv4/6). filter-trace-tc-xdp: sch_ingress,
# cls_bpf. vxlan-tunnel: vxlan (udp_tunnel, ip6_udp_tunnel come as its dependencies).
modules_wanted=(veth nf_tables nft_compat x_tables xt_tcpudp sch_ingress cls_bpf nft_chain_nat nft_nat xt_nat xt_TEE
	vxlan)
modules_legacy=(ip_tables iptable_filter ip6_tables ip6table_filter iptable_nat iptable_mangle)

# add_modules KERNEL KROOT LIST MODULE...: copy (decompressed) MODULEs and their
# dependencies into KROOT; append their paths, in load order, to KROOT/vm/LIST.
add_modules() {
	local k=$1 kroot=$2 list=$3 d=${kdir[$1]} r=${krel[$1]} m deps kind path rel dest
	shift 3
	touch "$kroot/vm/$list"
	for m in "$@"; do
		deps=$(modprobe -d "$d" -S "$r" --show-depends "$m" 2>&1) || die "kernel $k has no module $m: $deps"
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue
			rel=${path#"$d/lib/modules/$r/"}
			rel=${rel%.xz}
			rel=${rel%.zst}
			grep -qxF "$rel" "$kroot"/vm/*.list 2>/dev/null && continue
			echo "$rel" >>"$kroot/vm/$list"
			dest="$kroot/usr/lib/modules/$r/$rel"
			mkdir -p "${dest%/*}"
			case $path in
			*.xz) xz -dc "$path" >"$dest" ;;
			*.zst) zstd -qdc "$path" >"$dest" ;;
			*) cp "$path" "$dest" ;;
			esac
		done <<<"$deps"
	done
}

build_kernel_cpio() {
	local k=$1 d=${kdir[$1]} r=${krel[$1]} kroot="$work/k$1"
	mkdir -p "$kroot/usr/lib/modules/$r" "$kroot/vm"
	add_modules "$k" "$kroot" modules.list "${modules_wanted[@]}"
	add_modules "$k" "$kroot" modules-legacy.list "${modules_legacy[@]}"
	cp "$d/lib/modules/$r"/modules.{order,builtin,builtin.modinfo} "$kroot/usr/lib/modules/$r/" 2>/dev/null || true
	# modules.dep for busybox modprobe, which serves the kernel's request_module().
	depmod -b "$kroot/usr" "$r" || die "depmod for the $k initramfs failed"
	{
		echo "VM_KERNEL=$k"
		echo "VM_KREL=$r"
		echo "VM_ONLY='${scenarios[*]}'"
		echo "VM_SCENARIO_TIMEOUT=$scenario_timeout"
		# bench-attach (tests/vm/bench.sh): pings per phase.
		echo "export VM_BENCH_PINGS=${PWRU_VM_BENCH_PINGS:-300}"
	} >"$kroot/vm/env"
	mkcpio "$kroot" "$work/k$k.cpio" || die "cpio of the $k modules failed"
	cat "$tools_cpio" "$work/pwru.cpio" "$work/k$k.cpio" >"$work/initramfs-$k.cpio"
	log "initramfs $k: $(du -m "$work/initramfs-$k.cpio" | cut -f1) MB; modules: $(sed 's|.*/||; s|\.ko$||' "$kroot/vm/modules.list" | tr '\n' ' ')"
}
for k in "${kernels[@]}"; do build_kernel_cpio "$k"; done
t_initramfs=$(secs "$t0")
log "initramfs built in ${t_initramfs}s (tools archive: $t_tools)"

# ---------------------------------------------------------------------------------------
# 4. Boot each kernel once; every row of expect.txt for it runs in that boot.

# boot KERNEL: runs qemu under timeout; streams VMRESULT lines as they arrive (with the
# host time since qemu started); writes $work/$k.{console,results,times}.
boot() {
	local k=$1 t0 qpid rc=0
	local res="$work/$k.results" con="$work/$k.console"
	: >"$res"
	t0=$(now)
	timeout -k 10 "$boot_timeout" qemu-system-x86_64 \
		-machine pc -accel tcg -cpu max -smp 1 -m 1G \
		-nographic -no-reboot -nic none \
		-serial mon:stdio -serial "file:$res" \
		-kernel "${kdir[$k]}/boot/vmlinuz-${krel[$k]}" \
		-initrd "$work/initramfs-$k.cpio" \
		-append "console=ttyS0 panic=-1 quiet mitigations=off" \
		</dev/null >"$con" 2>&1 &
	qpid=$!
	echo "$qpid" >"$work/$k.qpid"
	# Stream the results as they arrive. In the background, so that this shell waits in
	# "wait", which a signal interrupts (the traps then stop qemu). No tr in this pipe: it
	# would buffer the lines.
	tail -n +1 -s 0.2 -F --pid="$qpid" "$res" 2>/dev/null | while IFS= read -r line; do
		local at
		line=${line%$'\r'}
		at=$(secs "$t0")
		case $line in
		VMREADY*) echo "ready $at" >>"$work/$k.times"; printf '[%6ss] %s\n' "$at" "$line" ;;
		VMRESULT* | VMDONE* | VMEXIT*) printf '[%6ss] %s\n' "$at" "$line" ;;
		VMLOG*) if [ "$verbose" = 1 ]; then printf '%s\n' "$line"; fi ;;
		esac
	done &
	local spid=$!
	wait "$qpid" || rc=$?
	wait "$spid" || true
	rm -f "$work/$k.qpid"
	echo "qemu $rc $(secs "$t0")" >>"$work/$k.times"
}

t0=$(now)
log "booting ${kernels[*]} ($njobs at a time, timeout ${boot_timeout}s per boot)"
if [ "$njobs" -ge 2 ] && [ ${#kernels[@]} -ge 2 ]; then
	pids=()
	for k in "${kernels[@]}"; do boot "$k" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p" || true; done
else
	for k in "${kernels[@]}"; do boot "$k"; done
fi
t_boot=$(secs "$t0")

# ---------------------------------------------------------------------------------------
# 5. Judge: every expected row must have a result; FAIL or missing fails the stage.

npass=0
nfail=0
npending=0
nxfail=0
problems=()
echo
echo "==== VM results ===="
for k in "${kernels[@]}"; do
	res="$work/$k.results"
	tr -d '\r' <"$res" >"$res.clean"
	read -r _ qrc qsecs < <(grep '^qemu ' "$work/$k.times" || echo "qemu ? ?")
	ready=$(awk '$1 == "ready" {print $2}' "$work/$k.times" 2>/dev/null)
	while read -r scn backend _; do
		if [ ${#scenarios[@]} -gt 0 ] && [[ " ${scenarios[*]} " != *" $scn "* ]]; then continue; fi
		line=$(grep -m1 -E "^VMRESULT $k $scn $backend " "$res.clean" || true)
		if [ -z "$line" ]; then
			line="VMRESULT $k $scn $backend FAIL no result from the guest (crashed, hung or timed out)"
		fi
		echo "$line"
		case $(awk '{print $5}' <<<"$line") in
		PASS) npass=$((npass + 1)) ;;
		PENDING) npending=$((npending + 1)) ;;
		XFAIL) nxfail=$((nxfail + 1)) ;;
		*) nfail=$((nfail + 1)); problems+=("$k") ;;
		esac
	done < <(awk -v k="$k" '!/^[[:space:]]*#/ && NF >= 4 && $1 == k {print $2, $3, $4}' "$expect_file")
	if ! grep -q '^VMDONE ' "$res.clean"; then
		nfail=$((nfail + 1))
		problems+=("$k")
		if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
			echo "VMRESULT $k - - FAIL the guest did not finish within ${boot_timeout}s (qemu killed)"
		else
			echo "VMRESULT $k - - FAIL the guest stopped before the end (qemu exit $qrc)"
		fi
	fi
	echo "vm: kernel $k (${krel[$k]}): boot->ready ${ready:-?}s, qemu total ${qsecs}s, exit $qrc; $(grep -m1 '^VMDONE' "$res.clean" || echo 'no VMDONE')"
done

# Logs of what failed.
for k in $(printf '%s\n' "${problems[@]}" | sort -u); do
	echo
	echo "---- kernel $k: logs of failed rows ----"
	grep '^VMLOG ' "$work/$k.results.clean" | cut -d' ' -f2- | tail -n 200 || true
	echo "---- kernel $k: last 40 console lines ----"
	tr -d '\r' <"$work/$k.console" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tail -n 40
done

echo
log "timings: deps ${t_deps}s, fetch ${t_fetch}s, initramfs ${t_initramfs}s, boots ${t_boot}s ($njobs at a time), total $(secs "$t_start")s"
[ "$npending" = 0 ] || log "$npending rows PENDING (expect.txt: backends not implemented yet, or not possible on that kernel)"
[ "$nxfail" = 0 ] || log "$nxfail rows XFAIL (expect.txt: known pwru bugs)"
echo "vm: summary: $npass passed, $nfail failed, $npending pending, $nxfail xfail"
[ "$nfail" = 0 ]
