#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Overhead of `aio-audit trace`: fio libaio 4k random reads at iodepth 32 on
# tmpfs and on an O_DIRECT file on loop-backed XFS. Each round runs fio once
# per mode, in an order that rotates from round to round: untraced; under
# hook_floor (empty programs on the same syscall hooks: what the kernel
# charges for any hook at all); traced (every request); traced with
# `--sample $SAMPLE` when SAMPLE is set; under tests/bench/io_submit_offcpu.bt
# (the bpftrace script a user would write instead: io_submit latency and
# sleep stacks) when bpftrace is installed. Prints per target and mode the
# median IOPS, the median of the rounds' ratios to the same round's floor
# and untraced runs, the tracer's peak RSS and the events it lost; when both
# ran, the traced modes against the bpftrace script, round by round; then
# the highest op rate traced with nothing lost. Needs root.
#
#   scripts/bench-trace.sh      ROUNDS=9 RUNTIME=5 BUILD_DIR=build TARGETS="tmpfs xfs-odirect"
#                               SAMPLE=N (also run trace --sample N)
#                               MODES="traced sampled bpftrace" (which of these to run)
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
rounds=${ROUNDS:-9}
runtime=${RUNTIME:-5}

work=$(mktemp -d "${IMAGE_DIR:-/var/tmp}/aio-audit-bench.XXXXXX")
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

# The hooks trace will use, so that the floor is measured on the same ones.
hook_args=()
[[ -n "${SYSCALL_HOOKS:-}" ]] && hook_args=(--syscall-hooks "$SYSCALL_HOOKS")
hooks=$("$bin" trace --json -d 0.1 "${hook_args[@]}" | jq -r .syscall_hooks)

fio_args() { # file direct: the benchmark's fio arguments, into the array args
	args=(--name=bench "--filename=$1" --size=256M --ioengine=libaio --rw=randread --bs=4k
		--iodepth=32 "--direct=$2" "--runtime=$runtime" --time_based --output-format=json)
}

# Layout both files once, outside the measurements.
fio --name=layout --filename="$shm" --size=256M --rw=write --bs=1M >/dev/null
fio --name=layout --filename="$work/xfs/data" --size=256M --rw=write --bs=1M --direct=1 >/dev/null

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# A 95 % confidence interval of the median, distribution-free: the order
# statistics x(l) and x(n+1-l), with l the largest rank for which a
# Binomial(n, 1/2) falls below l with probability <= 2.5 %. Needs 6 rounds.
median_ci() {
	sort -g | awk '{a[NR] = $1} END {
		n = NR; p = 0.5 ^ n; cdf = 0; l = 0
		for (j = 0; j < n; j++) { cdf += p; if (cdf > 0.025) break; l = j + 1; p = p * (n - j) / (j + 1) }
		if (l < 1) print "-"; else printf "%.3f-%.3f\n", a[l], a[n + 1 - l] }'
}
# ns of overhead per request at rate `slow` against `fast` requests/s.
per_req_ns() { echo "(1 / $2 - 1 / $1) * 1000000000" | bc -l; }

modes=(plain floor traced)
[[ -n "${SAMPLE:-}" ]] && modes+=(sampled)
command -v bpftrace >/dev/null && modes+=(bpftrace)
# MODES: a subset, in this order (plain and floor are always run: the ratios
# are to them).
if [[ -n "${MODES:-}" ]]; then
	picked=(plain floor)
	for m in traced sampled bpftrace; do
		[[ " $MODES " == *" $m "* ]] && picked+=("$m")
	done
	[[ " ${picked[*]} " == *" sampled "* && -z "${SAMPLE:-}" ]] && { echo "bench-trace: MODES has sampled: set SAMPLE" >&2; exit 2; }
	modes=("${picked[@]}")
fi

bt_script=$top/tests/bench/io_submit_offcpu.bt
bt_probes=$(grep -c '^tracepoint:' "$bt_script")
# Tracepoint programs the background process has attached so far.
attached_tracepoints() { bpftool perf show --json | jq --argjson p "$bg_pid" '[.[] | select(.pid == $p and .fd_type == "tracepoint")] | length'; }

