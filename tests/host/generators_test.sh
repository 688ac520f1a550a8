#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# generators_test.sh SOURCE_DIR: both CMake generators configure a clean tree
# and build what the default generator once could not (every BPF object and
# skeleton: the skeleton targets lacked their dependency on vmlinux.h, and
# only Ninja happened to order them right), and a rebuild with no change
# leaves vmlinux.h alone. Host tier: vmlinux.h comes from this kernel's BTF.
set -euo pipefail
src=$1
skip() { echo "[  SKIPPED ] $*"; exit 0; }
[[ -r /sys/kernel/btf/vmlinux ]] || skip "no /sys/kernel/btf/vmlinux"
work=$(mktemp -d /var/tmp/aio-audit-generators.XXXXXX)
trap 'rm -rf "$work"' EXIT
skels=(feature_probe_skel_gen trace_skel_gen driver_hook_skel_gen hook_floor_skel_gen hook_work_skel_gen)
for gen in "Unix Makefiles" Ninja; do
	dir=$work/${gen// /-}
	cmake -S "$src" -B "$dir" -G "$gen" -DAIO_AUDIT_TESTS=OFF >"$work/log" 2>&1 ||
		{ cat "$work/log"; echo "FAIL: configure with $gen"; exit 1; }
	cmake --build "$dir" -j "$(nproc)" --target "${skels[@]}" >"$work/log" 2>&1 ||
		{ cat "$work/log"; echo "FAIL: $gen: building ${skels[*]}"; exit 1; }
	before=$(stat -c %Y "$dir/vmlinux/vmlinux.h")
	sleep 1.1
	cmake --build "$dir" --target "${skels[@]}" >"$work/log" 2>&1 ||
		{ cat "$work/log"; echo "FAIL: $gen: rebuild"; exit 1; }
	after=$(stat -c %Y "$dir/vmlinux/vmlinux.h")
	[[ $before == "$after" ]] || { echo "FAIL: $gen: a rebuild with no change rewrote vmlinux.h"; exit 1; }
	echo "ok: $gen built ${skels[*]}"
done
