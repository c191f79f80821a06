# SPDX-License-Identifier: Apache-2.0
# pwru_add_plugin(NAME <name> KIND sink|filter|selector SOURCES ...
#                 [BPF_SOURCES <file.bpf.c>] [LIBRARIES ...]
#                 [OUTPUT_DIRECTORY <dir>] [COMPONENT <component>] [NO_INSTALL])
#
# Builds a pwru plugin: a MODULE library named pwru-<kind>-<name>.so (the
# file name pwru looks for; target pwru-<kind>-<name>), C++20, PIC, symbols
# hidden except the entry point the PWRU_*_PLUGIN macros export, linked with
# --no-undefined so a missing symbol fails the link instead of the load.
# Installs it, mode 0644, to ${CMAKE_INSTALL_LIBDIR}/pwru/plugins (install
# component COMPONENT, default "plugins") unless NO_INSTALL. Every plugin
# target is also appended to the global property PWRU_PLUGIN_TARGETS.
#
# BPF_SOURCES (filters, plugin ABI 1.3): one BPF C file written against
# <pwru/bpf/filter.bpf.h>. It is compiled with clang -target bpf (found as
# clang, or PWRU_BPF_CLANG) and the object is embedded in the plugin as
# pwru_bpf_object[], which pwru::sdk::BpfFilterObject hands to pwru.
#
# pwru refuses plugin files and directories that group or others can write
# (see its README, "Plugin trust"), so the output directory is made 0755 and
# group/other write is taken off the library after each link, whatever the
# umask.
#
# Optional variables (pwru's own tree sets them):
#   PWRU_PLUGIN_OUTPUT_DIRECTORY  default OUTPUT_DIRECTORY
#   PWRU_PLUGIN_INSTALL_DIR       install destination instead of lib/pwru/plugins
#   PWRU_PLUGIN_COMPILE_OPTIONS   extra compile options (warnings)
include_guard(GLOBAL)
include(GNUInstallDirs)

