#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench_hooks_test.sh BUILD_DIR: the benchmarks' programs (tests/bench:
# hook_floor, hook_work) pass this kernel's verifier and attach, so that
# scripts/bench-trace.sh and scripts/bench-hook-work.sh measure what they
# say; hook_work refuses a kind it does not know. Host tier: root, raw
# syscall tracepoints.
set -euo pipefail
bench=$1/tests/bench
skip() { echo "[  SKIPPED ] $*"; exit 0; }
((EUID == 0)) || skip "needs root"
[[ -r /sys/kernel/btf/vmlinux ]] || skip "no /sys/kernel/btf/vmlinux"
out=$(mktemp /var/tmp/aio-audit-benchhooks.XXXXXX)
trap 'rm -f "$out"' EXIT

attaches() { # cmd...: attaches within 20 s and stops on SIGTERM
	"$@" >"$out" 2>&1 &
	local pid=$! i
	for ((i = 0; i < 200; i++)); do
		grep -q attached "$out" && break
		kill -0 "$pid" 2>/dev/null || { cat "$out"; echo "FAIL: $* exited before attaching"; exit 1; }
		sleep 0.1
	done
	grep -q attached "$out" || { kill "$pid"; echo "FAIL: $* did not attach in 20 s"; exit 1; }
	kill -TERM "$pid"
	wait "$pid" || { echo "FAIL: $* did not stop cleanly on SIGTERM"; exit 1; }
	echo "ok: $*"
}

attaches "$bench/hook_floor" raw
for kinds in all count user,file,clock,tail,posted task stats; do
	attaches "$bench/hook_work" "$kinds"
done
rc=0
"$bench/hook_work" user,bogus >"$out" 2>&1 || rc=$?
if [[ $rc != 2 ]] || ! grep -q "unknown kind 'bogus'" "$out"; then
	cat "$out"
	echo "FAIL: hook_work user,bogus: want exit 2 and the kind named, got $rc"
	exit 1
fi
echo "ok: an unknown kind is refused"
