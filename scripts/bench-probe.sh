#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Time-to-verdict and repeatability of `aio-audit probe` on its built-in
# default targets: RUNS runs (default 10) in one go, from a scratch directory
# on the filesystem of DIR (default: this checkout's). Prints per target the
# median and worst time against the 1 s budget, and per case how many runs
# agreed with the most common headline (the verdicts the VERDICT column
# names).
#
#   scripts/bench-probe.sh [DIR]      RUNS=10 BUILD_DIR=build
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" build bench >/dev/null
bin=${BUILD_DIR:-$top/build}/aio-audit
[[ -x "$bin" ]] || BUILD_DIR=${BUILD_DIR:-$top/build} "$top/scripts/build.sh" >/dev/null
runs=${RUNS:-10}
base=${1:-$top}
work=$(mktemp -d "$base/.bench-probe.XXXXXX")
trap 'rm -rf "$work"' EXIT

for i in $(seq "$runs"); do
	(cd "$work" && "$bin" probe --json >"$work/run$i.json")
done

echo "aio-audit probe, default targets, $runs runs ($(nproc) CPUs, $(uname -r))"
echo
printf '%-12s %10s %10s %8s %8s\n' TARGET MEDIAN WORST BUDGET RATIO
jq -s -r '
  [.[].targets[] | {label: .label, t: .elapsed_s}] | group_by(.label)[] |
  (map(.t) | sort) as $t |
  [.[0].label, $t[(($t|length)/2|floor)], $t[-1]] | @tsv' "$work"/run*.json |
while IFS=$'\t' read -r label median worst; do
	printf '%-12s %9.3fs %9.3fs %7.2fs %8.2f\n' "$label" "$median" "$worst" 1 "$median"
done
echo
jq -s -r --argjson runs "$runs" '
  [.[].targets[] | .label as $l | .cases[] | select(.skipped == "" and .verdict != null) |
    {key: "\($l) \(.engine) \(.op)\(if .variant != "" then "+" + .variant else "" end) \(.mode)",
     v: (.headline | join("+"))}] |
  group_by(.key) | map({key: .[0].key,
    top: (group_by(.v) | map({v: .[0].v, n: length}) | max_by(.n)),
    all: (group_by(.v) | map("\(.[0].v) \(length)") | join(", "))}) as $cases |
  ($cases | map(select(.top.n == $runs)) | length) as $agree |
  "cases with the same headline in all \($runs) runs: \($agree)/\($cases | length) (ratio \($agree / ($cases|length) * 100 | floor / 100))",
  ($cases[] | select(.top.n != $runs) | "  varies: \(.key): \(.all)")' "$work"/run*.json
