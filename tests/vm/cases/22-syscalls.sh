#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# read(2), write(2) and preadv2(RWF_NOWAIT): the synchronous kiocb paths.
# Deferred devices must wait for their own request; only FMODE_NOWAIT
# devices take RWF_NOWAIT; noiter serves read(2) through its old ->read.
# timeout: 120
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
gadget_load latency_us=20000 mixed_threshold=4096

for dev in "${GADGET_DEVICES[@]}"; do
	step "$dev"
	run "$GADGET_CHECK" rw "$dev" --size 4096
done
step "mixed below the threshold"
run "$GADGET_CHECK" rw mixed --size 512
