#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The module loads, creates its devices, exposes writable parameters, has
# stable noinline handlers (kallsyms, ftrace) and BTF, and unloads cleanly.
# timeout: 120
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"

step "load"
gadget_load
for dev in "${GADGET_DEVICES[@]}"; do
	[[ -c $GADGET_DEV/$dev ]] || fail "$GADGET_DEV/$dev is not a character device"
	perms=$(stat -c %a "$GADGET_DEV/$dev")
	[[ $perms == 666 ]] || fail "$GADGET_DEV/$dev has mode $perms, not 666"
done
echo "devices:" "$GADGET_DEV"/*

step "parameters are writable, and bounded"
for p in latency_us mixed_threshold queue_depth pattern verify_writes; do
	[[ -w $GADGET_PARAMS/$p ]] || fail "parameter $p is not writable"
done
gadget_set latency_us 1234
[[ $(cat "$GADGET_PARAMS/latency_us") == 1234 ]] || fail "latency_us did not change"
if echo 99999999 >"$GADGET_PARAMS/latency_us" 2>/dev/null; then
	fail "latency_us accepted 99999999 (more than 10 s)"
fi
if echo 0 >"$GADGET_PARAMS/queue_depth" 2>/dev/null; then
	fail "queue_depth accepted 0"
fi
[[ $(cat "$GADGET_PARAMS/latency_us") == 1234 ]] || fail "a refused value changed latency_us"
modinfo -F parm "$GADGET_KO"

step "handlers: stable symbols that fentry and kprobes can target"
handlers=()
for dev in async sync blocking fake_async mixed; do
	handlers+=("gadget_${dev}_read_iter" "gadget_${dev}_write_iter")
done
handlers+=(gadget_noiter_read gadget_noiter_write)
# Read each list once: scanning them is slow under TCG.
grep '\[aio_gadget\]' /proc/kallsyms >/tmp/kallsyms
grep '\[aio_gadget\]' /sys/kernel/tracing/available_filter_functions >/tmp/ftrace
for h in "${handlers[@]}"; do
	grep -qE " t $h\s+\[aio_gadget\]" /tmp/kallsyms || fail "$h is not in /proc/kallsyms"
	grep -qE "^$h \[aio_gadget\]" /tmp/ftrace || fail "$h is not traceable (available_filter_functions)"
done
if grep -E "gadget_[a-z_]+_(read|write)(_iter)?\.(isra|constprop|part)" /tmp/kallsyms; then
	fail "a handler was cloned by the compiler"
fi
echo "${#handlers[@]} handlers in kallsyms and ftrace"

step "module BTF"
echo "build: $(cat "$AIO_VM_BTF_STATUS")"
if [[ $(cat "$AIO_VM_BTF_STATUS") == generated ]]; then
	[[ -f /sys/kernel/btf/aio_gadget ]] || fail "the module has BTF but /sys/kernel/btf/aio_gadget is missing"
	# grep -c reads to the end: grep -q would stop early, and under pipefail
	# bpftool's SIGPIPE would then fail the test.
	bpftool btf dump file /sys/kernel/btf/aio_gadget | grep -c "FUNC 'gadget_async_read_iter'" >/dev/null ||
		fail "gadget_async_read_iter is not in the module's BTF"
	echo "/sys/kernel/btf/aio_gadget has the handlers"
fi

step "counters"
cat "$GADGET_STATS/async/stats"
echo 0 >"$GADGET_STATS/async/stats"

step "unload"
gadget_unload
[[ ! -e $GADGET_DEV/async ]] || fail "$GADGET_DEV/async is still there after rmmod"
