#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# libaio (io_submit) against every device, reads and writes: the data, where
# the completion was when io_submit returned (the aio ring), whether the
# submitter slept, and the module's own record of each request.
# timeout: 300
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
gadget_load latency_us=20000 mixed_threshold=4096

for dev in async sync blocking fake-async noiter; do
	for op in "" --write; do
		step "libaio $dev ${op:-read}"
		run "$GADGET_CHECK" aio "$dev" --size 4096 --count 8 $op
	done
done

step "mixed: split by size"
run "$GADGET_CHECK" aio mixed --size 65536 --count 8
run "$GADGET_CHECK" aio mixed --size 512 --count 8
run "$GADGET_CHECK" aio mixed --size 4096 --count 4 --write
run "$GADGET_CHECK" aio mixed --size 4095 --count 4 --write

step "writes that do not match the pattern fail with -EIO"
for dev in async sync blocking fake-async; do
	run "$GADGET_CHECK" aio "$dev" --size 4096 --count 2 --corrupt
done
