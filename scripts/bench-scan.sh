#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `aio-audit scan` over a whole kernel tree, against the grep it replaces.
# Installs Debian's linux-source-6.1, unpacks it outside the repository,
# warms the page cache, then times both (interleaved, median of RUNS) and
# prints: wall time and peak RSS of each, their ratio, the counts per
# verdict, and the verdicts of the well-known cases. Exits 1 when a
# well-known verdict is wrong or the scan fails; the speed and memory goals
# are reported, not enforced (a loaded machine would make them flaky).
#
# Given a Linux 2.6.20 tree (github:sagsango/linux-2.6.20 at 5759bb8f, not a
# Debian package), it also scans that tree and judges the result against
# tests/scan-eval/linux-2.6.20.json with scan-eval (exit 1 when it is wrong).
#
#   scripts/bench-scan.sh                 # BUILD_DIR=build, RUNS=5
#   BENCH_DIR=/var/tmp/x RUNS=9 scripts/bench-scan.sh
#   scripts/bench-scan.sh /var/tmp/ref/linux-2.6.20    # or LINUX_2620=DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$top/build}
bench_dir=${BENCH_DIR:-/var/tmp/aio-audit-bench}
runs=${RUNS:-5}
pattern='ki_complete|EIOCBQUEUED|aio_complete|kick_iocb'
linux_2620=${1:-${LINUX_2620:-}}
if [[ -n $linux_2620 && ! -f $linux_2620/fs/aio.c ]]; then
	echo "bench-scan: $linux_2620 is not a Linux source tree" >&2
	exit 2
fi

"$top/scripts/install-deps.sh" bench
[[ -x $build_dir/aio-audit ]] || BUILD_DIR=$build_dir "$top/scripts/build.sh"
bin=$build_dir/aio-audit
if [[ -n $linux_2620 && ! -x $build_dir/scan-eval ]]; then
	BUILD_DIR=$build_dir "$top/scripts/build.sh" scan-eval
fi

tree=$bench_dir/linux-source-6.1
if [[ ! -f $tree/Makefile ]]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -n1)
	echo "bench-scan: unpacking $tarball into $bench_dir"
	mkdir -p "$bench_dir"
	tar -xf "$tarball" -C "$bench_dir"
fi
cd "$tree"

# Warm cache: read every file once, and let each tool run once.
find . -type f -print0 | xargs -0 cat >/dev/null
out=$(mktemp -d /tmp/aio-audit-bench-XXXXXX)
trap 'rm -rf "$out"' EXIT
grep -rE "$pattern" . >"$out/grep.txt" || true
"$bin" scan . >"$out/scan.txt" 2>"$out/scan.err"

# Output goes to files, not /dev/null: GNU grep stops at the first match
# of each file when it sees its output is /dev/null.
measure() { # name command...
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out/$name.time" "$@" >"$out/$name.txt" 2>>"$out/$name.err" || true
	cat "$out/$name.time"
}
: >"$out/times"
for ((i = 0; i < runs; i++)); do
	echo "grep $(measure grep grep -rE "$pattern" .)" >>"$out/times"
	echo "scan $(measure scan "$bin" scan .)" >>"$out/times"
done

if ! "$bin" scan --json . >"$out/scan.json" 2>"$out/json.err"; then
	echo "bench-scan: the scan failed:" >&2
	cat "$out/json.err" >&2
	exit 1
fi

status=0
python3 - "$out/times" "$out/scan.json" "$(nproc)" "$(tail -n1 "$out/scan.txt")" <<'EOF' || status=$?
import json, statistics, sys

times_file, json_file, cores, summary = sys.argv[1:5]
runs = {"grep": [], "scan": []}
for line in open(times_file):
    name, wall, rss = line.split()
    runs[name].append((float(wall), int(rss)))
med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
rss = {k: max(r for _, r in v) for k, v in runs.items()}

print(f"tree: linux-source-6.1 (Debian), {cores} cores, {len(runs['scan'])} runs each, warm cache")
for k in ("grep", "scan"):
    print(f"  {k:5} wall median {med[k]:6.2f} s   peak RSS {rss[k] / 1024:7.1f} MB")
ratio = med["scan"] / med["grep"]
print(f"  scan/grep wall-time ratio: {ratio:.2f}   (goal <= 1.00: {'met' if ratio <= 1.0 else 'NOT met'})")
print(f"  scan peak RSS goal <= 256 MB: {'met' if rss['scan'] <= 256 * 1024 else 'NOT met'}")
print(summary)

report = json.load(open(json_file))
print("verdicts:", ", ".join(f"{v} {n}" for v, n in report["summary"]["verdicts"].items()))
print("contract findings:", ", ".join(f"{v} {n}" for v, n in report["summary"]["contract_findings"].items()))
print(f"warnings: {len(report['warnings'])}")

fops = report["file_operations"]
def with_handlers(path):
    return [f for f in fops if f["file"] == path and f["handlers"]]

# (file, fops name or None for every fops with a handler, accepted verdicts)
expect = [
    ("drivers/usb/gadget/legacy/inode.c", "ep_io_operations", {"async"}),
    ("drivers/usb/gadget/function/f_fs.c", "ffs_epfile_operations", {"async"}),
    ("block/fops.c", "def_blk_fops", {"async", "odirect-async"}),
    ("drivers/char/mem.c", None, {"sync"}),
    ("fs/pipe.c", "pipefifo_fops", {"sync"}),
]
bad = 0
print("well-known cases:")
for path, name, ok in expect:
    found = [f for f in with_handlers(path) if name is None or f["name"] == name]
    if not found:
        print(f"  MISSING {path} {name}")
        bad += 1
        continue
    for f in found:
        good = f["verdict"] in ok
        bad += not good
        print(f"  {'ok  ' if good else 'FAIL'} {path}:{f['line']}: {f['verdict']}: {f['name']} "
              f"(expected {' or '.join(sorted(ok))})")
sys.exit(1 if bad else 0)
EOF

# The tree the classic grep was run on: judged against the hand-checked set.
if [[ -n $linux_2620 ]]; then
	echo
	echo "linux-2.6.20 ($linux_2620) against tests/scan-eval/linux-2.6.20.json:"
	"$build_dir/scan-eval" "$top/tests/scan-eval/linux-2.6.20.json" --tree "$linux_2620" \
		--aio-audit "$bin" || status=1
fi
exit "$status"