# Runs fio under a background hook (hook_floor, bpftrace) once it has
# attached: hook_floor prints its marker when it has; bpftrace prints
# "Attaching" before it loads and attaches its programs (0.2-0.5 s here, a
# tenth of a 3 s run untraced), so for it wait for its tracepoints as well.
# A hook that has not attached within attach_limit seconds is an error: a
# bpftrace that attached some other way would otherwise be waited for forever.
attach_limit=60
with_background() { # marker tracepoints file direct cmd...
	# bg_pid is local: attached_tracepoints sees it; run_mode's subshell
	# keeps it from the EXIT trap anyway, so the errors below kill it.
	local marker=$1 tracepoints=$2 file=$3 direct=$4 since=$SECONDS bg_pid
	shift 4
	"$@" >"$work/bg.out" 2>"$work/bg.err" &
	bg_pid=$!
	until grep -q "$marker" "$work/bg.out" 2>/dev/null && (($(attached_tracepoints) >= tracepoints)); do
		kill -0 "$bg_pid" 2>/dev/null || { echo "bench-trace: $1 failed: $(cat "$work/bg.err")" >&2; exit 1; }
		if ((SECONDS - since > attach_limit)); then
			printf 'bench-trace: %s did not attach within %ss (printed "%s": %s; tracepoints of pid %s: %s of %s)\n' \
				"$1" "$attach_limit" "$marker" "$(grep -q "$marker" "$work/bg.out" && echo yes || echo no)" \
				"$bg_pid" "$(attached_tracepoints)" "$tracepoints" >&2
			kill "$bg_pid"
			exit 1
		fi
		sleep 0.05
	done
	fio_args "$file" "$direct"
	fio "${args[@]}" | jq '.jobs[0].read.iops'
	if kill -INT "$bg_pid"; then wait "$bg_pid" || true; fi
}

# One fio run in `mode`; prints its IOPS. Traced runs leave the tracer's
# report in $work/trace.json and its peak RSS (KiB) in $work/time.
run_mode() { # mode file direct
	local mode=$1 file=$2 direct=$3 extra=()
	case $mode in
	plain)
		fio_args "$file" "$direct"
		fio "${args[@]}" | jq '.jobs[0].read.iops'
		;;
	floor) with_background attached 0 "$file" "$direct" "$floor_bin" "$hooks" ;;
	bpftrace) with_background Attaching "$bt_probes" "$file" "$direct" bpftrace -B line "$bt_script" ;;
	traced | sampled)
		[[ $mode == sampled ]] && extra=(--sample "$SAMPLE")
		# The tracer runs fio as its command; its own report goes to a file.
		fio_args "$file" "$direct"
		# shellcheck disable=SC2016 # $0 and $@ are the inner shell's
		/usr/bin/time -f '%M' -o "$work/time" "$bin" trace --json "${hook_args[@]}" "${extra[@]}" -- \
			sh -c 'exec "$@" >"$0"' "$work/fio.json" fio "${args[@]}" >"$work/trace.json" 2>/dev/null
		jq '.jobs[0].read.iops' "$work/fio.json"
		;;
	esac
}

printf 'aio-audit trace overhead: fio libaio randread 4k iodepth 32, %s rounds x %ss per run\n' "$rounds" "$runtime"
printf '(%s, %s CPUs, %s backend, %s syscall hooks; modes %s, rotating)\n\n' "$(uname -r)" "$(nproc)" \
	"$("$bin" trace --json -d 0.1 | jq -r .backend)" "$hooks" "${modes[*]}"
