# SPDX-License-Identifier: Apache-2.0
# pwru_add_plugin(NAME <kind-name> SOURCES ... [LIBRARIES ...])
#
# Builds plugins/<kind>-<name>/ into pwru-<kind>-<name>.so in the build
# tree's plugin directory (where `pwru` looks first when run from the build
# tree) and installs it to lib/<multiarch>/pwru/plugins.
# pwru refuses plugin files and directories that group or others can write
# (core/plugin/trust.h). Under a umask such as 002 the build tree's would be;
# make `dir` 0755 now and strip group/other write from `target` after each
# link, so the build tree's plugins load whatever the umask.
function(pwru_trusted_plugin_output target dir)
  file(MAKE_DIRECTORY ${dir})
  file(CHMOD ${dir} DIRECTORY_PERMISSIONS
       OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w $<TARGET_FILE:${target}>
    VERBATIM)
endfunction()

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
  pwru_trusted_plugin_output(${target} ${PWRU_BUILD_PLUGIN_DIR})
  install(TARGETS ${target} LIBRARY DESTINATION ${PWRU_INSTALL_PLUGIN_DIR} COMPONENT plugins)
endfunction()