set(_PWRU_SDK_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

# BPF C -> object (clang -target bpf, DWARF stripped; BTF stays) -> a C++
# source defining pwru_bpf_object[] for `target`.
function(pwru_embed_bpf_object target src)
  if(NOT PWRU_BPF_CLANG)
    find_program(PWRU_BPF_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
  endif()
  if(NOT PWRU_BPF_CLANG)
    message(FATAL_ERROR "pwru_add_plugin(${target} BPF_SOURCES ...) needs clang to compile BPF C "
                        "(apt install clang), or -DPWRU_BPF_CLANG=<path>")
  endif()
  find_program(PWRU_BPF_STRIP NAMES llvm-strip llvm-strip-19 llvm-strip-18 llvm-strip-17 llvm-strip-16
                                     llvm-strip-15 llvm-strip-14)
  get_filename_component(src ${src} ABSOLUTE)
  get_filename_component(base ${src} NAME_WE)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${target}.${base}.bpf.o)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/${target}.bpf_object.cpp)
  set(incs "$<TARGET_PROPERTY:pwru::sdk,INTERFACE_INCLUDE_DIRECTORIES>")
  if(PWRU_BPF_STRIP)
    set(strip_cmd COMMAND ${PWRU_BPF_STRIP} -g ${obj}.tmp -o ${obj})
  else()
    set(strip_cmd COMMAND ${CMAKE_COMMAND} -E copy ${obj}.tmp ${obj})
  endif()
  add_custom_command(OUTPUT ${obj}
    COMMAND ${PWRU_BPF_CLANG} -g -O2 -target bpf -Wall "$<$<BOOL:${incs}>:-I$<JOIN:${incs},;-I>>"
            -MD -MF ${obj}.d -c ${src} -o ${obj}.tmp
    ${strip_cmd}
    DEPENDS ${src}
    DEPFILE ${obj}.d
    COMMENT "BPF C ${base}.bpf.c for ${target}"
    COMMAND_EXPAND_LISTS
    VERBATIM)
  add_custom_command(OUTPUT ${gen}
    COMMAND ${CMAKE_COMMAND} -DIN=${obj} -DOUT=${gen} -P ${_PWRU_SDK_CMAKE_DIR}/PwruEmbedFile.cmake
    DEPENDS ${obj} ${_PWRU_SDK_CMAKE_DIR}/PwruEmbedFile.cmake
    COMMENT "embedding ${base}.bpf.o in ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE ${gen})
endfunction()

# Makes `dir` 0755 now and strips group/other write from `target`'s file
# after each link.
function(pwru_trusted_plugin_output target dir)
  file(MAKE_DIRECTORY ${dir})
  file(CHMOD ${dir} DIRECTORY_PERMISSIONS
       OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w $<TARGET_FILE:${target}>
    VERBATIM)
endfunction()

function(pwru_add_plugin)
  cmake_parse_arguments(P "NO_INSTALL" "NAME;KIND;OUTPUT_DIRECTORY;COMPONENT" "SOURCES;BPF_SOURCES;LIBRARIES" ${ARGN})
  if(P_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pwru_add_plugin: unknown arguments: ${P_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT P_NAME OR NOT P_NAME MATCHES "^[A-Za-z0-9_-]+$")
    message(FATAL_ERROR "pwru_add_plugin: NAME '${P_NAME}' is missing or has characters "
                        "other than letters, digits, '-' and '_'")
  endif()
  if(NOT P_KIND MATCHES "^(sink|filter|selector)$")
    message(FATAL_ERROR "pwru_add_plugin(NAME ${P_NAME}): KIND '${P_KIND}' is not sink, filter or selector")
  endif()
  if(NOT P_SOURCES)
    message(FATAL_ERROR "pwru_add_plugin(NAME ${P_NAME}): SOURCES is required")
  endif()
  if(P_BPF_SOURCES)
    list(LENGTH P_BPF_SOURCES nbpf)
    if(NOT P_KIND STREQUAL "filter" OR NOT nbpf EQUAL 1)
      message(FATAL_ERROR "pwru_add_plugin(NAME ${P_NAME}): BPF_SOURCES takes one BPF C file, for KIND filter")
    endif()
  endif()
  if(NOT P_OUTPUT_DIRECTORY AND DEFINED PWRU_PLUGIN_OUTPUT_DIRECTORY)
    set(P_OUTPUT_DIRECTORY ${PWRU_PLUGIN_OUTPUT_DIRECTORY})
  endif()
  if(NOT P_OUTPUT_DIRECTORY)
    set(P_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  endif()

  set(target pwru-${P_KIND}-${P_NAME})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIRECTORY}
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_compile_features(${target} PRIVATE cxx_std_20)
  target_link_libraries(${target} PRIVATE pwru::sdk ${P_LIBRARIES})
  if(P_BPF_SOURCES)
    pwru_embed_bpf_object(${target} ${P_BPF_SOURCES})
  endif()
  if(PWRU_PLUGIN_COMPILE_OPTIONS)
    target_compile_options(${target} PRIVATE ${PWRU_PLUGIN_COMPILE_OPTIONS})
  endif()
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  pwru_trusted_plugin_output(${target} ${P_OUTPUT_DIRECTORY})
  set_property(GLOBAL APPEND PROPERTY PWRU_PLUGIN_TARGETS ${target})

  if(NOT P_NO_INSTALL)
    if(DEFINED PWRU_PLUGIN_INSTALL_DIR)
      set(dest ${PWRU_PLUGIN_INSTALL_DIR})
    else()
      set(dest ${CMAKE_INSTALL_LIBDIR}/pwru/plugins)
    endif()
    if(NOT P_COMPONENT)
      set(P_COMPONENT plugins)
    endif()
    # 0644 like any shared library (pwru's trust check wants no group/other write).
    install(TARGETS ${target} LIBRARY DESTINATION ${dest} COMPONENT ${P_COMPONENT}
            PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
endfunction()