printf '%-12s %-9s %10s %8s %13s %9s %7s %8s %s\n' TARGET MODE IOPS /FLOOR '(95% CI)' /UNTRACED NS/REQ RSS LOST
best_rate=0
for target in ${TARGETS:-tmpfs xfs-odirect}; do
	case $target in
	tmpfs) file=$shm direct=0 ;;
	xfs-odirect) file=$work/xfs/data direct=1 ;;
	esac
	for m in "${modes[@]}"; do
		for f in iops rfloor rplain rbpftrace rss lost; do : >"$work/$f.$m"; done
	done
	for r in $(seq 0 $((rounds - 1))); do
		declare -A iops=()
		for k in $(seq 0 $((${#modes[@]} - 1))); do
			m=${modes[$(((r + k) % ${#modes[@]}))]}
			iops[$m]=$(run_mode "$m" "$file" "$direct")
			if [[ $m == traced || $m == sampled ]]; then
				lost=$(jq '[.lost[]] | add' "$work/trace.json")
				reqs=$(jq '[.ops[] | select(.api == "libaio") | .requests] | add // 0' "$work/trace.json")
				[[ "$reqs" -gt 0 ]] || echo "warning: the $m run recorded no libaio requests" >&2
				tail -n 1 "$work/time" >>"$work/rss.$m"
				echo "$lost" >>"$work/lost.$m"
				if [[ "$lost" == 0 ]] && (($(echo "${iops[$m]} > $best_rate" | bc -l))); then
					best_rate=${iops[$m]}
				fi
			fi
		done
		for m in "${modes[@]}"; do
			echo "${iops[$m]}" >>"$work/iops.$m"
			echo "${iops[$m]} / ${iops[floor]}" | bc -l >>"$work/rfloor.$m"
			echo "${iops[$m]} / ${iops[plain]}" | bc -l >>"$work/rplain.$m"
			if [[ -n "${iops[bpftrace]:-}" && ($m == traced || $m == sampled) ]]; then
				echo "${iops[$m]} / ${iops[bpftrace]}" | bc -l >>"$work/rbpftrace.$m"
			fi
		done
		unset iops
	done
	plain=$(median <"$work/iops.plain")
	for m in "${modes[@]}"; do
		med=$(median <"$work/iops.$m")
		rss=- lost=-
		if [[ -s "$work/rss.$m" ]]; then
			rss=$(printf '%.1fMB' "$(echo "$(sort -n "$work/rss.$m" | tail -n 1) / 1024" | bc -l)")
			lost=$(paste -sd+ "$work/lost.$m" | bc)
		fi
		printf '%-12s %-9s %10.0f %8.3f %13s %9.3f %7.0f %8s %s\n' "$target" "$m" "$med" \
			"$(median <"$work/rfloor.$m")" "$(median_ci <"$work/rfloor.$m")" "$(median <"$work/rplain.$m")" \
			"$(per_req_ns "$plain" "$med")" "$rss" "$lost"
	done
	# Paired in each round, the comparison cancels the drift that both
	# runs' ratios to the floor carry.
	for m in traced sampled; do
		[[ -s "$work/rbpftrace.$m" ]] || continue
		printf '%-12s %-9s %10s %8.3f %13s  (IOPS over the bpftrace script'"'"'s, same round)\n' "$target" "$m" vs-bt \
			"$(median <"$work/rbpftrace.$m")" "$(median_ci <"$work/rbpftrace.$m")"
	done
done
echo
printf 'highest op rate traced with nothing lost: %.0f requests/s\n\n' "$best_rate"
cat <<'EOF'
IOPS: median of the rounds. /FLOOR, /UNTRACED: median of each round's ratio to that round's
hook_floor and untraced runs (goals: traced >= 0.95 of the floor, sampled >= 0.99); (95% CI):
where the median ratio to the floor lies with 95 % confidence (order statistics; 6 rounds or
more): a goal is shown met only when the whole interval is at or above it. NS/REQ:
added time per request against untraced, from the median IOPS. RSS: the tracer's peak
resident set (goal <= 50 MB). LOST: events the tracer did not record, all rounds.
vs-bt: median of each round's traced IOPS over the bpftrace script's (goal: exact mode ahead,
the whole interval above 1).
EOF
