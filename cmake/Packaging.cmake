# SPDX-License-Identifier: GPL-2.0-only
#
# `cpack -G DEB` in the build directory makes aio-audit_VERSION_ARCH.deb from
# the install() rules: /usr/bin/aio-audit, the man pages, bash and zsh
# completion, the guides in /usr/share/doc/aio-audit. Depends: is computed by
# dpkg-shlibdeps from the libraries the binary links (libbpf1, libaio1,
# liburing2, libfmt9, libelf1, libc6, ...), as a Debian package's is.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME aio-audit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "aio-audit maintainers <aio-audit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "audit whether Linux drivers and filesystems implement truly asynchronous I/O")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "audit whether Linux drivers and filesystems implement truly asynchronous I/O
 aio-audit measures whether io_submit (kernel AIO), io_uring and POSIX AIO
 return before the I/O completes or quietly block, per filesystem, device and
 driver function: actively against files and devices (probe, matrix), live
 with eBPF (trace), and statically over driver source (scan, check).")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Optional helpers the subcommands call when present.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "xfsprogs, btrfs-progs, e2fsprogs, git")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
