#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rmmod with requests in flight: refused (EBUSY) while they hold their files,
# clean once they are cancelled (aio, at exit) or completed (io_uring), and
# the same when the submitter exits without waiting.
# timeout: 180
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"

hold() { # ENGINE DEVICE N [--exit]: leave N requests in flight
	local out=/tmp/hold.$$
	"$GADGET_CHECK" hold "$@" >"$out" 2>&1 &
	holder=$!
	for _ in $(seq 100); do
		grep -q '^held' "$out" && return
		kill -0 $holder 2>/dev/null || break
		sleep 0.1
	done
	cat "$out"
	fail "hold $* did not get its requests in flight"
}

for engine in aio uring; do
	step "$engine: 4 requests in flight on async, the file closed"
	# 6 s: the checks below must run while the requests are in flight, and
	# on a loaded 2-core host a TCG guest stalled longer than 1.5 s between
	# "held" and rmmod (seen on 6.1 and 6.12-rt, 2026-12-02).
	gadget_load latency_us=6000000
	hold "$engine" async 4
	[[ $(gadget_stat async in_flight) == 4 ]] || fail "in_flight is $(gadget_stat async in_flight), not 4"
	if rmmod aio_gadget 2>/tmp/rmmod.err; then
		fail "rmmod succeeded with requests in flight"
	fi
	echo "rmmod refused: $(cat /tmp/rmmod.err)"
	grep -qi 'in use\|busy' /tmp/rmmod.err || fail "rmmod failed for another reason"
	kill -9 $holder
	wait $holder 2>/dev/null || true
	gadget_unload
	echo "unloaded after the holder died"
done

step "the submitter exits at once, requests in flight"
gadget_load latency_us=500000
"$GADGET_CHECK" hold aio async 8 --exit
"$GADGET_CHECK" hold uring async 8 --exit
"$GADGET_CHECK" hold uring fake-async 1 --exit
gadget_unload
echo "unloaded"
