#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds the guest's minimal initramfs for kernel KVER: busybox-static, the
# virtio-pci and 9p modules in dependency order, and guest/init, which
# mounts the host's root read-only over 9p and runs the guest test runner
# inside it.  Everything else the guest runs comes from the host's root.
#
#   make-initramfs.sh KVER INIT OUT
set -euo pipefail
kver=$1
init=$2
out=$3

busybox=$(command -v busybox || true)
# A dynamic executable names its loader (INTERP); the initramfs has none.
if [[ -z $busybox ]] || readelf -l "$busybox" | grep -q INTERP; then
	echo "make-initramfs: needs a static busybox (package busybox-static)" >&2
	exit 1
fi

stage=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$init" "$stage/init"

# modprobe resolves the dependencies from the installed modules.dep; lines
# are "insmod PATH" or "builtin NAME" (virtio_pci is built into 6.12).
# Compressed modules are unpacked here, since busybox's insmod may not decompress.
: >"$stage/modules.order"
while read -r verb path _; do
	[[ $verb == insmod ]] || continue
	name=$(basename "$path")
	name=${name%.xz}
	name=${name%.zst}
	name=${name%.gz}
	grep -qx "$name" "$stage/modules.order" && continue
	case $path in
	*.xz) xz -dc "$path" >"$stage/lib/modules/$name" ;;
	*.zst) zstd -dcq "$path" >"$stage/lib/modules/$name" ;;
	*.gz) gzip -dc "$path" >"$stage/lib/modules/$name" ;;
	*) cp "$path" "$stage/lib/modules/$name" ;;
	esac
	echo "$name" >>"$stage/modules.order"
done < <(modprobe -a -S "$kver" --show-depends virtio_pci 9pnet_virtio 9p)

if ! grep -q '^9p.ko$' "$stage/modules.order" && ! grep -qs '/9p.ko' "/lib/modules/$kver/modules.builtin"; then
	echo "make-initramfs: no 9p module for $kver" >&2
	exit 1
fi

(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
