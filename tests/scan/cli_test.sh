#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `aio-audit scan` and `aio-audit check` end to end: outputs, formats and
# exit codes on tests/fixtures/scan, and --git-range in a throwaway repo.
#   cli_test.sh BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
fx=$src/tests/fixtures/scan
tmp=$(mktemp -d /tmp/aio-scan-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
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
json_ok() {
	if ! command -v python3 >/dev/null; then
		ok # nothing to validate JSON with; the unit tests check the structure
		return
	fi
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"; then ok; else bad "$1: not JSON"; fi
}

# --- scan
expect_rc 0 "scan fixtures" -- "$bin" scan "$fx/modern" "$fx/legacy26"
contains out "fake_async.c:53: fake-async: fake_async_fops (read_iter=fake_read_iter, write_iter=fake_write_iter)"
contains out "gadget_aio.c:164: async: ep_io_operations (aio_read=ep_aio_read)"
contains out "lost.c:13: error: queued-without-completion: lost_fops"
contains out "summary: 27 file_operations in 25 files:"

expect_rc 0 "scan --only" -- "$bin" scan --only fake-async --no-summary "$fx/modern"
if [[ $(wc -l <"$tmp/out") == 3 ]]; then ok; else bad "--only printed $(wc -l <"$tmp/out") lines"; fi

expect_rc 0 "scan --verbose" -- "$bin" scan -v "$fx/modern/sync_branch.c"
contains out "deferred-completion: $fx/modern/sync_branch.c:29: ki_complete() (2 arguments) in ep_async_complete"
contains out "[ep_read_iter > ep_io_submit ~> ep_async_complete]"

expect_rc 0 "scan --json" -- "$bin" scan --json "$fx/modern"
json_ok "scan --json"
contains out '"fake-async": 2'
expect_rc 0 "scan --sarif" -- "$bin" scan --sarif "$fx/legacy26"
json_ok "scan --sarif"
contains out '"version": "2.1.0"'

expect_rc 2 "scan of a missing path" -- "$bin" scan "$fx/no/such/dir"
contains err "cannot scan"
expect_rc 2 "scan --json --sarif" -- "$bin" scan --json --sarif "$fx"
expect_rc 2 "scan --only bogus" -- "$bin" scan --only bogus "$fx"

# --- check with diffs
expect_rc 1 "check fake-async diff" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx"
contains out "ERROR:AIO_FAKE_ASYNC: fake_async_fops"
contains out "#9: FILE: modern/fake_async.c:53:"
contains out "total: 1 errors, 1 warnings, 0 checks, 1 file_operations checked"
expect_rc 0 "check clean diff" -- "$bin" check --diff "$fx/diffs/async_clean.diff" --tree "$fx"
expect_rc 0 "check unrelated diff" -- "$bin" check --diff "$fx/diffs/unrelated.diff" --tree "$fx"
contains out "0 file_operations checked"
expect_rc 0 "check blocking diff" -- "$bin" check --diff "$fx/diffs/blocking.diff" --tree "$fx"
expect_rc 1 "check blocking diff, --fail-on blocking" -- \
	"$bin" check --diff "$fx/diffs/blocking.diff" --tree "$fx" --fail-on blocking
expect_rc 1 "check lost diff" -- "$bin" check --diff "$fx/diffs/lost.diff" --tree "$fx"
expect_rc 0 "check lost diff, --fail-on none" -- "$bin" check --diff "$fx/diffs/lost.diff" --tree "$fx" --fail-on none
expect_rc 1 "check series, github" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format github
contains out "::error file=legacy26/fake_aio.c,line=38,title=aio-audit fake-async::"
expect_rc 1 "check series, sarif" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format sarif
json_ok "check sarif"
expect_rc 1 "check series, json" -- "$bin" check --diff "$fx/diffs/series.patch" --tree "$fx" --format json
json_ok "check json"
contains out '"failed": true'
(cd "$fx" && "$bin" check --diff - <diffs/fake_async.diff >"$tmp/out" 2>"$tmp/err")
if [[ $? == 1 ]]; then ok; else bad "check --diff - from stdin"; fi

expect_rc 2 "check not a diff" -- "$bin" check --diff "$fx/diffs/not_a_diff.txt" --tree "$fx"
expect_rc 2 "check without input" -- "$bin" check --tree "$fx"
expect_rc 2 "check with both inputs" -- "$bin" check --diff x --git-range a..b
expect_rc 2 "check missing diff file" -- "$bin" check --diff "$tmp/none.diff"
expect_rc 2 "check bad --fail-on" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --tree "$fx" --fail-on slow
expect_rc 2 "check bad --format" -- "$bin" check --diff "$fx/diffs/fake_async.diff" --format xml

# --- check --git-range in a repository of its own
if command -v git >/dev/null; then
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
	contains out "::error file=drivers/demo/demo.c,line=53,title=aio-audit fake-async::"
	# B not checked out: the post-image comes from git, not the work tree.
	g checkout -q HEAD~1
	expect_rc 1 "check --git-range main..branch, detached" -- \
		"$bin" check --git-range "HEAD..$(git -C "$repo" rev-parse HEAD@{1})" --tree "$repo"
	expect_rc 0 "check --git-range HEAD.. (work tree)" -- "$bin" check --git-range HEAD.. --tree "$repo"
	expect_rc 2 "check --git-range outside a repository" -- "$bin" check --git-range HEAD~1..HEAD --tree "$tmp"
	expect_rc 2 "check --git-range unknown revision" -- "$bin" check --git-range nosuch..HEAD --tree "$repo"
fi

echo "$passed passed, $failed failed"
((failed == 0))
