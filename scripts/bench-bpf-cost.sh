#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What `aio-audit trace`'s BPF programs cost per request, by the kernel's own
# accounting (kernel.bpf_stats_enabled=1: run_time_ns and run_cnt of each
# program): CPU time in the programs, not IOPS, so a loaded machine changes
# it little. The workload is bench-trace.sh's tmpfs one (fio libaio 4k random
# reads, iodepth 32), traced as a command; the programs' counters are read
# while fio has ended and the trace has not. Prints per program its runs and
# ns per run, then the programs' total ns per request (requests submitted,
# followed or not: with --sample N, from the report's sampling totals). Each
# round then measures the floor the same way: hook_floor's empty programs on
# the same syscall hooks (tests/bench/hook_floor, next to BIN in its build
# tree), whose run time is what the kernel's accounting charges any program
# there, so "above the floor" is the tracer's own work.
# Needs root. Builds nothing: BIN names the aio-audit to measure.
#
# BINS="old=PATH new=PATH ..." measures several builds instead, one after the
# other in each round, in an order that rotates from round to round, and
# ends with each build's median per program over the rounds: how a change
# to the BPF side is priced (docs/trace.md), since a single run here varies
# by +-15 % and only alternation tells two builds apart.
#
#   scripts/bench-bpf-cost.sh    BIN=build/aio-audit ROUNDS=3 RUNTIME=5
#                                BINS="name=path ..." (several builds, alternated)
#                                TRACE_ARGS="--syscall-hooks raw" (extra trace options)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/build/aio-audit}
rounds=${ROUNDS:-3}
runtime=${RUNTIME:-5}
((EUID == 0)) || { echo "bench-bpf-cost: needs root" >&2; exit 3; }
for t in fio bpftool jq; do
	command -v "$t" >/dev/null || { echo "bench-bpf-cost: needs $t (scripts/install-deps.sh bench)" >&2; exit 3; }
done

