#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# io_cancel on the async device completes the cancelled requests at once
# with -ECANCELED and leaves the others alone; io_destroy cancels what is
# still in flight instead of waiting for it.
# timeout: 120
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
gadget_load latency_us=1000000
run "$GADGET_CHECK" cancel
