# SPDX-License-Identifier: Apache-2.0
# Debian packages, made by CPack from the install components:
#
#   cmake -S . -B build-deb -G Ninja -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   cmake --build build-deb && (cd build-deb && cpack -G DEB)
#
#   package               components                        contents
#   pwru                  runtime plugins configs docs      /usr/sbin/pwru, the base plugins, presets,
#                                                           man page, bash completion, docs
#   pwru-plugins-pcapng   plugins-pcapng                    the pcapng sink plugin
#   libpwru-sdk-dev       sdk                               headers, CMake package, example
#
# The build compiles its install directories into pwru (the plugin search
# path, the presets), so the packages install exactly where the build was
# configured to: CPACK_PACKAGING_INSTALL_PREFIX is CMAKE_INSTALL_PREFIX, and
# cpack -G DEB refuses a build whose prefix is not /usr.

# The shared doc directories of the three packages (Debian wants a
# copyright file in each).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pwru
        COMPONENT docs)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pwru-plugins-pcapng COMPONENT plugins-pcapng)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/libpwru-sdk-dev COMPONENT sdk)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pwru)
set(CPACK_PACKAGE_VENDOR "The pwru authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(PWRU_PACKAGE_CONTACT "pwru maintainers <maintainers@users.noreply.r-seed-efc41800.example>"
    CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${PWRU_PACKAGE_CONTACT}")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
set(CPACK_THREADS 2)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/PwruCPackOptions.cmake)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL runtime plugins configs docs plugins-pcapng sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps turns the ELF files' needs into Depends (libbpf1, libpcap0.8, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(PWRU_DEB_VERSION "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")

set(CPACK_DEBIAN_PWRU_PACKAGE_NAME pwru)
set(CPACK_DEBIAN_PWRU_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PWRU_PACKAGE_SUGGESTS "pwru-plugins-pcapng, tshark")
set(CPACK_DEBIAN_PWRU_DESCRIPTION "trace packets through the Linux kernel with eBPF
pwru shows where a packet goes in the kernel and where it is dropped, with
the kernel's own drop reason. It is a C++ reimplementation of cilium/pwru
with the same command line and text output: pcap-filter expressions,
mark, network namespace and interface filters run in the kernel; the
kprobe-multi, kprobe and tracepoint backends; text or JSON output,
several outputs at once, and TOML config files with presets.
Filters and outputs are plugins loaded at run time.
.
This package holds pwru, its base plugins (pcap, mark, netns and ifname
filters, the skb-funcs selector, text and JSON sinks), the presets, the
man page and the bash completion.")

set(CPACK_DEBIAN_PCAPNG_PACKAGE_NAME pwru-plugins-pcapng)
set(CPACK_DEBIAN_PCAPNG_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PCAPNG_PACKAGE_DEPENDS "pwru (= ${PWRU_DEB_VERSION})")
set(CPACK_DEBIAN_PCAPNG_PACKAGE_SUGGESTS "tshark")
set(CPACK_DEBIAN_PCAPNG_DESCRIPTION "pcapng output plugin for pwru
The pcapng sink of pwru (--output-pcapng FILE): every traced packet, at
every probe point, as pcapng for Wireshark and tshark, each with a comment
naming the function, skb, network namespace, mark, device, CPU, process
and drop reason.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME libpwru-sdk-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "libtomlplusplus-dev")
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++ (>= 4:12), clang, libbpf-dev")
set(CPACK_DEBIAN_SDK_PACKAGE_SUGGESTS "pwru")
set(CPACK_DEBIAN_SDK_DESCRIPTION "SDK for pwru plugins
Headers and a CMake package to build plugins for pwru out of its tree:
the plugin C ABI (pwru/plugin.h), a header-only C++20 layer (pwru/sdk.hpp)
for sinks, filters and selectors, the BPF C header for filters whose
in-kernel test is BPF C (pwru/bpf/filter.bpf.h; needs clang), and
find_package(pwru-sdk) with pwru_add_plugin(). The hit-counter and skb-len
examples are in /usr/share/doc/libpwru-sdk-dev/examples.")

include(CPack)

cpack_add_component_group(pwru)
cpack_add_component_group(pcapng)
cpack_add_component_group(sdk)
cpack_add_component(runtime GROUP pwru)
cpack_add_component(plugins GROUP pwru)
cpack_add_component(configs GROUP pwru)
cpack_add_component(docs GROUP pwru)
cpack_add_component(plugins-pcapng GROUP pcapng)
cpack_add_component(sdk GROUP sdk)
