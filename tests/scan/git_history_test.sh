#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `check --git-range` end to end on a real history (ctest check_git_history,
# host tier: it needs Debian's linux-source-6.12, not root). A repository is
# built from the real 6.12 tree -- only the directories the commits need:
# block/ and drivers/usb/gadget/ -- and then, one commit each:
#   a  adds a fake-async driver (our own code: the fixture)       -> exit 1
#   b  changes block/fops.c correctly                             -> exit 0
#   c  touches unrelated C code and a text file                   -> exit 0
#   d  adds a driver whose file name is not ASCII, that loses its
#      requests (queued, never completed)                         -> exit 1
#   e  renames gadgetfs's inode.c (a pure rename)                 -> exit 0
#   f  renames the fake-async driver and edits its wait           -> exit 1
# and each range is checked in every format (text, --terse, github, sarif,
# codeclimate, json): the same exit code, the findings at the post-image
# paths; every SARIF goes through the SARIF validator (validate_sarif.py).
#
# The tree is unpacked once into a cache outside the repository, shared with
# tests/scan-eval (same directory, lock and stamp).
#   git_history_test.sh AIO_AUDIT SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
fx=$src/tests/fixtures/scan
start=$(date +%s%N)

# shellcheck source=linux-source.sh
source "$src/tests/scan/linux-source.sh"
unpack_linux_source check_git_history
unpacked=$(date +%s%N)

tmp=$(mktemp -d /tmp/aio-check-history-XXXXXX)
trap 'rm -rf "$tmp"; exec 9>&-' EXIT
repo=$tmp/linux
mkdir -p "$tmp/sarif" "$repo/drivers/usb"
cp -a "$tree/block" "$repo/block"
cp -a "$tree/drivers/usb/gadget" "$repo/drivers/usb/gadget"
cp "$tree/README" "$repo/README"
exec 9>&-
g() { git -C "$repo" -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false "$@" >/dev/null; }
g init -q
g add -A
g commit -q -m "linux 6.12: block/ and drivers/usb/gadget/"
built=$(date +%s%N)

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}
contains() { if grep -qF -- "$2" "$tmp/$1"; then ok; else bad "$3: $1 lacks: $2" && sed 's/^/  | /' "$tmp/$1" >&2; fi; }
lacks() { if ! grep -qF -- "$2" "$tmp/$1"; then ok; else bad "$3: $1 has: $2" && sed 's/^/  | /' "$tmp/$1" >&2; fi; }

