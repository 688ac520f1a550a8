#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# trace --html on a real trace (host tier: root and BPF): probe's O_DSYNC
# overwrites of its own file under /var/tmp make the submitters sleep (for
# the journal and the disk), so the flame graph has real stacks. The report is opened in Chromium and
# checked against the JSON and --folded output of the same run. With -i 1
# the page is rewritten each interval: complete and with the op while the
# trace still runs, never left at FILE.tmp (also when SIGINT ends the trace).
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

# -i 1 --html: the page is there, whole, before the end.
complete() { [[ -s $1 ]] && grep -q 'class="card op"' "$1" && [[ $(tail -c 8 "$1") == '</html>' ]]; }
"$aio" trace -i 1 -o "$out/live.txt" --html "$out/live.html" -- \
	sh -c '"$1" probe "$2" -e libaio -o overwrite -m buffered --dsync -n 16 >/dev/null && sleep 6' sh "$aio" "$scratch" \
	2>"$out/live.err" &
tracer=$!
seen=
for _ in $(seq 1 40); do
	sleep 0.25
	if complete "$out/live.html"; then
		kill -0 "$tracer" 2>/dev/null && seen=1
		break
	fi
done
wait "$tracer" || { cat "$out/live.err" >&2; echo "FAIL: trace -i 1 --html failed" >&2; exit 1; }
[[ $seen ]] || { echo "FAIL: no complete HTML report with the op while the trace ran" >&2; exit 1; }
complete "$out/live.html" || { echo "FAIL: the final HTML report is not complete" >&2; exit 1; }
[[ ! -e $out/live.html.tmp ]] || { echo "FAIL: live.html.tmp left behind" >&2; exit 1; }
echo "trace -i 1 --html: complete with the op before the end, and at the end"

# SIGINT ends it: the last version is the final report, no FILE.tmp.
"$aio" trace -i 1 -o "$out/sigint.txt" --html "$out/sigint.html" -- sleep 30 2>"$out/sigint.err" &
tracer=$!
for _ in $(seq 1 40); do
	sleep 0.25
	[[ -s $out/sigint.html ]] && break
done
kill -INT "$tracer"
rc=0
wait "$tracer" || rc=$?
((rc == 130)) || { cat "$out/sigint.err" >&2; echo "FAIL: SIGINT: exit $rc, expected 130" >&2; exit 1; }
[[ $(tail -c 8 "$out/sigint.html") == '</html>' ]] || { echo "FAIL: SIGINT: the HTML report is not complete" >&2; exit 1; }
[[ ! -e $out/sigint.html.tmp ]] || { echo "FAIL: SIGINT: sigint.html.tmp left behind" >&2; exit 1; }
echo "trace -i 1 --html, SIGINT: exit 130, complete report, no .tmp"
