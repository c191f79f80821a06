# SPDX-License-Identifier: Apache-2.0
# The in-tree plugins use the SDK's own pwru_add_plugin() (sdk/cmake/
# PwruSdkPlugin.cmake, installed with the SDK), set up to put each plugin in
# the build tree's plugin directory (where `pwru` looks when run from the
# build tree), to build it with pwru's warnings and to install it to
# lib/<multiarch>/pwru/plugins:
#   pwru_add_plugin(NAME ifname KIND filter SOURCES ... [LIBRARIES ...])
#   -> pwru-filter-ifname.so
set(PWRU_PLUGIN_OUTPUT_DIRECTORY ${PWRU_BUILD_PLUGIN_DIR})
set(PWRU_PLUGIN_INSTALL_DIR ${PWRU_INSTALL_PLUGIN_DIR})
set(PWRU_PLUGIN_COMPILE_OPTIONS ${PWRU_WARNINGS})
include(${CMAKE_CURRENT_LIST_DIR}/../sdk/cmake/PwruSdkPlugin.cmake)