# check_commit NAME EXIT: checks HEAD~1..HEAD in every format; each must
# exit EXIT. Outputs: $tmp/NAME.{text,terse,github,sarif,codeclimate,json}.
check_commit() {
	local name=$1 want=$2 fmt rc
	for fmt in text terse github sarif codeclimate json; do
		local args=(--format "$fmt")
		[[ $fmt == terse ]] && args=(--terse)
		"$bin" check --git-range HEAD~1..HEAD --tree "$repo" "${args[@]}" >"$tmp/$name.$fmt" 2>"$tmp/$name.$fmt.err"
		rc=$?
		if [[ $rc == "$want" ]]; then ok; else bad "$name, $fmt: exit $rc, wanted $want" && sed 's/^/  | /' "$tmp/$name.$fmt.err" >&2; fi
	done
	cp "$tmp/$name.sarif" "$tmp/sarif/$name.sarif"
}
# json_expect NAME PYTHON-EXPRESSION over `j` (check --format json) and `c` (codeclimate).
json_expect() {
	if /usr/bin/python3 - "$tmp/$1.json" "$tmp/$1.codeclimate" "$2" <<'EOF'; then ok; else bad "$1: not true: $2"; fi
import json, sys
j = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
touched = {f["name"]: f for f in j["file_operations"]}
rules = sorted((f["rule"], f["file"], f["fails"]) for f in j["findings"])
failing = sorted((f["rule"], f["file"]) for f in j["findings"] if f["fails"])
ok = eval(sys.argv[3])
if not ok:
    print("  | touched:", sorted(touched), "findings:", rules, file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

# a: a fake-async driver, our own code.
mkdir -p "$repo/drivers/aio_demo"
cp "$fx/modern/fake_async.c" "$repo/drivers/aio_demo/fake_async.c"
g add -A && g commit -q -m "aio_demo: a driver that waits for its own queued request"
check_commit a 1
contains a.text "ERROR:AIO_FAKE_ASYNC: fake_async_fops" a
contains a.text "FILE: drivers/aio_demo/fake_async.c:53:" a
contains a.text "+static const struct file_operations fake_async_fops = {" a
contains a.terse "drivers/aio_demo/fake_async.c:53: ERROR:AIO_FAKE_ASYNC:" a
contains a.github "::error file=drivers/aio_demo/fake_async.c,line=53,title=aio-audit fake-async (fails the check)::" a
contains a.sarif '"uri": "drivers/aio_demo/fake_async.c"' a
json_expect a 'failing == [("fake-async", "drivers/aio_demo/fake_async.c")] and j["failed"] and any(i["check_name"] == "aio-audit/fake-async" for i in c)'

# b: a correct change inside block/fops.c's write path.
sed -i 's/^\tif (!iov_iter_count(from))$/\tif (unlikely(!iov_iter_count(from)))/' "$repo/block/fops.c"
if git -C "$repo" diff --quiet; then bad "b: the edit of block/fops.c did not apply"; fi
g commit -q -am "block: mark the empty write unlikely"
check_commit b 0
lacks b.text "ERROR:" b
lacks b.text "WARNING:" b
contains b.text "aio-audit check: pass" b
# The truth (tests/scan-eval/linux-6.12.json): async for O_DIRECT, blocking
# otherwise -- odirect-async, no finding; nothing fails either way.
json_expect b '"def_blk_fops" in touched and not failing and not j["failed"]'
json_expect b 'touched["def_blk_fops"]["verdict"] == "odirect-async"'

# c: unrelated C code (a partition parser: no file_operations) and a text file.
sed -i '0,/^#include/s//\/* Unrelated to AIO. *\/\n#include/' "$repo/block/partitions/msdos.c"
echo "An unrelated line." >>"$repo/README"
g commit -q -am "partitions, README: unrelated edits"
check_commit c 0
contains c.text "total: 0 errors, 0 warnings, 0 checks; 0 of 0 file_operations touched (1 C files changed, 1 directories scanned)" c
json_expect c 'not touched and not j["findings"] and j["check"]["c_files"] == ["block/partitions/msdos.c"]'

# d: a driver with a non-ASCII file name (in a directory of its own) that
# returns -EIOCBQUEUED and never completes the request.
e=$(printf '\303\251')
mkdir -p "$repo/drivers/aio_lost"
cp "$fx/modern/lost/lost.c" "$repo/drivers/aio_lost/f${e}_lost.c"
g add -A && g commit -q -m "aio_lost: a driver with a non-ASCII name"
check_commit d 1
contains d.text "ERROR:AIO_QUEUED_WITHOUT_COMPLETION: lost_fops" d
contains d.text "FILE: drivers/aio_lost/f${e}_lost.c:13:" d
contains d.github "::error file=drivers/aio_lost/f${e}_lost.c,line=13,title=aio-audit queued-without-completion (fails the check)::" d
contains d.sarif '"uri": "drivers/aio_lost/f%C3%A9_lost.c"' d
json_expect d "failing == [('queued-without-completion', 'drivers/aio_lost/f${e}_lost.c')]"

# e: gadgetfs's inode.c renamed (and its Makefile line): no line of it changes.
g mv drivers/usb/gadget/legacy/inode.c drivers/usb/gadget/legacy/gadgetfs_main.c
sed -i 's/^gadgetfs-y\t\t\t:= inode.o$/gadgetfs-y\t\t\t:= gadgetfs_main.o/' "$repo/drivers/usb/gadget/legacy/Makefile"
g commit -q -am "usb: gadget: gadgetfs: rename inode.c"
check_commit e 0
contains e.text "(1 C files changed, 1 directories scanned)" e
json_expect e 'not failing and j["check"]["c_files"] == ["drivers/usb/gadget/legacy/gadgetfs_main.c"]'

# f: the fake-async driver renamed, its wait edited: found at the new path.
g mv drivers/aio_demo/fake_async.c drivers/aio_demo/slow_async.c
sed -i 's/^\twait_for_completion(&req->done);$/\twait_for_completion_io(\&req->done);/' "$repo/drivers/aio_demo/slow_async.c"
g commit -q -am "aio_demo: rename, wait for I/O"
check_commit f 1
contains f.terse "drivers/aio_demo/slow_async.c:53: ERROR:AIO_FAKE_ASYNC: fake_async_fops" f
lacks f.text "drivers/aio_demo/fake_async.c" f
json_expect f 'failing == [("fake-async", "drivers/aio_demo/slow_async.c")]'

# The whole branch at once, as a pull request's job sees it.
"$bin" check --git-range HEAD~6...HEAD --tree "$repo" --terse >"$tmp/all.terse" 2>"$tmp/all.err"
if [[ $? == 1 ]]; then ok; else bad "HEAD~6...HEAD: wanted exit 1"; fi
contains all.terse "drivers/aio_demo/slow_async.c:53: ERROR:AIO_FAKE_ASYNC" all
contains all.terse "drivers/aio_lost/f${e}_lost.c:13: ERROR:AIO_QUEUED_WITHOUT_COMPLETION" all
checked=$(date +%s%N)

if /usr/bin/python3 "$src/tests/scan/validate_sarif.py" "$tmp"/sarif/*.sarif >"$tmp/v.out" 2>"$tmp/v.err"; then
	ok
else
	bad "SARIF validation"
	sed 's/^/  | /' "$tmp/v.err" >&2
fi
done_at=$(date +%s%N)
ms() { echo "$((($2 - $1) / 1000000)) ms"; }
echo "check_git_history: tree $(ms "$start" "$unpacked"), repository $(ms "$unpacked" "$built")," \
	"37 checks $(ms "$built" "$checked"), SARIF validation $(ms "$checked" "$done_at")"
echo "$passed passed, $failed failed"
((failed == 0))
