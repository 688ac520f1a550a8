#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-build.sh [GENERATOR]: how long a build from a clean tree takes, a
# rebuild with no change, and a rebuild after touching one thin cli/*.cpp
# and cli/command.cpp (the one file that compiles CLI11), without ccache, in a
# scratch build directory (default generator: Ninja). Prints wall-clock and
# CPU seconds (user+sys): the wall-clock time depends on what else runs, the
# CPU time much less; on an idle machine with N cores, wall ~ CPU / N.
#
# The full build is what `cmake --build` builds with the default options
# (the tool, its BPF objects, man pages and completion: what a package
# installs); the test tiers are timed after it as `--target tests`.
# BENCH_BUILD_TESTS=OFF skips them.
#
# Then where the CPU of both went: every compile, link and custom command
# (BPF objects, skeletons, vmlinux.h, man pages, the fuzzer, the vm tier's
# kernel files) runs under a launcher that logs its CPU seconds, summed per
# kind and per source directory (the tool vs the test tiers), with the
# biggest steps of each kind. With Ninja, from its .ninja_log: the slowest
# steps that are not C++ compiles by wall-clock time, and how much of the
# full build's wall-clock time ran only one step (the cores it left idle).
# BENCH_BUILD_KEEP=DIR keeps the logs (full-build.log: CPU per step;
# full-build.ninja_log) in DIR.
set -euo pipefail

# Launcher: bench-build.sh --step KIND [NAME] -- COMMAND... runs COMMAND and
# appends "CPU-seconds KIND NAME" to $BENCH_BUILD_STEP_LOG, NAME relative to
# the build directory. A custom target without outputs has no NAME: its
# directory and command stand for it.
if [[ ${1:-} == --step ]]; then
	kind=$2 name=
	shift 2
	[[ $1 == -- ]] || { name=$1; shift; }
	shift
	[[ -n $name ]] || name=$(basename "$1")
	# Custom commands name their output relative to the directory they run in.
	[[ $name == /* ]] || name=$PWD/$name
	name=${name#"$BENCH_BUILD_DIR"/}
	times=$(mktemp)
	rc=0
	/usr/bin/time -f "%U %S" -o "$times" "$@" || rc=$?
	read -r user sys <"$times"
	rm -f "$times"
	echo "$(echo "$user + $sys" | bc) $kind $name" >>"$BENCH_BUILD_STEP_LOG"
	exit "$rc"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/scripts/bench-build.sh
generator=${1:-Ninja}
dir=$(mktemp -d /var/tmp/aio-audit-bench-build.XXXXXX)
keep=${BENCH_BUILD_KEEP:-}
trap '[[ -z $keep ]] || { mkdir -p "$keep" && cp "$dir"/full-build.* "$keep"/; }; rm -rf "$dir"' EXIT
export CCACHE_DISABLE=1
unset CMAKE_CXX_COMPILER_LAUNCHER CMAKE_C_COMPILER_LAUNCHER
export BENCH_BUILD_DIR=$dir/build BENCH_BUILD_STEP_LOG=$dir/steps.log
: >"$BENCH_BUILD_STEP_LOG"
# The launchers, injected without touching the project: RULE_LAUNCH_* wrap
# compiles, links and custom commands alike (C++ and C), with either generator.
cat >"$dir/launch.cmake" <<EOF
set_property(GLOBAL PROPERTY RULE_LAUNCH_COMPILE "$self --step compile <OBJECT> --")
set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "$self --step link <TARGET> --")
set_property(GLOBAL PROPERTY RULE_LAUNCH_CUSTOM "$self --step custom <OUTPUT> --")
EOF
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
tests=${BENCH_BUILD_TESTS:-ON}
case $tests in ON | OFF) ;; *) echo "BENCH_BUILD_TESTS: ON or OFF, not $tests" >&2; exit 2 ;; esac
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, generator $generator"
timed "configure" cmake -S "$top" -B "$BENCH_BUILD_DIR" -G "$generator" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_PROJECT_INCLUDE="$dir/launch.cmake"
timed "full build (cmake --build)" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)"
[[ ! -e $BENCH_BUILD_DIR/.ninja_log ]] || cp "$BENCH_BUILD_DIR/.ninja_log" "$dir/full-build.ninja_log"
rebuild=(all)
if [[ $tests == ON ]]; then
	timed "test tiers (--target tests)" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)" --target tests
	rebuild+=(tests)
fi
mv "$BENCH_BUILD_STEP_LOG" "$dir/full-build.log"
timed "no-op rebuild" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)" --target "${rebuild[@]}"
for file in cli/doctor.cpp cli/command.cpp; do
	[[ -e $top/$file ]] || continue
	touch "$top/$file"
	timed "rebuild after touching $file" cmake --build "$BENCH_BUILD_DIR" -j "$(nproc)" --target aio-audit
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

log=$dir/full-build.log
# The source directory a step belongs to: tests/<tier>, analyzers/<part>,
# cli, bpf, ...; generated docs (share/) and vmlinux.h are the tool's.
awk '
function where(name,   p, n) {
	n = split(name, p, "/")
	if (p[1] == "tests" || p[1] == "analyzers") return p[1] "/" p[2]
	if (p[1] == "share") return "cli"
	if (p[1] == "vmlinux") return "bpf"
	return n > 1 ? p[1] : "(top)"
}
{
	cpu[$2] += $1; n[$2]++; total += $1
	d = where($3); dcpu[d] += $1; dn[d]++
	part = d ~ /^tests/ ? "test tiers" : "tool"
	pcpu[part] += $1
}
END {
	printf "Steps of the builds above: %.1f s CPU; by kind:\n", total
	for (k in cpu) printf "  %-8s %4d steps %7.1f s\n", k, n[k], cpu[k]
	printf "By source directory (tool %.1f s, test tiers %.1f s):\n", pcpu["tool"], pcpu["test tiers"]
	for (d in dcpu) printf "  %7.1f s  %3d steps  %s\n", dcpu[d], dn[d], d | "sort -rn"
	close("sort -rn")
}' "$log"
for kind in compile link custom; do
	echo "The biggest ${kind} steps (CPU):"
	awk -v k="$kind" '$2 == k' "$log" | sort -rn | head -"$([[ $kind == compile ]] && echo 15 || echo 8)" |
		awk '{ printf "  %6.1f s  %s\n", $1, $3 }'
done

ninja_log=$dir/full-build.ninja_log
[[ -e $ninja_log ]] || exit 0
# .ninja_log v5: start end mtime output hash (ms, one line per output; an
# edge with several outputs repeats start, end and hash: counted once).
echo "Slowest steps that are not C++ compiles (wall-clock, from .ninja_log):"
awk -F'\t' 'NR > 1 && !seen[$1 FS $2 FS $5]++ && $4 !~ /\.o$/ { printf "  %6.1f s  %s\n", ($2 - $1) / 1000, $4 }' \
	"$ninja_log" | sort -rn | head -12
awk -F'\t' 'NR > 1 && !seen[$1 FS $2 FS $5]++ { print $1, 1; print $2, -1 }' "$ninja_log" | sort -n -k1,1 -k2,2n |
	awk '{ if (have) { span = $1 - last; if (running == 1) one += span; if (running >= 2) many += span }
	       running += $2; last = $1; have = 1 }
	     END { printf "Wall-clock time with one step running: %.1f s; with two or more: %.1f s\n", one / 1000, many / 1000 }'
