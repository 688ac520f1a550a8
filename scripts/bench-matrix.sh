#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# How long `aio-audit matrix` takes for ext4, XFS, btrfs and tmpfs (goal:
# 2 minutes for the four), and, in the same run, how long ScyllaDB's fsqual
# takes on the same kind of file system (the baseline: its ~20 scenarios of
# 10000 requests each). fsqual is built from FSQUAL_SRC (a checkout of
# scylladb/fsqual; default /var/tmp/ref/fsqual) in a scratch directory,
# never in this tree; without it only matrix is timed.
#
#   sudo scripts/bench-matrix.sh        FSQUAL_FS="ext4" REQUESTS=64 BUILD_DIR=build
#
# Prints per file system matrix's time (from its JSON) and fsqual's, the
# ratio, fsqual's table and matrix's libaio column for the same scenarios.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
((EUID == 0)) || { echo "bench-matrix: needs root (loop devices, mounts)" >&2; exit 3; }
"$top/scripts/install-deps.sh" build test bench >/dev/null
bin=${BUILD_DIR:-$top/build}/aio-audit
[[ -x "$bin" ]] || BUILD_DIR=${BUILD_DIR:-$top/build} "$top/scripts/build.sh" aio-audit >/dev/null
fsqual_src=${FSQUAL_SRC:-/var/tmp/ref/fsqual}
fsqual_fs=${FSQUAL_FS:-ext4}
requests=${REQUESTS:-64}

work=$(mktemp -d /var/tmp/bench-matrix.XXXXXX)
mnt=$work/mnt
loopdev=
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	[[ -n $loopdev ]] && losetup -d "$loopdev" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fsqual=
if [[ -f $fsqual_src/fsqual.cc ]]; then
	cp -r "$fsqual_src" "$work/fsqual-src"
	if make -s -C "$work/fsqual-src" >"$work/fsqual-build.log" 2>&1; then
		fsqual=$work/fsqual-src/fsqual
	else
		echo "bench-matrix: fsqual did not build (see below); timing matrix only" >&2
		tail -5 "$work/fsqual-build.log" >&2
	fi
fi

echo "aio-audit matrix vs fsqual ($(nproc) CPUs, kernel $(uname -r), $requests requests per cell)"
echo
start=$(date +%s.%N)
"$bin" matrix --json -n "$requests" --fs ext4,xfs,btrfs,tmpfs --scratch "$work" -o "$work/matrix.json" || true
end=$(date +%s.%N)
printf 'matrix, four file systems: %.1f s wall (goal 120 s)\n' "$(echo "$end - $start" | bc)"
jq -r '.matrix.file_systems[] | "  \(.id): \(.elapsed_s * 10 | round / 10) s\(if .error then " (error: " + .error + ")" else "" end)"' \
	"$work/matrix.json"

[[ -n $fsqual ]] || exit 0
declare -A mkfs=([ext4]="mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0"
	[xfs]="mkfs.xfs -q -f" [btrfs]="mkfs.btrfs -q -f")
declare -A size=([ext4]=128 [xfs]=320 [btrfs]=256)
for f in $fsqual_fs; do
	echo
	mkdir -p "$mnt"
	if [[ $f == tmpfs ]]; then
		mount -t tmpfs -o size=2g tmpfs "$mnt"
	else
		# As matrix makes it: a sparse image, a loop device doing direct I/O.
		# fsqual truncates its file to 1 GiB; the image must hold what it writes.
		truncate -s $((size[$f] > 2048 ? size[$f] : 2048))M "$work/$f.img"
		${mkfs[$f]} "$work/$f.img" >/dev/null
		loopdev=$(losetup --find --show --direct-io=on "$work/$f.img")
		mount "$loopdev" "$mnt"
	fi
	start=$(date +%s.%N)
	(cd "$mnt" && "$fsqual") >"$work/fsqual-$f.txt" 2>&1
	end=$(date +%s.%N)
	t_fsqual=$(echo "$end - $start" | bc)
	t_matrix=$(jq -r --arg f "$f" '.matrix.file_systems[] | select(.id == $f) | .elapsed_s' "$work/matrix.json")
	printf '%s: fsqual %.1f s, matrix %.1f s (ratio matrix/fsqual %.3f)\n' "$f" "$t_fsqual" "$t_matrix" \
		"$(echo "$t_matrix / $t_fsqual" | bc -l)"
	cat "$work/fsqual-$f.txt"
	echo "matrix, libaio column (verdict, voluntary switches per I/O):"
	jq -r --arg f "$f" '.matrix.file_systems[] | select(.id == $f) | .scenarios[] | select(.fsqual != "") |
	  .fsqual as $q | .id as $id | .cells[] | select(.engine == "libaio") |
	  "  \($q | .[0:14] | . + " " * (14 - length)) \($id | . + " " * (36 - length)) \(.headline | join("+")) \(.switches_per_io // "?" | tostring | .[0:5]) EAGAIN \(.eagain)/\(.requests)"' \
		"$work/matrix.json"
	umount "$mnt"
	[[ -n $loopdev ]] && losetup -d "$loopdev"
	loopdev=
	rm -f "$work/$f.img"
done
