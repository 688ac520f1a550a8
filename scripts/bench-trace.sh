#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Overhead of `aio-audit trace`: fio libaio 4k random reads at iodepth 32 on
# tmpfs and on an O_DIRECT file on loop-backed XFS. Each round runs fio three
# times, back to back: untraced; under hook_floor (empty programs on the same
# syscall hooks: what the kernel charges for any hook at all); traced. Prints
# per target the median IOPS of each, the median of the rounds' ratios to
# the untraced run, the cost per request in ns, the tracer's peak RSS and the
# events it lost; then the highest op rate traced with nothing lost. Needs root.
#
#   scripts/bench-trace.sh      ROUNDS=5 RUNTIME=5 BUILD_DIR=build
#                               SYSCALL_HOOKS=raw|event (default: trace's choice)
#                               IMAGE_DIR=/var/tmp (where the XFS image lives)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" build test bench >/dev/null
build=${BUILD_DIR:-$top/build}
BUILD_DIR=$build "$top/scripts/build.sh" aio-audit hook_floor >/dev/null
bin=$build/aio-audit
floor_bin=$build/tests/bench/hook_floor
((EUID == 0)) || { echo "bench-trace: needs root (trace loads BPF, the XFS target needs a loop device)" >&2; exit 3; }
rounds=${ROUNDS:-5}
runtime=${RUNTIME:-5}

work=$(mktemp -d "${IMAGE_DIR:-/var/tmp}/aio-audit-bench.XXXXXX")
loop=""
floor_pid=""
cleanup() {
	[[ -n "$floor_pid" ]] && kill "$floor_pid" 2>/dev/null && wait "$floor_pid" 2>/dev/null
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

# The hooks trace will use, so that the floor is measured on the same ones.
hook_args=()
[[ -n "${SYSCALL_HOOKS:-}" ]] && hook_args=(--syscall-hooks "$SYSCALL_HOOKS")
hooks=$("$bin" trace --json -d 0.1 "${hook_args[@]}" | jq -r .syscall_hooks)

fio_cmd() { # file direct: the benchmark's fio command line
	echo "fio --name=bench --filename=$1 --size=256M --ioengine=libaio --rw=randread --bs=4k" \
		"--iodepth=32 --direct=$2 --runtime=$runtime --time_based --output-format=json"
}

# Layout both files once, outside the measurements.
fio --name=layout --filename="$shm" --size=256M --rw=write --bs=1M >/dev/null
fio --name=layout --filename="$work/xfs/data" --size=256M --rw=write --bs=1M --direct=1 >/dev/null

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# ns of overhead per request at rate `slow` against `fast` requests/s.
per_req_ns() { echo "(1 / $2 - 1 / $1) * 1000000000" | bc -l; }

printf 'aio-audit trace overhead: fio libaio randread 4k iodepth 32, %s rounds x %ss per run\n' "$rounds" "$runtime"
printf '(%s, %s CPUs, %s backend, %s syscall hooks)\n\n' "$(uname -r)" "$(nproc)" \
	"$("$bin" trace --json -d 0.1 | jq -r .backend)" "$hooks"
printf '%-12s %10s %10s %10s %7s %7s %9s %9s %8s %s\n' TARGET UNTRACED FLOOR TRACED FLOOR/U TRACED/U \
	FLOOR_NS TRACED_NS RSS LOST
best_rate=0
for target in tmpfs xfs-odirect; do
	case $target in
	tmpfs) file=$shm direct=0 ;;
	xfs-odirect) file=$work/xfs/data direct=1 ;;
	esac
	for f in plain floor traced rfloor rtraced rss lost; do : >"$work/$f"; done
	for _ in $(seq "$rounds"); do
		plain=$($(fio_cmd "$file" "$direct") | jq '.jobs[0].read.iops')

		"$floor_bin" "$hooks" >"$work/floor.out" &
		floor_pid=$!
		until [[ -s "$work/floor.out" ]]; do
			kill -0 "$floor_pid" 2>/dev/null || { echo "bench-trace: hook_floor failed" >&2; exit 1; }
			sleep 0.1
		done
		floor=$($(fio_cmd "$file" "$direct") | jq '.jobs[0].read.iops')
		kill "$floor_pid" && wait "$floor_pid"
		floor_pid=""

		# The tracer runs fio as its command; its own report goes to a file.
		/usr/bin/time -f '%M' -o "$work/time" "$bin" trace --json "${hook_args[@]}" -- \
			sh -c "$(fio_cmd "$file" "$direct") > '$work/fio.json'" >"$work/trace.json" 2>/dev/null
		traced=$(jq '.jobs[0].read.iops' "$work/fio.json")
		lost=$(jq '[.lost[]] | add' "$work/trace.json")
		reqs=$(jq '[.ops[] | select(.api == "libaio") | .requests] | add // 0' "$work/trace.json")
		[[ "$reqs" -gt 0 ]] || echo "warning: the traced run recorded no libaio requests" >&2

		echo "$plain" >>"$work/plain"
		echo "$floor" >>"$work/floor"
		echo "$traced" >>"$work/traced"
		echo "$floor / $plain" | bc -l >>"$work/rfloor"
		echo "$traced / $plain" | bc -l >>"$work/rtraced"
		tail -n 1 "$work/time" >>"$work/rss"
		echo "$lost" >>"$work/lost"
		if [[ "$lost" == 0 ]] && (($(echo "$traced > $best_rate" | bc -l))); then
			best_rate=$traced
		fi
	done
	plain=$(median <"$work/plain")
	floor=$(median <"$work/floor")
	traced=$(median <"$work/traced")
	rss=$(sort -n "$work/rss" | tail -n 1)
	lost=$(paste -sd+ "$work/lost" | bc)
	printf '%-12s %10.0f %10.0f %10.0f %7.3f %7.3f %9.0f %9.0f %6.1fMB %s\n' "$target" "$plain" "$floor" "$traced" \
		"$(median <"$work/rfloor")" "$(median <"$work/rtraced")" "$(per_req_ns "$plain" "$floor")" \
		"$(per_req_ns "$plain" "$traced")" "$(echo "$rss / 1024" | bc -l)" "$lost"
done
echo
printf 'highest op rate traced with nothing lost: %.0f requests/s\n\n' "$best_rate"
cat <<'EOF'
UNTRACED, FLOOR, TRACED: median IOPS. FLOOR: empty programs on the same syscall hooks
(tests/bench/hook_floor). FLOOR/U, TRACED/U: median of each round's ratio to its untraced
run (goal for TRACED/U >= 0.99). *_NS: added time per request, from the median IOPS.
RSS: the tracer's peak resident set (goal <= 50 MB). LOST: events not recorded, all rounds.
EOF
