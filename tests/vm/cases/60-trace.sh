#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# aio-audit trace with each backend forced in turn (fentry, kprobe,
# tracepoint): every gadget device is classified as its mode dictates, the
# driver function is named with its module, the driver's own return value is
# seen where it can be hooked, and the fake-async device's stack shows the
# wait inside the driver. The tracepoint backend sees no completion context,
# so fake-async is blocking there (docs/trace.md). The syscalls are hooked by
# fentry on the syscall functions with the fentry backend (its default), at
# the raw sys_enter/sys_exit tracepoints (tp_btf) with the kprobe and
# tracepoint backends, and with one tracepoint per syscall once more.
# timeout: 600
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
require_subcommand trace
require_subcommand probe
gadget_load latency_us=5000 mixed_threshold=4096

# The workload: 32 libaio reads per device; mixed twice, below and above the
# threshold, so its one op splits half sync, half async. It runs twice: the
# tracer hooks each driver function's return once it has seen its first
# request, and under TCG that takes longer than one device's workload. Then
# 16 io_submit calls of [blocking read, async read] (batch_submit): one trace
# per backend serves both (a trace's start costs ~15 s under TCG).
pass="for d in async sync blocking fake-async noiter; do
	'$AIO_AUDIT' probe --engine=libaio --mode=buffered -n 32 -s 4k -- $GADGET_DEV/\$d
done
'$AIO_AUDIT' probe --engine=libaio --mode=buffered -n 32 -s 512 -- $GADGET_DEV/mixed
'$AIO_AUDIT' probe --engine=libaio --mode=buffered -n 32 -s 64k -- $GADGET_DEV/mixed"
batch="'$AIO_VM_BATCH_SUBMIT' 16 $GADGET_DEV/blocking $GADGET_DEV/async"
workload="$pass; sleep 1; $pass; $batch"

op() { # SYMBOL FIELD: a field of the libaio read op with that symbol (trace_facts)
	fact "$1/read_iter" "$2"
}

expect_eq() { # WHAT GOT WANT
	[[ "$2" == "$3" ]] || fail "$1: want '$3', got '$2'"
	echo "  ok   $1 = $2"
}

# PREEMPT_RT (doctor, not the kernel's version) changes what a sleep is.
rt=$("$AIO_AUDIT" doctor --json --no-mount | jq -r '.capabilities[] | select(.id == "kernel.preempt_rt") | .status')
echo "  PREEMPT_RT (doctor kernel.preempt_rt): $rt"

