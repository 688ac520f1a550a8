#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-build.sh [GENERATOR]: how long a build from a clean tree takes, a
# rebuild with no change, and a rebuild after touching one thin cli/*.cpp
# and cli/command.cpp (the one file that compiles CLI11), without ccache, in a
# scratch build directory (default generator: Ninja). Prints wall-clock and
# CPU seconds (user+sys): the wall-clock time depends on what else runs, the
# CPU time much less; on an idle machine with N cores, wall ~ CPU / N. Then
# the translation units that took the most CPU in the full build.
set -euo pipefail

# Compiler launcher for the full build: one "CPU-seconds object" line per
# compile into $BENCH_BUILD_TU_LOG.
if [[ ${1:-} == --compile ]]; then
	shift
	out=? prev=
	for arg in "$@"; do
		[[ $prev == -o ]] && out=$arg
		prev=$arg
	done
	times=$(mktemp)
	rc=0
	/usr/bin/time -f "%U %S" -o "$times" "$@" || rc=$?
	read -r user sys <"$times"
	rm -f "$times"
	echo "$(echo "$user + $sys" | bc) ${out#"$BENCH_BUILD_DIR"/}" >>"$BENCH_BUILD_TU_LOG"
	exit "$rc"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
generator=${1:-Ninja}
dir=$(mktemp -d /var/tmp/aio-audit-bench-build.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export CCACHE_DISABLE=1
unset CMAKE_CXX_COMPILER_LAUNCHER CMAKE_C_COMPILER_LAUNCHER
export BENCH_BUILD_DIR=$dir/build BENCH_BUILD_TU_LOG=$dir/tu.log
: >"$BENCH_BUILD_TU_LOG"
timed() {
	local what=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$dir/time" "$@" >/dev/null 2>"$dir/err" ||
		{ cat "$dir/err" >&2; exit 1; }
	local wall user sys
	read -r wall user sys <"$dir/time"
	printf '%-44s %7.1f s CPU (%s user + %s sys), %s s wall\n' "$what:" \
		"$(echo "$user + $sys" | bc)" "$user" "$sys" "$wall"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, generator $generator"
# The launcher only wraps C++ compiles: the BPF objects are custom commands.
timed configure cmake -S "$top" -B "$BENCH_BUILD_DIR" -G "$generator" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_CXX_COMPILER_LAUNCHER="$top/scripts/bench-build.sh;--compile"
timed "full build" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)"
mv "$BENCH_BUILD_TU_LOG" "$dir/full-build.log"
timed "no-op rebuild" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)"
for file in cli/doctor.cpp cli/command.cpp; do
	[[ -e $top/$file ]] || continue
	touch "$top/$file"
	timed "rebuild after touching $file" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)" --target aio-audit
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '{ n++; s += $1 } END { printf "C++ compiles in the full build: %d files, %.1f s CPU; the biggest:\n", n, s }' \
	"$dir/full-build.log"
sort -rn "$dir/full-build.log" | head -15 | awk '{ printf "  %6.1f s  %s\n", $1, $2 }'
