# SPDX-License-Identifier: Apache-2.0
# cmake -DSDK_DIR=<sdk/> -P CheckAbiHash.cmake
#
# Fails when include/pwru/plugin.h no longer matches the hash in abi.sha256:
# either the header changed without a PWRU_ABI_MAJOR/MINOR bump, or it was
# bumped and abi.sha256 was not updated.
set(header ${SDK_DIR}/include/pwru/plugin.h)
set(record ${SDK_DIR}/abi.sha256)
file(SHA256 ${header} actual)
file(STRINGS ${header} major_line REGEX "^#define PWRU_ABI_MAJOR [0-9]+")
file(STRINGS ${header} minor_line REGEX "^#define PWRU_ABI_MINOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" major "${major_line}")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" minor "${minor_line}")
if(major STREQUAL "" OR minor STREQUAL "")
  message(FATAL_ERROR "${header}: no #define PWRU_ABI_MAJOR/PWRU_ABI_MINOR found")
endif()
set(version ${major}.${minor})

file(STRINGS ${record} entries REGEX "^[0-9a-f]+ +include/pwru/plugin.h +[0-9]+\\.[0-9]+$")
list(LENGTH entries n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "${record}: expected one line '<sha256>  include/pwru/plugin.h  <major>.<minor>'")
endif()
string(REGEX REPLACE "^([0-9a-f]+) .*" "\\1" recorded_hash "${entries}")
string(REGEX REPLACE ".* ([0-9]+\\.[0-9]+)$" "\\1" recorded_version "${entries}")

if(actual STREQUAL recorded_hash)
  if(NOT version STREQUAL recorded_version)
    message(FATAL_ERROR "${record} records ABI ${recorded_version} but plugin.h says ${version} with the "
                        "same hash: the version changed and nothing else; put ${version} in ${record}")
  endif()
  message(STATUS "plugin.h matches ${record} (ABI ${version})")
elseif(version STREQUAL recorded_version)
  message(FATAL_ERROR "sdk/include/pwru/plugin.h changed but PWRU_ABI is still ${version}: bump "
                      "PWRU_ABI_MINOR (append-only change) or PWRU_ABI_MAJOR (anything else), then "
                      "record the new header in ${record} (sha256 ${actual})")
else()
  message(FATAL_ERROR "sdk/include/pwru/plugin.h is now ABI ${version} (was ${recorded_version}) but "
                      "${record} was not updated: put '${actual}  include/pwru/plugin.h  ${version}' in it")
endif()
