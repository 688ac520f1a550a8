# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the tests that read a real kernel tree (tests/scan-eval/run.sh,
# tests/scan/git_history_test.sh, tests/scan/fuzz_tree.sh): Debian's
# linux-source-6.12, unpacked once into a cache outside the repository and
# reused while the tarball is unchanged.
#
#   unpack_linux_source WHO   sets $tree; returns holding the cache's lock on
#                             fd 9 (close it with `exec 9>&-` once the tree
#                             is read or copied)
#   AIO_AUDIT_SRC_CACHE=/var/tmp/aio-audit-src   where the tree is kept
unpack_linux_source() {
	local who=$1 cache=${AIO_AUDIT_SRC_CACHE:-/var/tmp/aio-audit-src}
	local tarball=/usr/src/linux-source-6.12.tar.xz stamp want unpack start ms
	if [[ ! -f $tarball ]]; then
		echo "$who: $tarball is missing: install it with scripts/install-deps.sh test" >&2
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
		unpack=$(mktemp -d "$cache/.unpack-XXXXXX")
		start=$(date +%s%N)
		if ! tar -xf "$tarball" -C "$unpack"; then
			rm -rf "$unpack"
			echo "$who: cannot unpack $tarball" >&2
			exit 1
		fi
		rm -rf "$tree"
		mv "$unpack/linux-source-6.12" "$tree"
		rmdir "$unpack"
		echo "$want" >"$stamp"
		ms=$((($(date +%s%N) - start) / 1000000))
		echo "$who: unpacked $tarball into $tree in $((ms / 1000)).$((ms % 1000 / 100)) s"
	fi
}
