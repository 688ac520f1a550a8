#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# trace --html on a real trace (host tier: root and BPF): probe's O_DSYNC
# overwrites of its own file under /var/tmp make the submitters sleep (for
# the journal and the disk), so the flame graph has real stacks. The report is opened in Chromium and
# checked against the JSON and --folded output of the same run.
#
#   trace_host_test.sh AIO_AUDIT OUTDIR        (exit 77: skipped, not root)
set -euo pipefail
aio=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
if ((EUID != 0)); then
	echo "SKIPPED: trace needs root"
	exit 77
fi
rm -rf "$out"
mkdir -p "$out"
scratch=$(mktemp -d /var/tmp/aio-audit-html.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

"$aio" trace --json -o "$out/trace.json" --folded "$out/trace.folded" --html "$out/trace.html" -- \
	"$aio" probe "$scratch" -e libaio -o overwrite -m buffered --dsync -n 16 >/dev/null 2>"$out/trace.err" ||
	{ cat "$out/trace.err" >&2; exit 1; }
python3 - "$out/trace.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
if not doc["ops"]:
    sys.exit("the trace saw no op")
if not doc["stacks"]:
    sys.exit("the trace recorded no off-CPU stack: nothing for the flame graph")
PY
timeout 50 python3 "$here/chromium_check.py" "trace:$out/trace.html:$out/trace.json:$out/trace.folded"
