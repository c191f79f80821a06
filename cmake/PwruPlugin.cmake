# SPDX-License-Identifier: Apache-2.0
# pwru_add_plugin(NAME <kind-name> SOURCES ... [LIBRARIES ...])
#
# Builds plugins/<kind>-<name>/ into pwru-<kind>-<name>.so in the build
# tree's plugin directory (where `pwru` looks first when run from the build
# tree) and installs it to lib/<multiarch>/pwru/plugins.
function(pwru_add_plugin)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT P_NAME)
    message(FATAL_ERROR "pwru_add_plugin: NAME is required")
  endif()
  set(target pwru-${P_NAME})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${PWRU_BUILD_PLUGIN_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE pwru::sdk ${P_LIBRARIES})
  target_compile_options(${target} PRIVATE ${PWRU_WARNINGS})
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  install(TARGETS ${target} LIBRARY DESTINATION ${PWRU_INSTALL_PLUGIN_DIR} COMPONENT plugins)
endfunction()
