#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Installs, from Debian 12's own archive, whatever aio-audit needs and this
# machine lacks. Idempotent: packages already present are not touched, and
# nothing is downloaded when nothing is missing.
#
#   scripts/install-deps.sh [build] [test] [vm] [bench]
#
# build  compilers, BPF toolchain and libraries, dpkg-dev (the .deb's Depends:) (always included)
# test   man-db and zsh (the man pages and completion are checked with them), what the host tier uses: real filesystems on loop devices, fuzzer runtime,
#        the 6.12 kernel source the scan evaluation and `check`'s end-to-end
#        test read, and the SARIF object model the SARIF validator walks
#        (python3-sarif-python-om), chromium, headless, to open the --html
#        reports in and print them to PDF (tests/html), poppler-utils to read
#        those PDFs, and Prometheus (the exporter's end-to-end test)
# vm     the guest-kernel tier: qemu, busybox, and the guest kernels with their
#        headers: Debian's 6.1, 6.12 and 6.12 PREEMPT_RT (tests/vm/kernels.cmake).
#        Through the meta-packages, so apt resolves the newest ABI of each; the
#        tier records the release it booted (docs/vm.md)
# bench  benchmarks: fio, hyperfine, the kernel source tree for `scan`, ripgrep (its baseline),
#        xfslibs-dev (fsqual), bpftrace (the hand-written tracer trace is compared with)
set -euo pipefail

build_pkgs=(
	build-essential cmake ninja-build pkg-config git
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libaio-dev liburing-dev libcli11-dev nlohmann-json3-dev libfmt-dev libcpp-httplib-dev
	googletest libgtest-dev libgmock-dev dpkg-dev
)
test_pkgs=(xfsprogs e2fsprogs prometheus btrfs-progs squashfs-tools util-linux procps coreutils libclang-rt-14-dev
	   linux-source-6.12 python3 python3-sarif-python-om chromium poppler-utils man-db zsh)
vm_pkgs=(qemu-system-x86 busybox-static kmod cpio pahole xz-utils zstd jq
	 linux-image-amd64 linux-headers-amd64
	 linux-image-6.12-amd64 linux-headers-6.12-amd64
	 linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64)
bench_pkgs=(fio hyperfine linux-source-6.1 time jq bc xfslibs-dev ripgrep bpftrace)

want=("${build_pkgs[@]}")
for group in "$@"; do
	case "$group" in
	build) ;;
	test) want+=("${test_pkgs[@]}") ;;
	vm) want+=("${vm_pkgs[@]}") ;;
	bench) want+=("${bench_pkgs[@]}") ;;
	*)
		echo "install-deps: unknown group '$group' (build, test, vm, bench)" >&2
		exit 2
		;;
	esac
done

missing=()
for pkg in "${want[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

sudo=()
if ((EUID != 0)); then
	sudo=(sudo)
fi
need_root() {
	((EUID == 0)) || command -v sudo >/dev/null || {
		echo "install-deps: need root to install: $*" >&2
		exit 3
	}
}

if ((${#missing[@]} == 0)); then
	echo "install-deps: nothing missing"
	exit 0
fi

need_root "${missing[*]}"
echo "install-deps: installing ${missing[*]}"
# INITRD=No: installing linux-image-amd64 would otherwise build an initramfs
# that the guest tier never uses (about 26 s each time).
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive INITRD=No \
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
