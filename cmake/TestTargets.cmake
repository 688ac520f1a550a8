# SPDX-License-Identifier: GPL-2.0-only
#
# aio_audit_buildsystem_targets(DIR OUT): every target that DIR and the
# directories under it build (executables, libraries with code, custom
# targets), for an umbrella target to depend on. INTERFACE libraries build
# nothing and are left out.
function(aio_audit_buildsystem_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  set(result "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      list(APPEND result ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    aio_audit_buildsystem_targets(${sub} below)
    list(APPEND result ${below})
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()
