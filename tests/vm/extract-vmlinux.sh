#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Extracts the uncompressed ELF vmlinux from a bzImage (/boot/vmlinuz-*).
# qemu boots an ELF kernel directly through PVH - no firmware, no
# decompression - which roughly halves a TCG boot (docs/vm.md).  The same
# ELF serves as the BTF base for the gadget module's BTF.
#
#   extract-vmlinux.sh BZIMAGE OUT
set -euo pipefail
in=$1
out=$2
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# The compressed payload starts at one of these magics somewhere inside the
# bzImage; the kernel may use any of the compressors Kconfig offers.
formats=(
	'\xfd\x37\x7a\x58\x5a\x00:xz -dc --single-stream'
	'\x28\xb5\x2f\xfd:zstd -dcq'
	'\x1f\x8b\x08:gzip -dc'
	'\x02\x21\x4c\x18:lz4 -dc'
	'\x89\x4c\x5a\x4f:lzop -dc'
	'\x42\x5a\x68:bzip2 -dc'
)
for format in "${formats[@]}"; do
	magic=${format%%:*}
	read -r -a decompress <<<"${format#*:}"
	command -v "${decompress[0]}" >/dev/null || continue
	for offset in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1); do
		# Data after the payload makes some decompressors exit non-zero:
		# the ELF header and readelf decide, not the exit status.
		tail -c "+$((offset + 1))" "$in" | "${decompress[@]}" >"$tmp" 2>/dev/null || true
		if [[ $(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] &&
			readelf -h "$tmp" >/dev/null 2>&1; then
			chmod 0644 "$tmp"
			mv "$tmp" "$out"
			trap - EXIT
			exit 0
		fi
	done
done
echo "extract-vmlinux: no ELF kernel found inside $in" >&2
exit 1
