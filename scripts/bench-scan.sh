#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `aio-audit scan` over a whole kernel tree, against the grep it replaces.
# Installs Debian's linux-source-6.1, unpacks it outside the repository,
# warms the page cache, then times `grep -rlE PATTERN` (the baseline),
# ripgrep's `rg -l PATTERN` when installed, and `aio-audit scan --json`
# (interleaved, median of RUNS) and prints: wall time and peak RSS of each,
# the ratios scan/grep and scan/rg, the counts per verdict, and the verdicts
# of the well-known cases. Then it scans generated .c files of SYNTH_MB
# megabytes (default "10 200": one file each, a driver repeated with new
# names) and prints the cost per MB of each (wall and CPU time) against the
# smallest: 1.00 is linear. Exits 1 when a well-known verdict is wrong or the scan fails; the
# speed and memory goals are reported, not enforced (a loaded machine would
# make them flaky).
#
# Given a Linux 2.6.20 tree (github:sagsango/linux-2.6.20 at 5759bb8f, not a
# Debian package), it also scans that tree and judges the result against
# tests/scan-eval/linux-2.6.20.json with scan-eval (exit 1 when it is wrong).
#
#   scripts/bench-scan.sh                 # BUILD_DIR=build, RUNS=5
#   BENCH_DIR=/var/tmp/x RUNS=9 SYNTH_MB="10 50" scripts/bench-scan.sh
#   scripts/bench-scan.sh /var/tmp/ref/linux-2.6.20    # or LINUX_2620=DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$top/build}
bench_dir=${BENCH_DIR:-/var/tmp/aio-audit-bench}
runs=${RUNS:-5}
synth_mb=${SYNTH_MB:-10 200}
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
have_rg=$(command -v rg || true)
grep -rlE "$pattern" . >"$out/grep.txt" || true
"$bin" scan . >"$out/warm.txt" 2>"$out/warm.err"

measure() { # name command...
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out/$name.time" "$@" >"$out/$name.txt" 2>>"$out/$name.err" || true
	cat "$out/$name.time"
}
: >"$out/times"
for ((i = 0; i < runs; i++)); do
	echo "grep $(measure grep grep -rlE "$pattern" .)" >>"$out/times"
	[[ -n $have_rg ]] && echo "rg $(measure rg rg -l "$pattern" .)" >>"$out/times"
	echo "scan $(measure scan "$bin" scan --json .)" >>"$out/times"
done
tail -n1 "$out/warm.txt" >"$out/summary.txt"

if ! "$bin" scan --json . >"$out/scan.json" 2>"$out/json.err"; then
	echo "bench-scan: the scan failed:" >&2
	cat "$out/json.err" >&2
	exit 1
fi

# Linear cost: generated files of each size, scanned once each (the
# largest takes tens of seconds), with grep -l over the same file.
synth=$bench_dir/synth
mkdir -p "$synth"
: >"$out/synth"
for mb in $synth_mb; do
	f=$synth/$mb/big.c
	if [[ ! -f $f ]]; then
		mkdir -p "$synth/$mb"
		python3 - "$f" "$mb" <<'GEN'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
def driver(n):
    return f"""struct rq{n} {{ struct kiocb *iocb; struct work_struct work; }};
static void rq{n}_done(struct work_struct *w)
{{
	struct rq{n} *r = container_of(w, struct rq{n}, work);
	r->iocb->ki_complete(r->iocb, 0);
}}
static int rq{n}_open(struct inode *i, struct file *f)
{{
	f->f_mode |= FMODE_NOWAIT;
	return 0;
}}
static ssize_t rq{n}_read(struct kiocb *iocb, struct iov_iter *to)
{{
	struct rq{n} *r = kzalloc(sizeof(*r), GFP_KERNEL);
	r->iocb = iocb;
	INIT_WORK(&r->work, rq{n}_done);
	schedule_work(&r->work);
	return -EIOCBQUEUED;
}}
static ssize_t rq{n}_write(struct kiocb *iocb, struct iov_iter *from)
{{
	rq{n}_elsewhere(iocb);
	msleep(1);
	return iov_iter_count(from);
}}
static const struct file_operations rq{n}_fops = {{
	.open = rq{n}_open,
	.read_iter = rq{n}_read,
	.write_iter = rq{n}_write,
}};
"""
size, n = 0, 0
with open(path, "w") as out:
    while size < mb << 20:
        d = driver(n)
        out.write(d)
        size += len(d)
        n += 1
GEN
	fi
	cat "$f" >/dev/null
	g=$(cd "$synth/$mb" && measure synth-grep grep -lE "$pattern" big.c)
	# Wall time, peak RSS and CPU time (user+system): on a machine shared
	# with other jobs the CPU time is what tells linear from not.
	(cd "$synth/$mb" && /usr/bin/time -f '%e %M %U %S' -o "$out/synth-scan.time" "$bin" scan big.c \
		>"$out/synth-scan.txt" 2>>"$out/synth-scan.err") || true
	echo "$mb $(stat -c %s "$f") $g $(cat "$out/synth-scan.time")" >>"$out/synth"
done

status=0
python3 - "$out/times" "$out/scan.json" "$(nproc)" "$(cat "$out/summary.txt")" "$out/synth" <<'EOF' || status=$?
import json, statistics, sys

times_file, json_file, cores, summary, synth_file = sys.argv[1:6]
runs = {}
for line in open(times_file):
    name, wall, rss = line.split()
    runs.setdefault(name, []).append((float(wall), int(rss)))
med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
rss = {k: max(r for _, r in v) for k, v in runs.items()}

print(f"tree: linux-source-6.1 (Debian), {cores} cores, {len(runs['scan'])} runs each, warm cache")
labels = {"grep": "grep -rlE", "rg": "rg -l", "scan": "aio-audit scan --json"}
for k in ("grep", "rg", "scan"):
    if k in med:
        print(f"  {labels[k]:22} wall median {med[k]:6.2f} s   peak RSS {rss[k] / 1024:7.1f} MB")
ratio = med["scan"] / med["grep"]
print(f"  scan/grep wall-time ratio: {ratio:.2f}   (goal <= 1.00: {'met' if ratio <= 1.0 else 'NOT met'})")
if "rg" in med:
    print(f"  scan/rg wall-time ratio:   {med['scan'] / med['rg']:.2f}")
print(f"  scan peak RSS goal <= 256 MB: {'met' if rss['scan'] <= 256 * 1024 else 'NOT met'}")
print(summary)

rows = [line.split() for line in open(synth_file) if line.strip()]
if rows:
    print("generated files (one run each):")
    base = None
    base_cpu = None
    for mb, size, gw, grss, sw, srss, su, ss in rows:
        size, gw, sw = int(size), float(gw), float(sw)
        cpu = float(su) + float(ss)
        per_mb = sw / (size / 2**20)
        cpu_mb = cpu / (size / 2**20)
        base = base or per_mb
        base_cpu = base_cpu or cpu_mb
        print(f"  {int(mb):4} MB: scan wall {sw:7.2f} s ({per_mb * 1000:6.1f} ms/MB, x{per_mb / base:4.2f} the smallest's),"
              f" CPU {cpu:7.2f} s ({cpu_mb * 1000:6.1f} ms/MB, x{cpu_mb / base_cpu:4.2f}),"
              f" peak RSS {int(srss) / 1024:7.1f} MB; grep -l {gw:5.2f} s")

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
