#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# 100 load/unload cycles under load: each cycle loads the module with random
# parameters, runs random I/O on every device through every interface,
# tries rmmod while it runs (must be refused), kills the load with requests
# in flight or lets it finish, and unloads.  The runner then fails the case
# on any warning, BUG, oops or leak in the kernel log; the slab objects of
# aio and io_uring requests must be back where they started.
# timeout: 900
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
cycles=${AIO_VM_CYCLES:-100}
[[ -n $cycles ]] || cycles=100

slab_objects() { # CACHE: allocated objects (exact: slub_debug is on for it)
	cut -d' ' -f1 "/sys/kernel/slab/$1/objects" 2>/dev/null
}
aio0=$(slab_objects aio_kiocb)
uring0=$(slab_objects io_kiocb)
[[ -n $aio0 && -n $uring0 ]] || fail "cannot read /sys/kernel/slab/{aio_kiocb,io_kiocb}/objects"

for i in $(seq "$cycles"); do
	latency=$((RANDOM % 3000))
	insmod "$GADGET_KO" latency_us=$latency queue_depth=$((1 + RANDOM % 8)) \
		mixed_threshold=$((512 + RANDOM % 65536)) pattern=$((RANDOM % 256))
	for dev in "${GADGET_DEVICES[@]}"; do
		until [[ -c $GADGET_DEV/$dev ]]; do sleep 0.05; done
	done
	# Emptied here, not by the redirection below: the shell may run the
	# first grep before the background child truncates the file, and see
	# the previous cycle's "load: running" (seen once, under a loaded host).
	: >/tmp/load.log
	"$GADGET_CHECK" load 20000 --seed "$i" >>/tmp/load.log 2>&1 &
	load=$!
	until grep -q '^load: running' /tmp/load.log; do
		kill -0 $load 2>/dev/null || {
			cat /tmp/load.log
			fail "cycle $i: the load did not start"
		}
		sleep 0.05
	done
	sleep 0.$((1 + RANDOM % 4))
	if rmmod aio_gadget 2>/dev/null; then
		fail "cycle $i: rmmod succeeded while the devices were open"
	fi
	if ((i % 2)); then
		# Dies with requests in flight: exit cancels (aio) or waits (io_uring).
		kill -9 $load
		wait $load 2>/dev/null || true
	else
		kill -TERM $load
		wait $load || {
			cat /tmp/load.log
			fail "cycle $i: the load saw wrong data or results"
		}
	fi
	gadget_unload
	((i % 10)) || echo "cycle $i: $(tail -1 /tmp/load.log)"
done

aio1=$(slab_objects aio_kiocb)
uring1=$(slab_objects io_kiocb)
echo "aio_kiocb objects: $aio0 -> $aio1, io_kiocb objects: $uring0 -> $uring1"
[[ $aio1 == "$aio0" ]] || fail "aio requests leaked: $aio0 -> $aio1"
# io_uring caches freed requests per ring; rings are gone, so none remain.
[[ $uring1 -le $uring0 ]] || fail "io_uring requests leaked: $uring0 -> $uring1"
