#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `aio-audit scan` and `aio-audit check` end to end: outputs, formats and
# exit codes on tests/fixtures/scan, inputs that must fail closed, and
# --git-range in throwaway repositories (names git quotes, renames, binary
# files). Every SARIF file produced is run through the SARIF validator at
# the end (validate_sarif.py).
#   cli_test.sh BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
fx=$src/tests/fixtures/scan
tmp=$(mktemp -d /tmp/aio-scan-cli-XXXXXX)
chmod 755 "$tmp"
trap 'chmod -R u+rwX "$tmp"; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sarif"
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}
# expect_rc CODE DESCRIPTION -- COMMAND...: runs it, output in $tmp/out and $tmp/err.
expect_rc() {
	local want=$1 what=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [[ $rc == "$want" ]]; then ok; else bad "$what: exit $rc, wanted $want"; sed 's/^/  | /' "$tmp/err" >&2; fi
}
contains() {
	if grep -qF -- "$2" "$tmp/$1"; then ok; else bad "$1 lacks: $2"; sed 's/^/  | /' "$tmp/$1" >&2; fi
}
lacks() {
	if ! grep -qF -- "$2" "$tmp/$1"; then ok; else bad "$1 has: $2"; fi
}
lines() { # FILE N: the file has N lines
	local n
	n=$(wc -l <"$tmp/$1")
	if [[ $n == "$2" ]]; then ok; else bad "$1 has $n lines, wanted $2"; sed 's/^/  | /' "$tmp/$1" >&2; fi
}
json_ok() {
	if /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"; then ok; else bad "$1: not JSON"; fi
}
keep_sarif() { # NAME: the SARIF just written to $tmp/out, validated at the end
	cp "$tmp/out" "$tmp/sarif/$1.sarif"
}
# GitLab's Code Quality fields, each of the type GitLab reads, fingerprints unique.
codeclimate_ok() {
	if /usr/bin/python3 - "$tmp/out" <<'EOF'; then ok; else bad "$1: not a Code Quality report"; fi
import json, sys
issues = json.load(open(sys.argv[1]))
assert isinstance(issues, list)
prints = set()
for i in issues:
    assert isinstance(i["description"], str) and i["description"]
    assert isinstance(i["check_name"], str) and i["check_name"]
    assert i["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert isinstance(i["location"]["path"], str) and not i["location"]["path"].startswith("/")
    assert isinstance(i["location"]["lines"]["begin"], int) and i["location"]["lines"]["begin"] >= 1
    assert isinstance(i["fingerprint"], str) and i["fingerprint"] not in prints
    prints.add(i["fingerprint"])
EOF
}
# Runs COMMAND as nobody (root reads every file, and CI runs as root). The
# binary and the inputs it reads are copied under $tmp first: the build and
# source trees may be closed to nobody.
cp "$bin" "$tmp/aio-audit-nobody"
chmod 755 "$tmp/aio-audit-nobody"
as_nobody() {
	if ((EUID == 0)); then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}

# --- scan
expect_rc 0 "scan fixtures" -- "$bin" scan "$fx/modern" "$fx/legacy26"
contains out "fake_async.c:53: fake-async: fake_async_fops (read_iter=fake_read_iter, write_iter=fake_write_iter)"
contains out "gadget_aio.c:164: async: ep_io_operations (aio_read=ep_aio_read)"
contains out "lost.c:13: error: queued-without-completion: lost_fops"
contains out "no_cancel.c:37: note: no-cancel: nc_fops"
contains out "summary: 27 file_operations in 25 files:"

expect_rc 0 "scan --only" -- "$bin" scan --only fake-async --no-summary "$fx/modern"
lines out 3

expect_rc 0 "scan --verbose" -- "$bin" scan -v "$fx/modern/sync_branch.c"
contains out "deferred-completion: $fx/modern/sync_branch.c:29: ki_complete() (2 arguments) in ep_async_complete"
contains out "[ep_read_iter > ep_io_submit ~> ep_async_complete]"

expect_rc 0 "scan --json" -- "$bin" scan --json "$fx/modern"
json_ok "scan --json"
contains out '"fake-async": 2'
contains out '"unreadable": 0'
(cd "$fx" && "$bin" scan --sarif modern legacy26 >"$tmp/out" 2>"$tmp/err")
if [[ $? == 0 ]]; then ok; else bad "scan --sarif"; fi
keep_sarif scan-fixtures
contains out '"version": "2.1.0"'
lacks out '"level": "none"'
contains out '"partialFingerprints"'
contains out '"exitCode": 0'
expect_rc 0 "scan --sarif of sync code: no result at all" -- "$bin" scan --sarif "$fx/modern/sync.c"
keep_sarif scan-nothing
contains out '"results": []'

expect_rc 2 "scan of a missing path" -- "$bin" scan "$fx/no/such/dir"
contains err "cannot scan"
expect_rc 2 "scan --json --sarif" -- "$bin" scan --json --sarif "$fx"
expect_rc 2 "scan --only bogus" -- "$bin" scan --only bogus "$fx"
expect_rc 0 "scan -j 100000 (clamped)" -- "$bin" scan -j 100000 "$fx/modern"
contains err "-j 100000 is more than this machine can use"
expect_rc 2 "scan --sarif to a full disk" -- "$bin" scan --sarif "$fx" -o /dev/full
lines err 1
expect_rc 2 "scan --sarif, standard output on a full disk" -- bash -c "'$bin' scan --sarif '$fx' >/dev/full"

# Unreadable inputs: named ones are exit 2 (one line); inside a tree, exit 4.
mkdir -p "$tmp/ur/tree/sub"
cp "$fx/modern/async.c" "$tmp/ur/tree/async.c"
cp "$fx/modern/sync.c" "$tmp/ur/tree/sub/secret.c"
chmod 755 "$tmp/ur" "$tmp/ur/tree" "$tmp/ur/tree/sub"
chmod 000 "$tmp/ur/tree/sub/secret.c"
expect_rc 2 "scan an unreadable file" -- as_nobody "$tmp/aio-audit-nobody" scan "$tmp/ur/tree/sub/secret.c"
contains err "cannot scan '$tmp/ur/tree/sub/secret.c': cannot read it: EACCES"
lines err 1
expect_rc 4 "scan a tree with an unreadable file" -- as_nobody "$tmp/aio-audit-nobody" scan "$tmp/ur/tree"
contains err "sub/secret.c: cannot read: EACCES"
contains out "async.c:"
expect_rc 4 "scan --sarif, a tree with an unreadable file" -- as_nobody "$tmp/aio-audit-nobody" scan --sarif "$tmp/ur/tree"
keep_sarif scan-incomplete
contains out '"executionSuccessful": false'
chmod 000 "$tmp/ur/tree"
expect_rc 2 "scan an unlistable directory" -- as_nobody "$tmp/aio-audit-nobody" scan "$tmp/ur/tree"
contains err "cannot list it: EACCES"
chmod 755 "$tmp/ur/tree"

# --- check with diffs
expect_rc 1 "check fake-async diff" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx"
contains out "ERROR:AIO_FAKE_ASYNC: fake_async_fops"
contains out "#9: FILE: modern/fake_async.c:53:"
contains out " static const struct file_operations fake_async_fops = {"
contains out "CHECK:AIO_NO_CANCEL: fake_async_fops"
contains out "total: 1 errors, 0 warnings, 1 checks; 1 of 17 file_operations touched"
contains out "aio-audit check: FAIL: 1 finding matches --fail-on fake-async,queued-without-completion,double-completion"
expect_rc 1 "check --terse" -- "$bin" check --terse --diff "$fx/diffs/fake_async.diff" --tree "$fx"
contains out "modern/fake_async.c:53: ERROR:AIO_FAKE_ASYNC: fake_async_fops"
lines out 4
expect_rc 0 "check clean diff" -- "$bin" check --diff "$fx/diffs/async_clean.diff" --tree "$fx"
expect_rc 0 "check unrelated diff" -- "$bin" check --diff "$fx/diffs/unrelated.diff" --tree "$fx"
contains out "0 of 17 file_operations touched (1 C files changed, 1 directories scanned)"
expect_rc 0 "check blocking diff" -- "$bin" check --diff "$fx/diffs/blocking.diff" --tree "$fx"
contains out "WARNING:AIO_BLOCKING"
expect_rc 1 "check blocking diff, --fail-on blocking" -- \
	"$bin" check --diff "$fx/diffs/blocking.diff" --tree "$fx" --fail-on blocking
expect_rc 1 "check lost diff" -- "$bin" check --diff "$fx/diffs/lost.diff" --tree "$fx"
expect_rc 0 "check lost diff, --fail-on none" -- "$bin" check --diff "$fx/diffs/lost.diff" --tree "$fx" --fail-on none
expect_rc 0 "check lost diff, --ignore" -- \
	"$bin" check --diff "$fx/diffs/lost.diff" --tree "$fx" --ignore queued-without-completion --ignore unknown
contains out "total: 0 errors, 0 warnings, 0 checks, 2 suppressed"
expect_rc 2 "check --ignore bogus" -- "$bin" check --diff "$fx/diffs/lost.diff" --tree "$fx" --ignore bogus
expect_rc 1 "check series, github" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format github
contains out "::error file=legacy26/fake_aio.c,line=38,title=aio-audit fake-async (fails the check)::"
expect_rc 1 "check series, sarif" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format sarif
keep_sarif check-series
contains out '"exitCode": 1'
expect_rc 1 "check series, codeclimate" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format codeclimate
codeclimate_ok "check codeclimate"
contains out '"check_name": "aio-audit/fake-async"'
expect_rc 1 "check series, json" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format json
json_ok "check json"
contains out '"failed": true'
contains out '"schema_version": 1'
(cd "$fx" && "$bin" check --diff - <diffs/fake_async.diff >"$tmp/out" 2>"$tmp/err")
if [[ $? == 1 ]]; then ok; else bad "check --diff - from stdin"; fi

# --summary-file appends Markdown (as $GITHUB_STEP_SUMMARY wants).
echo "# earlier step" >"$tmp/summary.md"
expect_rc 1 "check --summary-file" -- \
	"$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx" --summary-file "$tmp/summary.md"
expect_rc 0 "check --summary-file again" -- \
	"$bin" check --diff "$fx/diffs/async_clean.diff" --tree "$fx" --summary-file "$tmp/summary.md"
cp "$tmp/summary.md" "$tmp/out"
contains out "# earlier step"
contains out "### aio-audit check: failed"
contains out "### aio-audit check: passed"
contains out "| error | [fake-async]("
expect_rc 2 "check --summary-file to a full disk" -- \
	"$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx" --summary-file /dev/full
contains err "cannot write the summary to '/dev/full'"

# Failing closed.
expect_rc 2 "check, tree missing" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --tree /nonexistent
contains err "'modern/fake_async.c' (changed by the diff) is not in the tree '/nonexistent'"
expect_rc 2 "check, tree not the post-image" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx/.."
expect_rc 2 "check, pre-image tree" -- \
	bash -c "mkdir -p '$tmp/pre/modern' && sed '/wait_for_completion(&req->done);/d' '$fx/modern/fake_async.c' \
		>'$tmp/pre/modern/fake_async.c' && '$bin' check --diff '$fx/diffs/fake_async.diff' --tree '$tmp/pre'"
contains err "is not the post-image of the diff: modern/fake_async.c:37"
printf -- '--- a/README\n+++ b/README\n@@ -1 +1 @@\n-a\n+b\n' >"$tmp/docs.diff"
expect_rc 2 "check, nothing to check" -- "$bin" check --diff "$tmp/docs.diff" --tree "$fx"
contains err "nothing was checked: the diff changes no .c or .h file"
contains out "aio-audit check: FAIL: nothing was checked"
expect_rc 2 "check, empty diff" -- "$bin" check --diff /dev/null --tree "$fx"
expect_rc 0 "check, nothing to check, --allow-empty" -- "$bin" check --diff "$tmp/docs.diff" --tree "$fx" --allow-empty
expect_rc 2 "check, nothing to check, sarif" -- "$bin" check --diff "$tmp/docs.diff" --tree "$fx" --format sarif
keep_sarif check-empty
contains out '"executionSuccessful": false'
expect_rc 2 "check --format sarif to a full disk" -- \
	"$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx" --format sarif -o /dev/full
lines err 1
expect_rc 2 "check, standard output on a full disk" -- \
	bash -c "'$bin' check --diff '$fx/diffs/fake_async.diff' --tree '$fx' --format codeclimate >/dev/full"
mkdir -p "$tmp/urc/modern"
cp "$fx/modern/fake_async.c" "$fx/modern/sync.c" "$tmp/urc/modern/"
cp "$fx/diffs/fake_async.diff" "$tmp/urc/fake_async.diff"
chmod 755 "$tmp/urc" "$tmp/urc/modern"
chmod 644 "$tmp/urc/fake_async.diff"
chmod 000 "$tmp/urc/modern/sync.c"
expect_rc 2 "check, unreadable file in a scanned directory" -- \
	as_nobody "$tmp/aio-audit-nobody" check --diff "$tmp/urc/fake_async.diff" --tree "$tmp/urc"
contains err "modern/sync.c: cannot read: EACCES"
expect_rc 0 "check -j 100000" -- "$bin" check -j 100000 --diff "$fx/diffs/async_clean.diff" --tree "$fx"

expect_rc 2 "check not a diff" -- "$bin" check --diff "$fx/diffs/not_a_diff.txt" --tree "$fx"
expect_rc 2 "check without input" -- "$bin" check --tree "$fx"
expect_rc 2 "check with both inputs" -- "$bin" check --diff x --git-range a..b
expect_rc 2 "check missing diff file" -- "$bin" check --diff "$tmp/none.diff"
expect_rc 2 "check, the diff is a directory" -- "$bin" check --diff "$tmp" --tree "$fx"
contains err "cannot read the diff '$tmp': EISDIR"
expect_rc 2 "check bad --fail-on" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx" --fail-on slow
expect_rc 2 "check bad --format" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --format xml
expect_rc 2 "check --terse with --format json" -- \
	"$bin" check --terse --format json --diff "$fx/diffs/fake_async.diff" --tree "$fx"

# --- check --git-range in a repository of its own
repo=$tmp/repo
mkdir -p "$repo/drivers/demo"
g() { git -C "$repo" -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false "$@" >/dev/null; }
g init -q
sed '/wait_for_completion(&req->done);/d' "$fx/modern/fake_async.c" >"$repo/drivers/demo/demo.c"
cp "$fx/modern/sync.c" "$repo/drivers/demo/other.c"
g add -A && g commit -q -m base
cp "$fx/modern/fake_async.c" "$repo/drivers/demo/demo.c"
g commit -q -am "demo: wait for the request"
expect_rc 1 "check --git-range HEAD~1..HEAD" -- "$bin" check --git-range HEAD~1..HEAD --tree "$repo"
contains out "FILE: drivers/demo/demo.c:53:"
# What a pull-request job runs: merge-base...HEAD.
expect_rc 1 "check --git-range A...B" -- "$bin" check --git-range HEAD~1...HEAD --tree "$repo" --format github
contains out "::error file=drivers/demo/demo.c,line=53,title=aio-audit fake-async (fails the check)::"
# B not checked out, and a dirty work tree: the post-image comes from git.
g checkout -q HEAD~1
echo "garbage that is not C" >"$repo/drivers/demo/demo.c"
expect_rc 1 "check --git-range main..branch, detached and dirty" -- \
	"$bin" check --git-range "HEAD..$(git -C "$repo" rev-parse HEAD@{1})" --tree "$repo"
g checkout -q -f "$(git -C "$repo" rev-parse HEAD@{1})"
expect_rc 2 "check --git-range HEAD.. (work tree, nothing changed)" -- "$bin" check --git-range HEAD.. --tree "$repo"
expect_rc 0 "check --git-range HEAD.. --allow-empty" -- "$bin" check --git-range HEAD.. --tree "$repo" --allow-empty
expect_rc 2 "check --git-range outside a repository" -- "$bin" check --git-range HEAD~1..HEAD --tree "$tmp/ur"
expect_rc 2 "check --git-range unknown revision" -- "$bin" check --git-range nosuch..HEAD --tree "$repo"
lines err 1
# Names git C-quotes, a pure rename, a binary .c, under a user's
# configuration that changes how git names files.
sed 's/wait_for_completion(&req->done);/(void)req;/' "$fx/modern/fake_async.c" >"$repo/drivers/demo/demo.c"
g commit -q -am "demo: no wait"
mkdir -p "$repo/drivers/n"
cp "$fx/modern/fake_async.c" "$repo/drivers/n/f$(printf '\303\251')_async.c"
cp "$fx/modern/fake_async.c" "$repo/drivers/n/tab$(printf '\t')q\"b\\s.c"
g add -A && g commit -q -m "n: two fake drivers with names git quotes"
for cfg in "" "diff.noprefix=true" "diff.mnemonicPrefix=true" "core.quotePath=false"; do
	if [[ -n $cfg ]]; then g config "${cfg%%=*}" "${cfg#*=}"; fi
	expect_rc 1 "check --git-range, quoted names ($cfg)" -- "$bin" check --git-range HEAD~1..HEAD --tree "$repo" --terse
	contains out "drivers/n/f$(printf '\303\251')_async.c:53: ERROR:AIO_FAKE_ASYNC"
	contains out "drivers/n/tab$(printf '\t')q\"b\\s.c:53: ERROR:AIO_FAKE_ASYNC"
	if [[ -n $cfg ]]; then g config --unset "${cfg%%=*}"; fi
done
expect_rc 1 "check --git-range, quoted names, sarif" -- "$bin" check --git-range HEAD~1..HEAD --tree "$repo" --format sarif
keep_sarif check-quoted
contains out '"uri": "drivers/n/f%C3%A9_async.c"'
expect_rc 1 "check --git-range, quoted names, codeclimate" -- \
	"$bin" check --git-range HEAD~1..HEAD --tree "$repo" --format codeclimate
codeclimate_ok "check codeclimate, quoted names"
g mv "drivers/n/f$(printf '\303\251')_async.c" drivers/n/renamed.c
g commit -q -m "n: rename"
expect_rc 0 "check --git-range, a pure rename touches no line" -- "$bin" check --git-range HEAD~1..HEAD --tree "$repo"
contains out "0 of 2 file_operations touched (1 C files changed, 1 directories scanned)"
printf 'struct file_operations\0binary' >"$repo/drivers/demo/blob.c"
g add -A && g commit -q -m "demo: a binary .c"
expect_rc 0 "check --git-range, a binary .c" -- "$bin" check --git-range HEAD~1..HEAD --tree "$repo"
contains err "drivers/demo/blob.c: binary file"

# --- every SARIF above, through the SARIF validator
if /usr/bin/python3 "$src/tests/scan/validate_sarif.py" "$tmp"/sarif/*.sarif >"$tmp/out" 2>"$tmp/err"; then
	ok
else
	bad "SARIF validation"
	sed 's/^/  | /' "$tmp/err" >&2
fi

echo "$passed passed, $failed failed"
((failed == 0))
