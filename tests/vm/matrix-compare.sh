#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm.<kernel>.matrix-compare: the guest case 70-matrix left the guest kernel's matrix
# in RESULTS/matrix-guest.json; run the same matrix (the same file systems,
# engines and request count, read from that document's command line) on
# this host's kernel and compare the two with --compare. Checks that the
# comparison is well-formed and not empty; prints it in Markdown. The
# host makes its images in /dev/shm: in RAM, as the guest (whose /tmp is a
# tmpfs) does.
# Exit 0 pass, 77 skip, 1 fail.
#
#   matrix-compare.sh VM_ENV
set -uo pipefail
# shellcheck disable=SC1090
source "$1"
results=$AIO_VM_RESULTS
bin=$AIO_VM_AIO_AUDIT
guest=$results/matrix-guest.json
status=$(cat "$results/cases/70-matrix.status" 2>/dev/null || echo "not run")
if [[ $status != pass ]]; then
	echo "SKIP: the guest case 70-matrix did not pass ($status)"
	exit 77
fi
[[ -s $guest ]] || { echo "FAIL: 70-matrix passed but left no $guest"; exit 1; }
((EUID == 0)) || { echo "SKIP: needs root (loop devices)"; exit 77; }

# The guest's own selection, so both tables have the same rows and columns.
mapfile -t args < <(jq -r '.command_line[2:] | .[]' "$guest" |
	awk 'skip {skip=0; next} /^(-o|--output|--scratch)$/ {skip=1; next} {print}')
host=$results/matrix-host.json
rm -f "$host"
echo "+ aio-audit matrix ${args[*]} (host, $(uname -r))"
"$bin" matrix "${args[@]}" --scratch /dev/shm -o "$host" || { echo "FAIL: matrix on the host exited $?"; exit 1; }

"$bin" matrix --load "$host" --compare "$guest" --json -o "$results/matrix-compare.json" ||
	{ echo "FAIL: --compare exited $?"; exit 1; }
"$bin" matrix --load "$host" --compare "$guest" -o "$results/matrix-compare.md" ||
	{ echo "FAIL: --compare (Markdown) exited $?"; exit 1; }
sed -n '/^# aio-audit matrix: what changed/,$p' "$results/matrix-compare.md"

c=$results/matrix-compare.json
fail() { echo "FAIL: $*"; exit 1; }
[[ $(jq -r .comparison.before.kernel "$c") == "$(jq -r .matrix.measured.kernel "$guest")" ]] || fail "before is not the guest's kernel"
[[ $(jq -r .comparison.after.kernel "$c") == "$(uname -r)" ]] || fail "after is not this host's kernel"
[[ $(jq -r .comparison.before.kernel "$c") != "$(uname -r)" ]] || fail "the guest ran the host's kernel: nothing to compare"
(($(jq .comparison.cells_compared "$c") >= 100)) || fail "only $(jq .comparison.cells_compared "$c") cells compared"
(($(jq '.comparison.changes | length' "$c") > 0)) || fail "no change between two kernels"
jq -e '.comparison.changes | all(.fs != "" and .scenario != "" and .engine != "" and
	(.kind | IN("verdict", "fsqual", "eagain", "measured")) and (.before != null) and (.after != null))' "$c" >/dev/null ||
	fail "a change lacks its file system, scenario, engine, kind or cells"
echo "PASS: $(jq '.comparison.changes | length' "$c") changes over $(jq .comparison.cells_compared "$c") cells"
