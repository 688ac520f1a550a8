#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The price, per request, of each kind of work `aio-audit trace` does for a
# request it follows, on this kernel: tests/bench/hook_work runs one kind (or
# all of them: the least a tracer that reports what exact mode reports can
# do) at io_submit's entry and exit on the raw sys_enter/sys_exit hooks, and
# is priced against hook_floor's empty programs on the same hooks, in the
# same run. The workload is bench-trace.sh's tmpfs one (fio libaio 4k random
# reads, iodepth 32). Two measures each: the programs' run time per request
# (kernel.bpf_stats_enabled) above the floor's, and fio's IOPS over the
# floor's (medians over the rounds; each round runs every variant once, in
# turn). Needs root. Builds nothing.
#
#   scripts/bench-hook-work.sh   BUILD=build ROUNDS=3 RUNTIME=5
#                                KINDS="user file clock task tail posted stats all"
#
# A kind: user (the iocb's pointer, opcode and fd: two user reads), file (the
# fd's file, inode, f_op and flags), clock (the time at entry and exit), task
# (a hash lookup of the thread's state at entry and exit), tail (a kernel read
# at entry and exit), posted (a user read at exit), stats (the op's
# statistics and evidence: two per-CPU hash lookups, five atomic adds);
# count (--sample N's count of a call it does not follow, and nothing else:
# not part of "all"); task-storage (the thread's state in task-local storage
# instead of task's hash: not part of "all"; "all,task-storage" is all with it).
# Several at once: comma-separated (user,file).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
rounds=${ROUNDS:-3}
runtime=${RUNTIME:-5}
read -r -a kinds <<<"${KINDS:-user file clock task tail posted stats all}"
((EUID == 0)) || { echo "bench-hook-work: needs root" >&2; exit 3; }
for t in fio bpftool jq; do
	command -v "$t" >/dev/null || { echo "bench-hook-work: needs $t (scripts/install-deps.sh bench)" >&2; exit 3; }
done
floor_bin=$build/tests/bench/hook_floor
work_bin=$build/tests/bench/hook_work
for b in "$floor_bin" "$work_bin"; do
	[[ -x $b ]] || { echo "bench-hook-work: no $b (cmake --build $build --target tests)" >&2; exit 3; }
done
# Unknown kinds are refused before any round runs (hook_work says which).
for k in "${kinds[@]}"; do
	"$work_bin" --check "$k" || { echo "bench-hook-work: unknown kind '$k'" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/aio-audit-hookwork.XXXXXX")
shm=/dev/shm/aio-audit-hookwork.$$
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
hook_pid=
cleanup() {
	[[ -n $hook_pid ]] && kill "$hook_pid" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -rf "$work" "$shm"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1
fio --name=layout --filename="$shm" --size=256M --rw=write --bs=1M >/dev/null

# run VARIANT ROUND: fio under the variant's hook; prints "IOPS NS_PER_REQUEST".
run() {
	local v=$1 r=$2 out=$work/hook.out prefix
	if [[ $v == floor ]]; then
		"$floor_bin" raw >"$out" &
		prefix=floor_
	else
		"$work_bin" "$v" >"$out" &
		prefix=work_
	fi
	hook_pid=$!
	until grep -q attached "$out" 2>/dev/null; do
		kill -0 "$hook_pid" 2>/dev/null || { echo "bench-hook-work: $v: hook failed" >&2; exit 1; }
		sleep 0.1
	done
	fio --name=bench --filename="$shm" --size=256M --ioengine=libaio --rw=randread --bs=4k \
		--iodepth=32 --direct=0 --runtime="$runtime" --time_based --group_reporting \
		--output-format=json >"$work/fio.json"
	local ns
	ns=$(bpftool prog show --json | jq --arg p "$prefix" '[.[] | select(.name | startswith($p)) | .run_time_ns // 0] | add // 0')
	kill "$hook_pid"
	wait "$hook_pid" || true
	hook_pid=
	jq -r --argjson ns "$ns" '.jobs[0].read | "\(.iops) \($ns / .total_ios)"' "$work/fio.json" >"$work/$v.$r"
}

variants=(floor "${kinds[@]}")
for ((r = 1; r <= rounds; r++)); do
	for v in "${variants[@]}"; do
		run "$v" "$r"
	done
	printf "round %d:" "$r"
	for v in "${variants[@]}"; do
		read -r iops ns <"$work/$v.$r"
		printf " %s %.0f IOPS %.0f ns/req;" "$v" "$iops" "$ns"
	done
	echo
done

# Medians over the rounds of each variant's ns per request above the floor's
# and its IOPS over the floor's, each round against its own floor.
echo
echo "| work at each io_submit | programs, ns per request | above the floor | IOPS / floor |"
echo "| --- | --- | --- | --- |"
for v in "${variants[@]}"; do
	for ((r = 1; r <= rounds; r++)); do
		read -r floor_iops floor_ns <"$work/floor.$r"
		read -r v_iops v_ns <"$work/$v.$r"
		echo "$v_ns $(awk -v a="$v_ns" -v b="$floor_ns" 'BEGIN { print a - b }') $(awk -v a="$v_iops" -v b="$floor_iops" 'BEGIN { print a / b }')"
	done >"$work/$v.rows"
	median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
	ns=$(cut -d' ' -f1 "$work/$v.rows" | median)
	above=$(cut -d' ' -f2 "$work/$v.rows" | median)
	ratio=$(cut -d' ' -f3 "$work/$v.rows" | median)
	printf "| %s | %.0f | %.0f | %.3f |\n" "$v" "$ns" "$above" "$ratio"
done
