#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A full device queue (queue_depth=1): RWF_NOWAIT gets -EAGAIN at once, a
# plain submission sleeps in io_submit until a slot frees (backpressure:
# blocking, not fake-async), io_uring punts its -EAGAIN to a worker, and a
# device without FMODE_NOWAIT refuses RWF_NOWAIT outright.
# timeout: 120
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
gadget_load latency_us=300000 queue_depth=1
run "$GADGET_CHECK" nowait