for run in fentry:fentry kprobe:raw tracepoint:raw tracepoint:event; do
	backend=${run%:*} hooks=${run#*:}
	step "backend $backend, syscall hooks $hooks"
	out=/tmp/trace-$backend-$hooks.json
	"$AIO_AUDIT" trace --backend "$backend" --syscall-hooks "$hooks" --json -- sh -c "{ $workload; } >/dev/null" \
		>"$out" || fail "trace --backend $backend --syscall-hooks $hooks exited $?"
	jq -r '(.notes[] | "  note: " + .), (.ops[] | select(.api == "libaio") | "  " + ({op, requests, syscalls,
		syscalls_slept, slept_in_submission, slept_in_call, completed_in_call, completed_in_syscall, completed_after,
		verdict, driver_returned} | tostring))' "$out"
	trace_facts "$out" '.symbol + "/" + .kind'
	expect_eq "backend" "${FACTS[backend]}" "$backend"
	expect_eq "syscall hooks" "${FACTS[syscall_hooks]}" "$hooks"
	full=$([[ $backend == tracepoint ]] && echo no || echo yes)

	expect_eq "async" "$(op gadget_async_read_iter verdict)" async
	expect_eq "sync" "$(op gadget_sync_read_iter verdict)" sync
	expect_eq "blocking" "$(op gadget_blocking_read_iter verdict)" blocking
	if [[ $full == yes ]]; then
		expect_eq "fake-async" "$(op gadget_fake_async_read_iter verdict)" fake-async
	else
		expect_eq "fake-async (no context here)" "$(op gadget_fake_async_read_iter verdict)" blocking
	fi
	mixed_async=$(op gadget_mixed_read_iter shares.async)
	mixed_sync=$(op gadget_mixed_read_iter shares.sync)
	if [[ $mixed_async != 0.5 && $rt == yes ]]; then
		# PREEMPT_RT: spinlock_t is a sleeping lock. A submitter that finds
		# one held blocks on it, which the tracer counts as a sleep (seen:
		# 1 in 128, in SLUB's node list_lock allocating the aio_kiocb in
		# io_submit_one). Allowed only with the sleep's stack in the rtlock
		# path.
		# Also as below: an async-half request whose submitter was preempted
		# past the latency completes during its call (sync on the
		# tracepoint backend, which cannot see by whom).
		stack=$(jq -r '.stacks[] | select(.op == "gadget_mixed_read_iter [aio_gadget]") | .frames | join(" ")' "$out")
		blocking=$(fact gadget_mixed_read_iter/read_iter shares.blocking 0)
		during=$(($(op gadget_mixed_read_iter completed_in_call) + $(op gadget_mixed_read_iter completed_in_syscall) - 64))
		echo "  mixed: async share $mixed_async, blocking $blocking, $during async-half requests completed during their call; sleeps: $stack"
		[[ $blocking == 0 ]] || grep -qE 'rtlock|rt_spin_lock|rt_mutex' <<<"$stack" ||
			fail "mixed: blocking share $blocking, and not from an rtlock wait: $stack"
		((during >= 0 && during <= 4)) || fail "mixed: $during async-half requests completed during their call"
		mixed_async=$(awk -v a="$mixed_async" -v b="$blocking" -v d="$during" 'BEGIN { print a + b + d / 128 }')
		mixed_sync=$(awk -v s="$mixed_sync" -v d="$during" 'BEGIN { if (s > 0.5) s -= d / 128; print s }')
		echo "  this kernel (PREEMPT_RT): mixed async requests that waited on an rtlock or were preempted past the latency"
	fi
	expect_eq "mixed async share" "$mixed_async" 0.5
	expect_eq "mixed sync share" "$mixed_sync" 0.5
	expect_eq "noiter" "$(fact /read_iter verdict)" unsupported

	expect_eq "module" "$(op gadget_async_read_iter module)" aio_gadget
	# 64 from probe, 16 in batches.
	expect_eq "requests seen" "$(op gadget_async_read_iter requests)" 80
	lost=0
	for k in "${!FACTS[@]}"; do [[ $k == lost.* ]] && lost=$((lost + FACTS[$k])); done
	expect_eq "lost events" "$lost" 0

	# The batches: one io_submit of [blocking read, async read]. With
	# io_submit_one hooked the blocking device's sleep is in its own
	# submission, not the async one's, and each call slept for the blocking
	# op only; the tracepoint backend charges a call's sleeps to all its
	# requests (docs/trace.md), but still tells the two requests apart.
	after=$(op gadget_async_read_iter completed_after)
	if [[ $after != 80 && $rt == yes ]]; then
		# Seen on the 6.12-rt guest: a submitter preempted (not asleep) in
		# its call for longer than the 5 ms latency; its request is still
		# completed by the workqueue, and still async.
		during=$(($(op gadget_async_read_iter completed_in_call) + $(op gadget_async_read_iter completed_in_syscall)))
		echo "  this kernel (PREEMPT_RT): $during async requests completed while their submitter was preempted in io_submit"
		((during <= 4)) || fail "async: $during of 80 completed during their call"
		after=$((after + during))
	fi
	expect_eq "async completed after the syscall" "$after" 80
	expect_eq "blocking slept in submission" "$(op gadget_blocking_read_iter slept_in_submission)" 80
	expect_eq "blocking: every call slept" \
		"$(op gadget_blocking_read_iter syscalls_slept)/$(op gadget_blocking_read_iter syscalls)" 80/80
	if [[ $full == yes ]]; then
		async_slept=$(op gadget_async_read_iter slept_in_submission)
		if ((async_slept > 0)) && [[ $rt == yes ]]; then
			# PREEMPT_RT: the rtlock waits described above.
			stack=$(jq -r '.stacks[] | select(.op == "gadget_async_read_iter [aio_gadget]") | .frames | join(" ")' "$out")
			grep -qE 'rtlock|rt_spin_lock|rt_mutex' <<<"$stack" ||
				fail "async: $async_slept slept, and not from an rtlock wait: $stack"
			echo "  this kernel (PREEMPT_RT): $async_slept async requests waited on an rtlock"
		else
			expect_eq "async slept in submission" "$async_slept" 0
			expect_eq "async: no call slept for it" "$(op gadget_async_read_iter syscalls_slept)" 0
		fi
	else
		async_slept=$(op gadget_async_read_iter slept_in_submission)
		if ((async_slept > 16)) && [[ $rt == yes ]]; then
			# The same rtlock waits as above, outside the batches.
			stack=$(jq -r '.stacks[] | select(.op == "gadget_async_read_iter [aio_gadget]") | .frames | join(" ")' "$out")
			grep -qE 'rtlock|rt_spin_lock|rt_mutex' <<<"$stack" ||
				fail "async: $async_slept slept, and not from an rtlock wait: $stack"
			echo "  this kernel (PREEMPT_RT): $((async_slept - 16)) async requests waited on an rtlock"
			async_slept=16
		fi
		expect_eq "async: the batches' sleeps" "$async_slept" 16
	fi

	if [[ $full == yes ]]; then
		# Each request's own submission window, from io_submit_one.
		[[ ${FACTS[*]} == *"submission windows per request: io_submit_one"* ]] ||
			fail "io_submit_one not hooked: $(jq -c .notes "$out")"
		expect_eq "async submission windows" "$(op gadget_async_read_iter submit_ns.count)" 80
		# The driver function's own return value, hooked at run time: at
		# least the second pass is seen, and every hooked call agrees.
		for dev in async:eiocbqueued fake_async:eiocbqueued sync:bytes blocking:bytes; do
			fn=gadget_${dev%%:*}_read_iter want=${dev#*:}
			queued=$(op "$fn" driver_returned.eiocbqueued) bytes=$(op "$fn" driver_returned.bytes)
			errors=$(op "$fn" driver_returned.error) observed=$(op "$fn" driver_returned.observed)
			rets="$queued $bytes $errors $observed"
			case $want in
			eiocbqueued) [[ $queued -ge 32 && $bytes == 0 && $errors == 0 && $observed == "$queued" ]] ;;
			bytes) [[ $bytes -ge 32 && $queued == 0 && $errors == 0 && $observed == "$bytes" ]] ;;
			esac || fail "$fn returned -EIOCBQUEUED/bytes/errors/observed $rets, want only $want (>= 32)"
			echo "  ok   $fn returned $want: $rets"
		done
		# Completions of the async device come from its workqueue, after io_submit.
		expect_eq "async completed in a task" \
			"$(op gadget_async_read_iter completion_context.other_task)" 80
		expect_eq "fake-async completed inside its call" \
			"$(op gadget_fake_async_read_iter completed_in_call)" 64
		# Where the fake-async submitter slept: inside the driver, waiting for
		# the request it had just queued.
		stack=$(jq -r '.stacks[] | select(.op == "gadget_fake_async_read_iter [aio_gadget]" and .in_call)
			| .frames | join("\n")' "$out")
		# wait_for_completion() is inlined into __wait_for_common() on 6.1.
		grep -qE "wait_for_completion|__wait_for_common" <<<"$stack" ||
			fail "fake-async stack without wait_for_completion: $stack"
		grep -q "^0x\|\[bpf\]" <<<"$stack" && fail "fake-async stack with unresolved or BPF frames: $stack"
		grep -q "\[aio_gadget\]" <<<"$stack" || fail "fake-async stack without a gadget frame: $stack"
		echo "  ok   fake-async slept in: $(grep -m1 aio_gadget <<<"$stack")"
	fi
done
