#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest side of the vm tier.  guest/init runs this inside the guest, chrooted
# into the host's root (read-only, so every path is the host's), with
# /run/aio-vm the writable share the host reads the results from.
#
# Runs the cases named in guest.env one after the other.  For each case NAME
# it writes, as it goes (a guest that dies mid-case leaves the rest behind):
#   cases/NAME.status   running, then pass, fail or skip
#   cases/NAME.log      the case's output; the last line says why on fail/skip
#   cases/NAME.dmesg    the kernel messages printed while it ran
#   cases/NAME.time     seconds it took
# A case fails if it exits non-zero (77 = skip), overruns its timeout, or if
# the kernel logged a warning, BUG, oops or leak, or newly tainted itself, while
# it ran.  The module is unloaded between cases.
set -uo pipefail
R=/run/aio-vm
# shellcheck source=/dev/null
source "$R/guest.env"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C.UTF-8
export AIO_VM_SRC AIO_VM_BUILD AIO_VM_KO AIO_VM_BTF_STATUS AIO_VM_GADGET_CHECK AIO_VM_BATCH_SUBMIT AIO_AUDIT
export AIO_VM_CYCLES
mkdir -p "$R/cases"

cut -d' ' -f1 /proc/uptime >"$R/boot-seconds"
uname -r >"$R/kernel"
dmesg -c >"$R/boot.dmesg" 2>&1

# What the kernel must never print while a case runs.
bad='\] (WARNING|BUG)[: ]|kernel BUG at|Oops|general protection fault|Call Trace:|list_(add|del) corruption|refcount_t: |still has objects|requests leaked|blocked for more than|soft lockup|rcu_.*stall|Unable to handle|UBSAN:|double free|Poison overwritten|Redzone|Freepointer|Object padding'
# Taint bits that mean trouble: B bad page, D died, L soft lockup, M machine
# check, W warning.  (O and E, out-of-tree and unsigned, are ours.)
bad_taint=$((32 | 128 | 16384 | 16 | 512))

unload_gadget() {
	for _ in $(seq 50); do
		grep -q '^aio_gadget ' /proc/modules || return 0
		rmmod aio_gadget 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# A case whose process is stuck in the kernel cannot be killed, and waiting
# for it would hold the boot until the host's qemu timeout (seen in CI: a
# soft lockup, 2400 s). So wait with a deadline past the case's own timeout.
wait_case() { # PID SECONDS -> case_rc; 1 if still running at the deadline
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			return 1
		fi
		sleep 1
	done
	wait "$pid"
	case_rc=$?
	return 0
}

# What the host needs to see why: the stuck tasks' kernel stacks and every
# CPU's backtrace (sysrq l and w print them to the kernel log). The rest of
# the cases are not run: the kernel is not in a state to trust them.
stuck() { # NAME
	local name=$1 p
	{
		echo "FAIL: still running $((${limit:-300} + 60)) s after it started, past its timeout and SIGKILL: stuck in the kernel"
		for p in $(pgrep -s 0 -x aio-audit; pgrep -f "$name"); do
			echo "--- task $p ($(cat "/proc/$p/comm" 2>/dev/null)) in $(cat "/proc/$p/wchan" 2>/dev/null):"
			cat "/proc/$p/stack" 2>/dev/null
		done
	} >>"$R/cases/$name.log"
	echo 1 >/proc/sys/kernel/sysrq
	echo l >/proc/sysrq-trigger
	echo w >/proc/sysrq-trigger
	sleep 2
	dmesg -c >"$R/cases/$name.dmesg" 2>&1
	echo fail >"$R/cases/$name.status"
	echo "$name" >"$R/stuck"
	sync -f "$R"
}

for case in $AIO_VM_CASES; do
	name=$(basename "$case" .sh)
	echo running >"$R/cases/$name.status"
	limit=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$case" | head -1)
	taint0=$(cat /proc/sys/kernel/tainted)
	start=$(date +%s.%N)
	(cd /tmp && exec timeout -k 10 "${limit:-300}" bash "$case") >"$R/cases/$name.log" 2>&1 </dev/null &
	if ! wait_case $! $((${limit:-300} + 60)); then
		stuck "$name"
		break
	fi
	rc=$case_rc
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }' >"$R/cases/$name.time"

	why=""
	if ! unload_gadget; then
		why="the module could not be unloaded after the case"
	fi
	dmesg -c >"$R/cases/$name.dmesg" 2>&1
	taint1=$(cat /proc/sys/kernel/tainted)
	new_taint=$(((taint1 & ~taint0) & bad_taint))
	problems=$(grep -E "$bad" "$R/cases/$name.dmesg" | head -5)

	case $rc in
	0) status=pass ;;
	77) status=skip ;;
	124 | 137) status=fail why="timed out after ${limit:-300} s" ;;
	*) status=fail ;;
	esac
	if [[ -n $problems ]]; then
		status=fail
		why="kernel log: $problems"
	elif ((new_taint)); then
		status=fail
		why="the kernel tainted itself (tainted $taint0 -> $taint1)"
	fi
	[[ -n $why ]] && echo "FAIL: $why" >>"$R/cases/$name.log"
	echo "$status" >"$R/cases/$name.status"
	sync -f "$R"
done
[[ -f $R/stuck ]] || echo "done" >"$R/done"
sync -f "$R"
