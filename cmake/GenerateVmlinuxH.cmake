# SPDX-License-Identifier: GPL-2.0-only
#
# cmake -DBPFTOOL=... -DBTF=... -DOUT=.../vmlinux.h -DSTAMP=... -P GenerateVmlinuxH.cmake
#
# Writes vmlinux.h from BTF only when the BTF's content changed since the
# last run (its SHA-256 is kept in STAMP). /sys/kernel/btf/vmlinux gets a new
# timestamp at every boot although its content is the same; rewriting
# vmlinux.h then would rebuild every BPF object for nothing. The stamp is
# touched either way, so the build system sees the step done.

file(SHA256 "${BTF}" btf_hash)
set(old_hash "")
if(EXISTS "${STAMP}")
  file(READ "${STAMP}" old_hash)
  string(STRIP "${old_hash}" old_hash)
endif()

if(NOT old_hash STREQUAL btf_hash OR NOT EXISTS "${OUT}")
  execute_process(
    COMMAND "${BPFTOOL}" btf dump file "${BTF}" format c
    OUTPUT_FILE "${OUT}.tmp"
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE "${OUT}.tmp")
    message(FATAL_ERROR "bpftool btf dump file ${BTF} failed (${rc})")
  endif()
  # Same header from different BTF bytes (e.g. another file holding the
  # same kernel's BTF): keep the old file and its timestamp.
  execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUT}.tmp" "${OUT}")
  file(REMOVE "${OUT}.tmp")
  file(WRITE "${STAMP}" "${btf_hash}\n")
else()
  file(TOUCH "${STAMP}")
endif()
