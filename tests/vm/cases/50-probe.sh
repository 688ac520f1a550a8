#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# aio-audit probe gives every device the verdict its mode dictates.  The
# probe sees no completion context, so fake-async looks blocking to it
# (DESIGN.md); mixed splits by size.  --expect turns it into exit codes.
# timeout: 300
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
require_subcommand probe
gadget_load latency_us=20000 mixed_threshold=4096

# Multi-value options (--op, --expect, ...) would swallow the target: "--"
# ends the options.
probe() { # EXPECT ARGS... TARGET: libaio, reads unless ARGS say otherwise
	local want=$1
	shift
	expect_status 0 "$AIO_AUDIT" probe --engine=libaio --mode=buffered -n 32 --expect="$want" \
		"${@:1:$#-1}" -- "${@: -1}"
}

step "reads"
probe async -s 4k "$GADGET_DEV/async"
probe sync -s 4k "$GADGET_DEV/sync"
probe blocking -s 4k "$GADGET_DEV/blocking"
probe blocking -s 4k "$GADGET_DEV/fake-async"
probe async -s 64k "$GADGET_DEV/mixed"
probe sync -s 512 "$GADGET_DEV/mixed"
probe unsupported -s 4k "$GADGET_DEV/noiter"

step "writes (the probe's data is not the pattern: verification off)"
gadget_set verify_writes 0
probe async -s 4k --write --op=write "$GADGET_DEV/async"
probe sync -s 4k --write --op=write "$GADGET_DEV/sync"
probe blocking -s 4k --write --op=write "$GADGET_DEV/blocking"
probe blocking -s 4k --write --op=write "$GADGET_DEV/fake-async"
probe unsupported -s 4k --write --op=write "$GADGET_DEV/noiter"

step "an unmet --expect exits 1"
expect_status 1 "$AIO_AUDIT" probe --engine=libaio --mode=buffered -n 8 -s 4k --expect=sync -- "$GADGET_DEV/async"
expect_status 1 "$AIO_AUDIT" probe --engine=libaio --mode=buffered -n 8 -s 4k --expect=async -- "$GADGET_DEV/fake-async"

step "for the record: every engine on every device (not asserted)"
"$AIO_AUDIT" probe --mode=buffered -n 8 -s 4k -- "$GADGET_DEV"/{async,sync,blocking,fake-async,mixed,noiter} || true
