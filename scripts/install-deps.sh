#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian 12 packages pwru needs to build, test and demo. Only what is missing
# is installed; when everything is present this is a fast no-op (and needs no root).
set -euo pipefail

PACKAGES=(
	# build
	build-essential cmake ninja-build pkg-config clang llvm bpftool
	libbpf-dev libelf-dev zlib1g-dev libpcap-dev libboost-dev libtomlplusplus-dev
	libspdlog-dev libfmt-dev libcli11-dev libre2-dev
	# tests and benchmarks
	libgtest-dev libgmock-dev libbenchmark-dev
	# the man page (groff renders it, man finds it) and the .deb packages
	# (cpack -G DEB runs dpkg-shlibdeps, which needs dpkg-dev and file)
	groff-base man-db dpkg-dev file
	# runtime tests and the demo (iputils-ping: ping in the runtime tests)
	iproute2 iptables nftables iputils-ping curl jq tshark util-linux procps
	# the VM stage (tests/vm/run.sh: qemu, busybox initramfs, kernel modules)
	qemu-system-x86 busybox-static kmod xz-utils lz4 zstd cpio
)

installed() {
	# Prints the packages from "$@" that are fully installed.
	dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null | awk '$2 == "ii" {print $1}'
}

mapfile -t have < <(installed "${PACKAGES[@]}")
missing=()
for p in "${PACKAGES[@]}"; do
	printf '%s\n' "${have[@]}" | grep -qxF "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root to install them (sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, so it never prompts.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

mapfile -t have < <(installed "${missing[@]}")
if [ ${#have[@]} -ne ${#missing[@]} ]; then
	echo "install-deps: some packages are still not installed: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: done"
