#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-build.sh [GENERATOR]: how long a build from a clean tree takes, and a
# rebuild after touching one cli/*.cpp, without ccache, in a scratch build
# directory (default generator: Ninja). Prints wall-clock and CPU seconds
# (user+sys): the wall-clock time depends on what else runs, the CPU time
# much less; on an idle machine with N cores, wall ~ CPU / N.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
generator=${1:-Ninja}
dir=$(mktemp -d /var/tmp/aio-audit-bench-build.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export CCACHE_DISABLE=1
unset CMAKE_CXX_COMPILER_LAUNCHER CMAKE_C_COMPILER_LAUNCHER
timed() {
	local what=$1
	shift
	/usr/bin/time -f "$what: %e s wall, %U s user + %S s sys" "$@" >/dev/null 2>"$dir/time.err" ||
		{ cat "$dir/time.err" >&2; exit 1; }
	tail -1 "$dir/time.err"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, generator $generator"
timed configure cmake -S "$top" -B "$dir" -G "$generator" -DCMAKE_BUILD_TYPE=RelWithDebInfo
timed "full build" cmake --build "$dir" -j "$(nproc)"
timed "no-op rebuild" cmake --build "$dir" -j "$(nproc)"
touch "$top/cli/doctor.cpp"
timed "rebuild after touching cli/doctor.cpp" cmake --build "$dir" -j "$(nproc)" --target aio-audit
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
