#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The scanner and the diff reader (the libFuzzer target fuzz_scan, ASan and
# UBSan on) over a real kernel tree, then mutations of it, then random bytes.
# Any crash, sanitizer report or input taking over TIMEOUT seconds fails.
#
#   fuzz_tree.sh FUZZER              ctest scan_fuzz_tree (host tier): every
#                                    .c/.h file that mentions file_operations
#                                    (what scan lexes), 45 s of mutations of
#                                    every 16th of them, 15 s of random bytes
#   FUZZ_ALL=1 MUTATE=600 RANDOM_S=300 fuzz_tree.sh FUZZER
#                                    the long run docs/scan.md reports: every
#                                    .c/.h file of the tree
#
# The tree is Debian's linux-source-6.12, unpacked once into the cache that
# tests/scan-eval and check_git_history share (same lock and stamp).
set -uo pipefail
fuzzer=$(realpath "$1")
all=${FUZZ_ALL:-0}
mutate=${MUTATE:-45}
random_s=${RANDOM_S:-15}
timeout=${TIMEOUT:-120}
jobs=${JOBS:-$(nproc)}

cache=${AIO_AUDIT_SRC_CACHE:-/var/tmp/aio-audit-src}
# shellcheck source=linux-source.sh
source "$(dirname "$0")/linux-source.sh"
unpack_linux_source fuzz_tree
exec 9>&-

work=$(mktemp -d "$cache/.fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$tree" || exit 1
if ((all)); then
	find . -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z >"$work/files"
else
	grep -rlZ --include='*.c' --include='*.h' file_operations . | sort -z >"$work/files"
fi
count=$(tr -cd '\0' <"$work/files" | wc -c)
bytes=$(xargs -0 stat -c %s <"$work/files" | awk '{s += $1} END {print s}')
started=$(date +%s)

# 1. Every file once, each as it is (libFuzzer runs file arguments once).
# Its largest headers are 24 MB: -max_len covers them whole.
status=0
xargs -0 -P "$jobs" -n 200 "$fuzzer" -max_len=33554432 -timeout="$timeout" -rss_limit_mb=4096 \
	-artifact_prefix="$work/" <"$work/files" >"$work/pass.log" 2>&1 || status=$?
if ((status != 0)) || grep -qE 'ERROR: AddressSanitizer|runtime error|deadly signal|ALARM|ERROR: libFuzzer' "$work/pass.log"; then
	grep -B2 -A30 -E 'ERROR: AddressSanitizer|runtime error|deadly signal|ALARM|ERROR: libFuzzer' "$work/pass.log" | head -80 >&2
	echo "fuzz_tree: FAILED on the tree's files (log: kept in $work.log)" >&2
	cp "$work/pass.log" "$work.log"
	exit 1
fi
executed=$(grep -c '^Executed ' "$work/pass.log")
passed_at=$(date +%s)

# 2. Mutations, seeded with the files that declare file_operations (every
# SAMPLE-th of them, cut at 128 KiB: libFuzzer runs every seed before it
# mutates, at about 1 MB/s with the sanitizers, and must have time left).
sample=${SAMPLE:-$((all ? 4 : 16))}
mkdir -p "$work/seeds" "$work/corpus" "$work/empty"
xargs -0 grep -lZ file_operations <"$work/files" >"$work/fops_files"
i=0
while IFS= read -r -d '' f; do
	if ((i % sample == 0)); then
		ln "$f" "$work/seeds/$i" 2>/dev/null || cp "$f" "$work/seeds/$i"
	fi
	i=$((i + 1))
done <"$work/fops_files"
run_fuzz() { # LOG SECONDS DIRS...
	local log=$1 secs=$2
	shift 2
	"$fuzzer" -max_total_time="$secs" -max_len=131072 -timeout="$timeout" -rss_limit_mb=4096 \
		-artifact_prefix="$work/" -print_final_stats=1 "$@" >"$log" 2>&1
}
if ! run_fuzz "$work/mutate.log" "$mutate" "$work/corpus" "$work/seeds"; then
	tail -60 "$work/mutate.log" >&2
	echo "fuzz_tree: FAILED while mutating the tree's files" >&2
	exit 1
fi
# 3. Random bytes: no seed at all.
if ! run_fuzz "$work/random.log" "$random_s" "$work/empty"; then
	tail -60 "$work/random.log" >&2
	echo "fuzz_tree: FAILED on random bytes" >&2
	exit 1
fi
runs() { grep -o 'stat::number_of_executed_units: *[0-9]*' "$1" | grep -o '[0-9]*$'; }
echo "fuzz_tree: $executed of $count files ($((bytes / 1000000)) MB) clean in $((passed_at - started)) s;" \
	"$(runs "$work/mutate.log") mutations in ${mutate} s and $(runs "$work/random.log") random inputs in" \
	"${random_s} s clean ($jobs jobs)"
echo "3 passed, 0 failed"
