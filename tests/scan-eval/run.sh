#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ctest scan_eval.linux-6.12: unpacks Debian's linux-source-6.12 once into a
# cache outside the repository (reused while the tarball is unchanged), then
# judges `aio-audit scan` on it against linux-6.12.json.
#
#   tests/scan-eval/run.sh SCAN_EVAL AIO_AUDIT [scan-eval options...]
#   AIO_AUDIT_SRC_CACHE=/var/tmp/aio-audit-src   where the tree is kept
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scan_eval=$1
aio_audit=$2
shift 2
cache=${AIO_AUDIT_SRC_CACHE:-/var/tmp/aio-audit-src}
tarball=/usr/src/linux-source-6.12.tar.xz
if [[ ! -f $tarball ]]; then
	echo "scan-eval: $tarball is missing: install it with scripts/install-deps.sh test" >&2
	exit 1
fi

tree=$cache/linux-source-6.12
stamp=$tree/.aio-audit-unpacked
want="$tarball $(stat -c '%s %Y' "$tarball")"
mkdir -p "$cache"
# One unpacker at a time; a tree without its stamp is incomplete and redone.
exec 9>"$cache/.lock"
flock 9
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
	tmp=$(mktemp -d "$cache/.unpack-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	start=$(date +%s%N)
	tar -xf "$tarball" -C "$tmp"
	rm -rf "$tree"
	mv "$tmp/linux-source-6.12" "$tree"
	rmdir "$tmp"
	trap - EXIT
	echo "$want" >"$stamp"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "scan-eval: unpacked $tarball into $tree in $((ms / 1000)).$((ms % 1000 / 100)) s"
fi
exec 9>&-

exec "$scan_eval" "$here/linux-6.12.json" --tree "$tree" --aio-audit "$aio_audit" "$@"
