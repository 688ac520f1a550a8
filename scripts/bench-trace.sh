#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Overhead of `aio-audit trace`: fio libaio 4k random reads at iodepth 32 on
# tmpfs and on an O_DIRECT file on loop-backed XFS, untraced and traced runs
# alternating in one go (ROUNDS pairs, default 3, RUNTIME seconds each,
# default 5). Prints per target the median IOPS traced/untraced, the tracer's
# peak RSS, and the events it lost. Needs root.
#
#   scripts/bench-trace.sh          ROUNDS=3 RUNTIME=5 BUILD_DIR=build
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" build test bench >/dev/null
bin=${BUILD_DIR:-$top/build}/aio-audit
[[ -x "$bin" ]] || BUILD_DIR=${BUILD_DIR:-$top/build} "$top/scripts/build.sh" >/dev/null
((EUID == 0)) || { echo "bench-trace: needs root (trace loads BPF, the XFS target needs a loop device)" >&2; exit 3; }
rounds=${ROUNDS:-3}
runtime=${RUNTIME:-5}

work=$(mktemp -d /var/tmp/aio-audit-bench.XXXXXX)
loop=""
cleanup() {
	mountpoint -q "$work/xfs" && umount "$work/xfs"
	[[ -n "$loop" ]] && losetup -d "$loop"
	rm -rf "$work" /dev/shm/aio-audit-bench.*
}
trap cleanup EXIT
truncate -s 1G "$work/xfs.img"
mkfs.xfs -q "$work/xfs.img"
loop=$(losetup --find --show --direct-io=on "$work/xfs.img")
mkdir "$work/xfs"
mount "$loop" "$work/xfs"
shm=$(mktemp /dev/shm/aio-audit-bench.XXXXXX)

# fio job for one target: prints its read IOPS.
fio_iops() { # file direct [extra fio args...]
	local file=$1 direct=$2
	shift 2
	fio --name=bench --filename="$file" --size=256M --ioengine=libaio --rw=randread --bs=4k \
		--iodepth=32 --direct="$direct" --runtime="$runtime" --time_based --group_reporting \
		--output-format=json "$@" | jq '.jobs[0].read.iops'
}

# Layout both files once, outside the measurements.
fio --name=layout --filename="$shm" --size=256M --rw=write --bs=1M >/dev/null
fio --name=layout --filename="$work/xfs/data" --size=256M --rw=write --bs=1M --direct=1 >/dev/null

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf 'aio-audit trace overhead: fio libaio randread 4k iodepth 32, %s x %ss per mode (%s, %s CPUs)\n\n' \
	"$rounds" "$runtime" "$(uname -r)" "$(nproc)"
printf '%-22s %12s %12s %7s %9s %s\n' TARGET UNTRACED TRACED RATIO RSS LOST
for target in tmpfs xfs-odirect; do
	case $target in
	tmpfs) file=$shm direct=0 ;;
	xfs-odirect) file=$work/xfs/data direct=1 ;;
	esac
	: >"$work/plain" && : >"$work/traced" && : >"$work/rss" && : >"$work/lost"
	for _ in $(seq "$rounds"); do
		fio_iops "$file" "$direct" >>"$work/plain"
		# The tracer runs fio as its command; its own report goes to a file.
		/usr/bin/time -f '%M' -o "$work/time" "$bin" trace --json -- \
			sh -c "fio --name=bench --filename='$file' --size=256M --ioengine=libaio --rw=randread \
				--bs=4k --iodepth=32 --direct=$direct --runtime=$runtime --time_based \
				--output-format=json > '$work/fio.json'" >"$work/trace.json" 2>/dev/null
		jq '.jobs[0].read.iops' "$work/fio.json" >>"$work/traced"
		tail -n 1 "$work/time" >>"$work/rss"
		jq '[.lost[]] | add' "$work/trace.json" >>"$work/lost"
		reqs=$(jq '[.ops[] | select(.api == "libaio") | .requests] | add // 0' "$work/trace.json")
		[[ "$reqs" -gt 0 ]] || echo "warning: the traced run recorded no libaio requests" >&2
	done
	plain=$(median <"$work/plain")
	traced=$(median <"$work/traced")
	rss=$(sort -n "$work/rss" | tail -n 1)
	lost=$(paste -sd+ "$work/lost" | bc)
	printf '%-22s %12.0f %12.0f %7.3f %7.1fMB %s\n' "$target" "$plain" "$traced" \
		"$(echo "$traced / $plain" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$lost"
done
echo
echo "RATIO = median traced IOPS / median untraced IOPS (goal >= 0.99); RSS = the tracer's peak"
echo "resident set (goal <= 50 MB); LOST = events the tracer could not record, all rounds."