builds=("aio-audit=$bin")
[[ -n ${BINS:-} ]] && read -ra builds <<<"$BINS"
for b in "${builds[@]}"; do
	[[ $b =~ ^[A-Za-z0-9._-]+=. ]] || { echo "bench-bpf-cost: BINS entry '$b' is not NAME=PATH (NAME: letters, digits, . _ -)" >&2; exit 2; }
	[[ -x ${b#*=} ]] || { echo "bench-bpf-cost: ${b#*=}: not an executable (build it, or fix BINS/BIN)" >&2; exit 2; }
done
bin=${builds[0]#*=}

floor_bin=${FLOOR_BIN:-$(dirname "$bin")/tests/bench/hook_floor}
floor_mode=raw
[[ ${TRACE_ARGS:-} == *"--syscall-hooks event"* ]] && floor_mode=event

work=$(mktemp -d "${TMPDIR:-/var/tmp}/aio-audit-bpfcost.XXXXXX")
shm=/dev/shm/aio-audit-bpfcost.$$
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -rf "$work" "$shm"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1
fio --name=layout --filename="$shm" --size=256M --rw=write --bs=1M >/dev/null

# One traced run of build $1 (binary $2) in round $3: per program ns per
# request, printed and kept in $work/results.tsv.
measure() {
	local name=$1 build=$2 r=$3
	local out=$work/trace.$name.$r.json snap=$work/progs.$name.$r.json max_id tracer reqs
	max_id=$(bpftool prog show --json | jq '[.[].id] | max // 0')
	# The sleep after fio: a window in which every request has been counted
	# and the programs are still loaded.
	# shellcheck disable=SC2086
	"$build" trace --json -o "$out" ${TRACE_ARGS:-} -- sh -c \
		"fio --name=bench --filename=$shm --size=256M --ioengine=libaio --rw=randread --bs=4k \
		--iodepth=32 --direct=0 --runtime=$runtime --time_based --group_reporting >/dev/null; sleep 2" \
		2>/dev/null &
	tracer=$!
	# The tracer's programs: loaded after it started (ids above max_id), from
	# one object (one BTF id) that has its io_submit exit hook.
	while kill -0 "$tracer" 2>/dev/null; do
		bpftool prog show --json 2>/dev/null |
			jq --argjson min "$max_id" '[.[] | select(.id > $min)] as $new
				| ([$new[] | select(.name | test("^(io_submit_exit|sys_exit_btf|fexit_sys_io_submit)$")) | .btf_id] | min) as $btf
				| [$new[] | select($btf != null and .btf_id == $btf) | {name, run_cnt: (.run_cnt // 0), run_time_ns: (.run_time_ns // 0)}]' \
				>"$snap.new" && [[ $(jq length "$snap.new") -gt 0 ]] && mv "$snap.new" "$snap"
		sleep 0.5
	done
	wait "$tracer" || { echo "bench-bpf-cost: $name: trace exited $?" >&2; exit 1; }
	# Every request submitted, followed or not (--sample N counts them all).
	reqs=$(jq '.sampling.io_submit_iocbs // ([.ops[] | select(.api == "libaio") | .requests] | add) // 0' "$out")
	if [[ $reqs == 0 ]]; then
		echo "bench-bpf-cost: $name, round $r: the trace counted no requests (its report has no libaio op and no sampling totals): nothing to divide by" >&2
		exit 1
	fi
	echo "round $r, $name: $reqs requests submitted ($(jq -r .backend "$out") backend, syscall hooks $(jq -r '.syscall_hooks // "?"' "$out"))"
	jq -r --argjson n "$reqs" '
		(.[] | select(.run_cnt > 0) | "  \(.name): \(.run_cnt) runs, \(.run_time_ns / .run_cnt | floor) ns/run, \(.run_time_ns / $n | . * 10 | floor / 10) ns/request"),
		"  all programs: \(([.[].run_time_ns] | add) / $n | . * 10 | floor / 10) ns per request"' "$snap"
	jq -r --arg b "$name" --argjson n "$reqs" '
		(.[] | select(.run_cnt > 0) | "\($b)\t\(.name)\t\(.run_time_ns / $n)"),
		"\($b)\tall programs\t\(([.[].run_time_ns] | add) / $n)"' "$snap" >>"$work/results.tsv"
	traced_ns=$(jq '[.[].run_time_ns] | add' "$snap")
	traced_reqs=$reqs
}

for ((r = 1; r <= rounds; r++)); do
	for ((k = 0; k < ${#builds[@]}; k++)); do
		b=${builds[$(((k + r - 1) % ${#builds[@]}))]}
		measure "${b%%=*}" "${b#*=}" "$r"
	done
	[[ -x $floor_bin ]] || continue
	"$floor_bin" "$floor_mode" >"$work/floor.out" &
	floor_pid=$!
	until grep -q attached "$work/floor.out" 2>/dev/null; do
		kill -0 "$floor_pid" 2>/dev/null || { echo "bench-bpf-cost: hook_floor failed" >&2; exit 1; }
		sleep 0.1
	done
	fio --name=bench --filename="$shm" --size=256M --ioengine=libaio --rw=randread --bs=4k \
		--iodepth=32 --direct=0 --runtime="$runtime" --time_based --group_reporting \
		--output-format=json >"$work/fio.$r.json"
	floor_ns=$(bpftool prog show --json | jq '[.[] | select(.name | startswith("floor_")) | .run_time_ns // 0] | add')
	kill "$floor_pid"
	wait "$floor_pid" || true
	floor_reqs=$(jq '.jobs[0].read.total_ios' "$work/fio.$r.json")
	printf 'floor\tall programs\t%s\n' "$(awk -v ns="$floor_ns" -v n="$floor_reqs" 'BEGIN { print ns / n }')" \
		>>"$work/results.tsv"
	# Against the last build measured in this round.
	echo "$floor_ns $floor_reqs $traced_ns $traced_reqs" | awk -v mode="$floor_mode" -v b="${b%%=*}" '{
		f = $1 / $2; t = $3 / $4
		printf "  floor (hook_floor %s, %d requests): %.1f ns per request; %s above it: %.1f ns per request\n", mode, $2, f, b, t - f }'
done

# Several builds: each one's median over the rounds, per program.
if ((${#builds[@]} > 1)); then
	echo
	echo "medians over $rounds rounds, ns per request submitted:"
	sort -t $'\t' -k1,1 -k2,2 -k3,3g "$work/results.tsv" | awk -F '\t' '
		function flush() { if (n) printf "  %-12s %-24s %8.1f  (%d rounds)\n", key1, key2, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), n }
		$1 != key1 || $2 != key2 { flush(); key1 = $1; key2 = $2; n = 0 }
		{ v[++n] = $3 }
		END { flush() }'
fi
