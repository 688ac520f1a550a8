# SPDX-License-Identifier: GPL-2.0-only
#
# bpf_object(<name> <source.bpf.c>)
#
# Compiles a BPF program with clang -target bpf against a vmlinux.h generated
# at build time from BTF, turns the object into a libbpf skeleton with
# `bpftool gen skeleton`, and exposes it as the INTERFACE library <name>_skel
# (include "<name>.skel.h"). Header dependencies come from clang's depfile, so
# editing bpf/aio_audit.h rebuilds exactly the objects that include it.
#
# AIO_AUDIT_BTF chooses the BTF that vmlinux.h is generated from (default: the
# running kernel's). One object built here also loads on other kernels: CO-RE
# relocates field offsets at load time.

find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool REQUIRED
             PATHS /usr/sbin /usr/local/sbin)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf>=1.0)

set(AIO_AUDIT_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "BTF file that bpf/ programs are compiled against (vmlinux.h source)")
if(NOT EXISTS "${AIO_AUDIT_BTF}")
  message(FATAL_ERROR
    "BTF not found at ${AIO_AUDIT_BTF}: the kernel needs CONFIG_DEBUG_INFO_BTF, "
    "or pass -DAIO_AUDIT_BTF=/path/to/vmlinux (an ELF with .BTF or raw BTF)")
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# clang -target bpf does not search the host's multiarch include directory,
# where asm/types.h lives; hand it the host compiler's system dirs.
execute_process(
  COMMAND ${BPF_CLANG} -v -E -x c /dev/null
  ERROR_VARIABLE _bpf_clang_v OUTPUT_QUIET)
string(REGEX MATCH "<...> search starts here:\n(.*)End of search list"
       _bpf_inc_block "${_bpf_clang_v}")
string(REGEX MATCHALL "/[^\n ]+" _bpf_inc_dirs "${CMAKE_MATCH_1}")
set(BPF_SYSTEM_INCLUDES "")
foreach(dir IN LISTS _bpf_inc_dirs)
  list(APPEND BPF_SYSTEM_INCLUDES -idirafter ${dir})
endforeach()

set(BPF_VMLINUX_DIR ${CMAKE_BINARY_DIR}/vmlinux)
set(BPF_VMLINUX_H ${BPF_VMLINUX_DIR}/vmlinux.h)
set(_bpf_vmlinux_stamp ${BPF_VMLINUX_DIR}/btf.sha256)
file(MAKE_DIRECTORY ${BPF_VMLINUX_DIR})
# vmlinux.h is rewritten only when the BTF's content changes (the script
# compares hashes); the stamp records that the check ran. Ninja restats the
# byproduct, make compares its timestamp: either way an unchanged header
# rebuilds nothing.
add_custom_command(
  OUTPUT ${_bpf_vmlinux_stamp}
  BYPRODUCTS ${BPF_VMLINUX_H}
  COMMAND ${CMAKE_COMMAND} -DBPFTOOL=${BPFTOOL} -DBTF=${AIO_AUDIT_BTF}
          -DOUT=${BPF_VMLINUX_H} -DSTAMP=${_bpf_vmlinux_stamp}
          -P ${CMAKE_CURRENT_LIST_DIR}/GenerateVmlinuxH.cmake
  DEPENDS ${AIO_AUDIT_BTF} ${CMAKE_CURRENT_LIST_DIR}/GenerateVmlinuxH.cmake
  COMMENT "Checking vmlinux.h against ${AIO_AUDIT_BTF}"
  VERBATIM)
add_custom_target(bpf_vmlinux_h DEPENDS ${_bpf_vmlinux_stamp})

function(bpf_object name source)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${source})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  set(obj ${out_dir}/${name}.bpf.o)
  set(skel ${out_dir}/${name}.skel.h)

  add_custom_command(
    OUTPUT ${obj}
    # -mcpu=v3: atomic fetch-and-add whose result is used (kernel >= 5.12),
    # how two contexts agree which of them finishes a request.
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -Wall -Werror -Wno-unused-function
            ${BPF_SYSTEM_INCLUDES}
            -I${BPF_VMLINUX_DIR} -I${CMAKE_CURRENT_SOURCE_DIR}
            -MD -MF ${obj}.d
            -c ${src} -o ${obj}
    DEPENDS ${src} ${BPF_VMLINUX_H}
    DEPFILE ${obj}.d
    COMMENT "BPF ${name}.bpf.o"
    COMMAND_EXPAND_LISTS
    VERBATIM)

  add_custom_command(
    OUTPUT ${skel}
    COMMAND sh -c "\"$1\" gen skeleton \"$2\" name \"$3\" > \"$4.tmp\" && mv \"$4.tmp\" \"$4\""
            sh ${BPFTOOL} ${obj} ${name} ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)

  # The custom target orders every user after the skeleton exists, whatever
  # generator and parallelism is used.
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  # The header is made by a rule of the top directory: Makefile generators
  # only know it through this target-level dependency (Ninja would find it).
  add_dependencies(${name}_skel_gen bpf_vmlinux_h)
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  # SYSTEM: the skeleton is C written by bpftool; our warning flags are not its.
  target_include_directories(${name}_skel SYSTEM INTERFACE ${out_dir})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
