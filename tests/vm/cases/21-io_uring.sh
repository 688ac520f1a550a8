#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# io_uring against every device: async devices complete later without a
# worker; sync ones inline; devices without FMODE_NOWAIT (blocking,
# fake-async, noiter) are punted to io-wq workers, where they block.
# timeout: 300
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
gadget_load latency_us=20000 mixed_threshold=4096

for dev in async sync blocking fake-async noiter; do
	for op in "" --write; do
		step "io_uring $dev ${op:-read}"
		run "$GADGET_CHECK" uring "$dev" --size 4096 --count 8 $op
	done
done

step "mixed: split by size"
run "$GADGET_CHECK" uring mixed --size 65536 --count 8
run "$GADGET_CHECK" uring mixed --size 512 --count 8

step "writes that do not match the pattern fail with -EIO"
run "$GADGET_CHECK" uring async --size 4096 --count 2 --corrupt
run "$GADGET_CHECK" uring sync --size 4096 --count 2 --corrupt
