#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# aio-audit scan of the module's source gives each device's file_operations
# the static verdict its mode dictates.
# timeout: 120
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
require_subcommand scan

out=$("$AIO_AUDIT" scan --json "$AIO_VM_SRC/kernel-module") || fail "scan failed"
# Every object with a verdict, named by whichever field names the fops.
pairs=$(jq -r '.. | objects | select(has("verdict"))
	| "\(.fops // .name // .struct // .symbol // "?") \(.verdict)"' <<<"$out")
echo "$pairs"

expect_fops() { # FOPS VERDICT...
	local fops=$1 got
	shift
	got=$(awk -v f="$fops" '$1 == f { print $2; exit }' <<<"$pairs")
	[[ -n $got ]] || fail "scan did not report $fops"
	local v
	for v in "$@"; do
		[[ $got == "$v" ]] && {
			echo "  ok   $fops: $got"
			return
		}
	done
	fail "$fops: want $*, got $got"
}

expect_fops gadget_async_fops async
expect_fops gadget_sync_fops sync
expect_fops gadget_blocking_fops blocking
expect_fops gadget_fake_async_fops fake-async
# Both paths are in the source: async above the threshold, sync below.
expect_fops gadget_mixed_fops async mixed
expect_fops gadget_noiter_fops unsupported
