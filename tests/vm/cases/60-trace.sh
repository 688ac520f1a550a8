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
# request, and under TCG that takes longer than one device's workload.
pass="for d in async sync blocking fake-async noiter; do
	'$AIO_AUDIT' probe --engine=libaio --mode=buffered -n 32 -s 4k -- $GADGET_DEV/\$d
done
'$AIO_AUDIT' probe --engine=libaio --mode=buffered -n 32 -s 512 -- $GADGET_DEV/mixed
'$AIO_AUDIT' probe --engine=libaio --mode=buffered -n 32 -s 64k -- $GADGET_DEV/mixed"
workload="$pass; sleep 1; $pass"

op() { # JSON SYMBOL FIELD: a field of the libaio read op with that symbol
	jq -r --arg s "$2" ".ops[] | select(.symbol == \$s and .api == \"libaio\" and .kind == \"read_iter\") | $3" "$1"
}

expect_eq() { # WHAT GOT WANT
	[[ "$2" == "$3" ]] || fail "$1: want '$3', got '$2'"
	echo "  ok   $1 = $2"
}

for run in fentry:fentry kprobe:raw tracepoint:raw tracepoint:event; do
	backend=${run%:*} hooks=${run#*:}
	step "backend $backend, syscall hooks $hooks"
	out=/tmp/trace-$backend-$hooks.json
	"$AIO_AUDIT" trace --backend "$backend" --syscall-hooks "$hooks" --json -- sh -c "{ $workload; } >/dev/null" \
		>"$out" || fail "trace --backend $backend --syscall-hooks $hooks exited $?"
	expect_eq "backend" "$(jq -r .backend "$out")" "$backend"
	expect_eq "syscall hooks" "$(jq -r .syscall_hooks "$out")" "$hooks"
	jq -r '.notes[] | "  note: " + .' "$out"
	full=$([[ $backend == tracepoint ]] && echo no || echo yes)

	expect_eq "async" "$(op "$out" gadget_async_read_iter .verdict)" async
	expect_eq "sync" "$(op "$out" gadget_sync_read_iter .verdict)" sync
	expect_eq "blocking" "$(op "$out" gadget_blocking_read_iter .verdict)" blocking
	if [[ $full == yes ]]; then
		expect_eq "fake-async" "$(op "$out" gadget_fake_async_read_iter .verdict)" fake-async
	else
		expect_eq "fake-async (no context here)" "$(op "$out" gadget_fake_async_read_iter .verdict)" blocking
	fi
	expect_eq "mixed async share" "$(op "$out" gadget_mixed_read_iter '.shares.async')" 0.5
	expect_eq "mixed sync share" "$(op "$out" gadget_mixed_read_iter '.shares.sync')" 0.5
	noiter=$(jq -r '.ops[] | select(.op == "(no read_iter)" and .api == "libaio") | .verdict' "$out")
	expect_eq "noiter" "$noiter" unsupported

	expect_eq "module" "$(op "$out" gadget_async_read_iter .module)" aio_gadget
	expect_eq "requests seen" "$(op "$out" gadget_async_read_iter .requests)" 64
	expect_eq "lost events" "$(jq '[.lost[]] | add' "$out")" 0

	# One io_submit of [blocking read, async read]. With io_submit_one hooked
	# the blocking device's sleep is in its own submission, not the async
	# one's; the tracepoint backend charges a call's sleeps to all its
	# requests (docs/trace.md), but still tells the two requests apart.
	batch=/tmp/trace-batch-$backend-$hooks.json
	"$AIO_AUDIT" trace --backend "$backend" --syscall-hooks "$hooks" --json -- \
		"$AIO_VM_BATCH_SUBMIT" 16 "$GADGET_DEV/blocking" "$GADGET_DEV/async" >"$batch" ||
		fail "trace of batch_submit exited $?"
	jq -c '.ops[] | {op, api, requests, syscalls, slept_in_submission, slept_in_call, completed_in_call,
		completed_in_syscall, completed_after, verdict}' "$batch"
	expect_eq "batch: blocking requests" "$(op "$batch" gadget_blocking_read_iter .requests)" 16
	expect_eq "batch: async completed after the syscall" "$(op "$batch" gadget_async_read_iter .completed_after)" 16
	expect_eq "batch: blocking slept in submission" "$(op "$batch" gadget_blocking_read_iter .slept_in_submission)" 16
	if [[ $full == yes ]]; then
		expect_eq "batch: async slept in submission" "$(op "$batch" gadget_async_read_iter .slept_in_submission)" 0
		expect_eq "batch: async verdict" "$(op "$batch" gadget_async_read_iter .verdict)" async
	fi

	if [[ $full == yes ]]; then
		# Each request's own submission window, from io_submit_one.
		jq -e '.notes | any(startswith("submission windows per request: io_submit_one"))' "$out" >/dev/null ||
			fail "io_submit_one not hooked: $(jq -c .notes "$out")"
		expect_eq "async submission windows" "$(op "$out" gadget_async_read_iter .submit_ns.count)" 64
		expect_eq "blocking slept in its own submission" \
			"$(op "$out" gadget_blocking_read_iter .slept_in_submission)" 64
		# The driver function's own return value, hooked at run time: at
		# least the second pass is seen, and every hooked call agrees.
		for dev in async:eiocbqueued fake_async:eiocbqueued sync:bytes blocking:bytes; do
			fn=gadget_${dev%%:*}_read_iter want=${dev#*:}
			rets=$(op "$out" "$fn" '.driver_returned | "\(.eiocbqueued) \(.bytes) \(.error)"')
			read -r queued bytes errors <<<"$rets"
			case $want in
			eiocbqueued) [[ $queued -ge 32 && $bytes == 0 && $errors == 0 ]] ;;
			bytes) [[ $bytes -ge 32 && $queued == 0 && $errors == 0 ]] ;;
			esac || fail "$fn returned -EIOCBQUEUED/bytes/errors $rets, want only $want (>= 32)"
			echo "  ok   $fn returned $want: $rets"
		done
		# Completions of the async device come from its workqueue, after io_submit.
		expect_eq "async completed in a task" \
			"$(op "$out" gadget_async_read_iter '.completion_context.other_task')" 64
		expect_eq "async completed after the syscall" \
			"$(op "$out" gadget_async_read_iter .completed_after)" 64
		expect_eq "fake-async completed inside its call" \
			"$(op "$out" gadget_fake_async_read_iter .completed_in_call)" 64
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
