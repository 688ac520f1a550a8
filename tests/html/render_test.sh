#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# --html end to end: real runs where they are cheap (probe and matrix on a
# tmpfs directory, matrix rendered back with --load, scan of the bundled
# module and the fixtures), trace from a hand-made report; every report
# opened in headless Chromium and checked against the JSON of the same run.
# The reports and their screenshots stay in OUTDIR as test artifacts.
#
#   render_test.sh AIO_AUDIT TRACE_SAMPLE SOURCE_DIR OUTDIR
set -euo pipefail
aio=$1 sample=$2 src=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$out"
mkdir -p "$out"
scratch=$(mktemp -d /dev/shm/aio-audit-html.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The output rules of --output hold for --html: an existing file is
# refused and left as it was, standard output is not a place for it.
echo keep >"$out/existing.html"
if "$aio" scan "$src/kernel-module" --html "$out/existing.html" >/dev/null 2>"$out/err"; then
	fail "--html overwrote an existing file"
fi
grep -q -- "--html $out/existing.html: the file exists" "$out/err" || fail "no clear error: $(cat "$out/err")"
[[ $(cat "$out/existing.html") == keep ]] || fail "the existing file was changed"
if "$aio" scan "$src/kernel-module" --html - >/dev/null 2>"$out/err"; then
	fail "--html - was accepted"
fi
# A run that fails before its report leaves no empty file behind
# (probe never writes to a file it did not create: nothing to do, exit 2).
head -c 8192 /dev/zero >"$scratch/plain"
if "$aio" probe "$scratch/plain" -o overwrite --html "$out/failed.html" >/dev/null 2>&1; then
	fail "probe wrote to a file it did not create"
fi
[[ ! -e "$out/failed.html" ]] || fail "a failed run left $out/failed.html"

"$aio" probe "$scratch" -e libaio,io_uring -n 32 --json --output "$out/probe.json" --html "$out/probe.html"
(cd "$src" && "$aio" scan kernel-module tests/fixtures/scan --json -o "$out/scan.json" --html "$out/scan.html")
"$aio" matrix "$scratch" -e libaio -n 8 --json -o "$out/matrix.json" >/dev/null
"$aio" matrix --load "$out/matrix.json" --html "$out/matrix.html" >/dev/null
"$sample" "$out"

timeout 50 python3 "$here/chromium_check.py" \
	"probe:$out/probe.html:$out/probe.json" \
	"scan:$out/scan.html:$out/scan.json" \
	"matrix:$out/matrix.html:$out/matrix.json" \
	"trace:$out/trace.html:$out/trace.json:$out/trace.folded"
