#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Cost of `aio-audit trace --listen` (docs/fleet.md):
#  1. one scrape of N synthetic ops (default 1000, and 20): the exporter's
#     fold and cap plus the rendering, both formats (tests/bench/bench_exporter);
#  2. live, as root: `trace --listen` tracing a libaio workload on tmpfs,
#     scraped SCRAPES times by curl (time per scrape over HTTP, as Prometheus
#     sees it), and the tracer's peak RSS against the same trace without
#     --listen, measured in the same run (the baseline).
#
#   scripts/bench-exporter.sh      OPS=1000 ROUNDS=50 SCRAPES=50 BUILD_DIR=build
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" build >/dev/null
build=${BUILD_DIR:-$top/build}
BUILD_DIR=$build "$top/scripts/build.sh" aio-audit bench_exporter >/dev/null
bin=$build/aio-audit
ops=${OPS:-1000}
rounds=${ROUNDS:-50}
scrapes=${SCRAPES:-50}

echo "== render: fold + cap + exposition of synthetic ops (median of $rounds)"
"$build/tests/bench/bench_exporter" "$ops" "$rounds"
"$build/tests/bench/bench_exporter" 20 "$rounds"

((EUID == 0)) || { echo "bench-exporter: the live part needs root (trace loads BPF); skipped" >&2; exit 0; }
work=$(mktemp -d /var/tmp/aio-audit-bench-exporter.XXXXXX)
pid=""
cleanup() {
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
workload="'$bin' probe /dev/shm -e libaio -o read,overwrite -m buffered -n 2000 >/dev/null; exec sleep 600"

# Peak RSS (VmHWM, kB) of a trace of the workload, after it ran.
peak_rss() {
	grep VmHWM "/proc/$1/status" | awk '{print $2}'
}

"$bin" trace -- sh -c "$workload" >/dev/null 2>"$work/base.err" &
pid=$!
sleep 6
base_rss=$(peak_rss "$pid")
kill -INT "$pid"; wait "$pid" || true; pid=""

"$bin" trace --listen 127.0.0.1:0 -- sh -c "$workload" >/dev/null 2>"$work/listen.err" &
pid=$!
for _ in $(seq 50); do grep -q 'Serving metrics' "$work/listen.err" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*/metrics' "$work/listen.err")
sleep 5
: >"$work/times"
for _ in $(seq "$scrapes"); do
	curl -s -o "$work/body" -w '%{time_total}\n' -H 'Accept: application/openmetrics-text;version=1.0.0' "$url" >>"$work/times"
done
listen_rss=$(peak_rss "$pid")
series=$(grep -vc '^#' "$work/body")
kill -TERM "$pid"; wait "$pid" || true; pid=""
median_ms=$(sort -n "$work/times" | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}')
max_ms=$(sort -n "$work/times" | tail -1 | awk '{printf "%.1f", $1*1000}')
echo "== live: $scrapes scrapes over HTTP of a trace with $(grep -c '^aio_audit_requests_total{' "$work/body") ops ($series series)"
echo "scrape median_ms=$median_ms max_ms=$max_ms (includes waiting for the session's next 100 ms poll)"
echo "peak RSS: trace ${base_rss} kB, trace --listen ${listen_rss} kB, ratio $(echo "scale=3; $listen_rss / $base_rss" | bc)"
