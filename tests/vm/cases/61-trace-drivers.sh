#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# aio-audit trace against real in-tree drivers of the guest kernel, with each
# backend forced in turn (fentry, kprobe, tracepoint): null_blk completing
# inline (irqmode=0) and from an hrtimer (irqmode=2), a 4-request queue fed
# 16-iocb batches, scsi_debug answering from an hrtimer (delay=1 jiffy, its
# default) and inline (delay=0), loop with direct I/O on and off, brd, and a
# cold buffered read of ext4 on a loop device whose worker shares the reader's
# CPU. The expectations come from what each driver does in its 6.1 source
# (docs/vm.md has the table); every device is its own op, named by its device.
# On a PREEMPT_RT kernel (doctor's kernel.preempt_rt) interrupt handlers,
# soft hrtimers and softirqs run in threads: the same drivers must still be
# async, completed by other tasks (docs/verdicts.md).
# timeout: 900
source "$AIO_VM_SRC/tests/vm/guest/lib.sh"
require_subcommand trace
B=$AIO_VM_BATCH_SUBMIT
cfg=/sys/kernel/config/nullb
sdebug=/sys/bus/pseudo/drivers/scsi_debug
wq_mask=/sys/devices/virtual/workqueue/cpumask
work=/tmp/drivers
mkdir -p "$work/ext4"
loops=()

cleanup() {
	set +e
	[[ -n ${wq_mask_was:-} ]] && echo "$wq_mask_was" >"$wq_mask"
	mountpoint -q "$work/ext4" && umount "$work/ext4"
	for l in "${loops[@]}"; do losetup -d "$l"; done
	for d in "$cfg"/*/; do [[ -d $d ]] && echo 0 >"$d/power" && rmdir "$d"; done
	for m in scsi_debug null_blk brd loop ext4; do grep -q "^$m " /proc/modules && rmmod "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT

# What the kernel does with interrupts and what the tracer can read of them,
# from doctor (not from the kernel's version): kernel.preempt_rt (IRQs and
# softirqs in threads), bpf.preempt_count (hardirq/softirq told from task
# context). Every x86 kernel has preempt_count where the tracer reads it
# (__preempt_count, or pcpu_hot.preempt_count on 6.2-6.14: bpf/preempt_count.h),
# so there it must be readable; the branches below without it are for other
# architectures.
doctor=$("$AIO_AUDIT" doctor --json --no-mount)
cap() { jq -r --arg id "$1" '.capabilities[] | select(.id == $id) | .status' <<<"$doctor"; }
rt=$(cap kernel.preempt_rt) irq_ctx=$(cap bpf.preempt_count)
[[ $rt == yes || $rt == no ]] || fail "doctor reported no kernel.preempt_rt"
[[ -n $irq_ctx ]] || fail "doctor reported no bpf.preempt_count"
echo "  PREEMPT_RT (doctor kernel.preempt_rt): $rt"
echo "  IRQ vs task context (doctor bpf.preempt_count): $irq_ctx ($(jq -r '.capabilities[] | select(.id == "bpf.preempt_count") | .detail' <<<"$doctor"))"
[[ $(uname -m) != x86_64 || $irq_ctx == yes ]] ||
	fail "x86_64, but doctor says bpf.preempt_count is $irq_ctx: neither __preempt_count nor pcpu_hot.preempt_count was read"
if [[ $irq_ctx != yes ]]; then
	echo "  this kernel: the tracer cannot tell hardirq/softirq from task context;" \
		"an interrupt on the submitter's CPU during its call counts as the submitter's"
fi

step "devices"
run modprobe -a configfs loop sd_mod ext4
run modprobe null_blk nr_devices=0
mountpoint -q /sys/kernel/config || run mount -t configfs none /sys/kernel/config

nullb() { # INDEX ATTR=VALUE...: /dev/nullbINDEX through configfs
	local d=$cfg/nullb$1 kv
	mkdir "$d"
	echo "$1" >"$d/index"
	shift
	for kv in size=1024 "$@"; do echo "${kv#*=}" >"$d/${kv%%=*}"; done
	echo 1 >"$d/power"
	for _ in $(seq 50); do [[ -b /dev/nullb${d##*nullb} ]] && return; sleep 0.1; done
	fail "no /dev/nullb${d##*nullb}"
}
# null_blk_main.c: irqmode 0 ends each request in null_queue_rq itself, on
# the submitter; 2 ends it from an hrtimer (hardirq) completion_nsec later.
nullb 0 irqmode=0
nullb 1 irqmode=2 completion_nsec=2000000
nullb 2 irqmode=2 completion_nsec=2000000 hw_queue_depth=4
echo 4 >/sys/block/nullb2/queue/nr_requests
nullb 3 irqmode=2 completion_nsec=200000

run modprobe brd rd_nr=2 rd_size=32768
run modprobe scsi_debug dev_size_mb=32
sd=
for _ in $(seq 100); do
	sd=$(ls "$sdebug"/adapter0/host*/target*/*/block 2>/dev/null | head -1)
	[[ -n $sd && -b /dev/$sd ]] && break
	sleep 0.1
done
[[ -n $sd && -b /dev/$sd ]] || fail "scsi_debug made no disk"
sd=/dev/$sd
echo "  scsi_debug disk: $sd, delay $(cat "$sdebug/delay") jiffy"

loop_dio=$(losetup --direct-io=on --show -f /dev/ram0)
loops+=("$loop_dio")
truncate -s 32M "$work/nodio.img"
loop_nodio=$(losetup --direct-io=off --show -f "$work/nodio.img")
loops+=("$loop_nodio")
truncate -s 16M "$work/ext4.img"
loop_ext4=$(losetup --direct-io=off --show -f "$work/ext4.img")
loops+=("$loop_ext4")
[[ $(cat /sys/block/${loop_dio#/dev/}/loop/dio) == 1 ]] || fail "$loop_dio: direct I/O did not turn on"
[[ $(cat /sys/block/${loop_nodio#/dev/}/loop/dio) == 0 ]] || fail "$loop_nodio: direct I/O is on"
run mkfs.ext4 -q "$loop_ext4"
run mount "$loop_ext4" "$work/ext4"
dd if=/dev/urandom of="$work/ext4/cold" bs=1M count=2 status=none
sync

times() { # N FILE: FILE N times
	local i
	for ((i = 0; i < $1; i++)); do echo -n "$2 "; done
}

# One traced command drives every device; each device is its own op (its
# i_rdev), so one trace per backend classifies them all.
mb=1048576
wq_mask_was=$(cat "$wq_mask")
workload="set -e
$B --direct 32 /dev/nullb0
$B --direct 32 /dev/nullb1
$B --direct --stride $mb 4 $(times 16 /dev/nullb2)
$B --direct --stride $mb --span $((512 * mb)) 4 $(times 16 /dev/nullb3)
$B --direct --stride $mb --span $((512 * mb)) 4 $(times 32 /dev/nullb3)
$B --direct --stride $((64 * 1024)) --span $((16 * mb)) 32 $sd
echo 0 >$sdebug/delay
$B --direct --write --stride $((64 * 1024)) --span $((16 * mb)) 32 $sd
echo 1 >$sdebug/delay
$B --direct --stride $((64 * 1024)) 32 $loop_dio
$B --direct --stride $((64 * 1024)) 32 $loop_nodio
$B --cold --stride $((64 * 1024)) 32 $loop_nodio
$B --direct --stride $((64 * 1024)) 32 /dev/ram1
echo 1 >$wq_mask
taskset -c 0 chrt --idle 0 $B --cold --stride 4096 --span $((2 * mb)) 64 $work/ext4/cold
echo $wq_mask_was >$wq_mask"

f() { # DEV MODE KIND FIELD [DEFAULT]: a field of the op on that device (by name)
	fact "$1 $2 $3" "$4" "${5:-}"
}

expect_eq() { # WHAT GOT WANT
	[[ "$2" == "$3" ]] || fail "$1: want '$3', got '$2'"
	echo "  ok   $1 = $2"
}

# The op's verdict. The tracepoint backend cannot tell an inline copy from a
# device that finished first: its requests ready at return are `sync`, and
# must all be marked ambiguous (inline?).
expect_verdict() { # WHAT DEV MODE KIND VERDICT
	local sync
	expect_eq "$1" "$(f "$2" "$3" "$4" verdict)" "$5"
	if [[ $full == no ]]; then
		sync=$(awk -v s="$(f "$2" "$3" "$4" shares.sync 0)" -v n="$(f "$2" "$3" "$4" requests)" \
			'BEGIN { printf "%d", s * n + 0.5 }')
		[[ $sync == "$(f "$2" "$3" "$4" ambiguous)" ]] ||
			fail "$1: $sync requests sync but $(f "$2" "$3" "$4" ambiguous) marked inline?"
	fi
}

preempted=() # backends under which some cold ext4 read waited without sleeping
sd=${sd#/dev/} loop_dio=${loop_dio#/dev/} loop_nodio=${loop_nodio#/dev/} ext4=${loop_ext4#/dev/}
for backend in fentry kprobe tracepoint; do
	step "backend $backend"
	out=/tmp/trace-drivers-$backend.json
	full=$([[ $backend == tracepoint ]] && echo no || echo yes)
	start=$(date +%s.%N)
	"$AIO_AUDIT" trace --backend "$backend" --json -- sh -c "$workload" >"$out" ||
		fail "trace --backend $backend exited $?"
	echo "  traced in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	jq -r '(.notes[] | "  note: " + .), (.ops[] | select(.api == "libaio") | "  \(.dev_name // .dev) \(.op) \(.mode) \(.kind): \(.requests) requests, \(.syscalls_slept)/\(.syscalls) calls slept, ctx \(.completion_context | tostring), in call/syscall/after \(.completed_in_call)/\(.completed_in_syscall)/\(.completed_after), waited \(.waited_for_device), ambiguous \(.ambiguous), driver \(.driver_returned | tostring) \(.driver_returned_not_observed // ""), \(.shares | tostring)"), "  lost: \(.lost | tostring) missed: \(.missed_runs | tostring) unfinished: \(.requests_unfinished)"' "$out"
	trace_facts "$out" '"\(.dev_name // .dev) \(.mode) \(.kind)"'
	# Skipped kprobes are counted from the perf links' info, which 6.7 and
	# later give; before, the report must say they are not.
	if [[ $backend == kprobe ]]; then
		unseen=$(jq '[.notes[] | select(startswith("kprobes the kernel skipped"))] | length' "$out")
		want=$(uname -r | awk -F. '{ print ($1 > 6 || ($1 == 6 && $2 + 0 >= 7)) ? 0 : 1 }')
		expect_eq "kprobe backend: note that skipped kprobes are not counted" "$unseen" "$want"
	fi

	# null_blk irqmode=0: null_queue_rq ends the request itself, so the aio
	# completion runs in the submitter's own driver call: an inline copy.
	expect_verdict "null_blk irqmode=0" nullb0 direct read_iter sync
	[[ $full == yes ]] && expect_eq "null_blk irqmode=0 completed by the submitter in its call" \
		"$(f nullb0 direct read_iter completion_context.submitter) $(f nullb0 direct read_iter completed_in_call)" "32 32"
	# irqmode=2: the hrtimer callback (hardirq) ends it 2 ms later.
	expect_verdict "null_blk irqmode=2" nullb1 direct read_iter async
	# Every request counted completed in hardirq. Now and then (1 in 32, in
	# one vm run of several) a completion is not seen - its program was
	# skipped, most likely, as a kprobe firing while another runs on its CPU
	# is (missed_runs, from 6.7): the request must then be counted lost, not
	# elsewhere. On PREEMPT_RT the
	# timer is a soft hrtimer: its softirq runs in a thread (ksoftirqd), which
	# the tracer still reports as softirq (the task's softirq_disable_cnt, a
	# plain task field: no IRQ-context symbol needed).
	if [[ $full == yes && ($irq_ctx == yes || $rt == yes) ]]; then
		ctx=$([[ $rt == yes ]] && echo softirq || echo hardirq)
		hard=$(f nullb1 direct read_iter completion_context.$ctx 0)
		expect_eq "null_blk irqmode=2: every request it counted completed in $ctx" \
			"$hard" "$(f nullb1 direct read_iter requests)"
		((hard <= 32 && hard + ${FACTS[lost.completions_not_seen]} >= 32)) ||
			fail "null_blk irqmode=2: $hard of 32 completed in $ctx, ${FACTS[lost.completions_not_seen]} counted lost"
	elif [[ $full == yes ]]; then
		# Context unreadable: the timer's completions are tasks' - ksoftirqd
		# or whatever task it interrupted, now and then the submitter itself.
		other=$(f nullb1 direct read_iter completion_context.other_task 0)
		own=$(f nullb1 direct read_iter completion_context.submitter 0)
		expect_eq "null_blk irqmode=2 (no IRQ context here): other tasks + submitter" \
			"$((other + own))" "$(f nullb1 direct read_iter requests)"
		echo "  this kernel: $own of 32 timer completions interrupted the submitter in its call and count as its own (sync)"
	fi
	# 4 requests, 16-iocb batches: every io_submit sleeps for a tag.
	expect_eq "null_blk, 4 requests, 16-iocb batches: blocking" "$(f nullb2 direct read_iter shares.blocking)" 1
	expect_eq "null_blk, 4 requests: calls that slept, requests" \
		"$(f nullb2 direct read_iter syscalls_slept)/$(f nullb2 direct read_iter syscalls) $(f nullb2 direct read_iter requests)" \
		"4/4 64"
	stack=$(jq -r '.stacks[] | select(.dev_name == "nullb2") | .frames | join(" ")' "$out")
	grep -q blk_mq_get_tag <<<"$stack" || fail "null_blk, 4 requests: no stack sleeping in blk_mq_get_tag: $stack"
	echo "  ok   null_blk, 4 requests: the calls slept in blk_mq_get_tag"
	# 200 us completions, 16 and 32 in flight: every request accounted for.
	# The lost count is the whole trace's: a completion not seen on nullb1
	# (above) counts there too, so it bounds nullb3's shortfall, not equals it.
	req3=$(f nullb3 direct read_iter requests)
	accounted=$((req3 + ${FACTS[lost.completions_not_seen]} + ${FACTS[requests_unfinished]}))
	((req3 <= 192 && accounted >= 192)) ||
		fail "null_blk 200 us: $req3 of 192 requests finished, $accounted with those counted lost or unfinished"
	echo "  ok   null_blk 200 us: requests finished or counted lost: $req3 finished, $accounted accounted of 192"
	expect_eq "null_blk 200 us: requests without a verdict" "$(f nullb3 direct read_iter shares.unknown 0)" 0
	expect_verdict "null_blk 200 us" nullb3 direct read_iter async
	# scsi_debug: delay=1 (jiffy) answers from an hrtimer; delay=0 answers in
	# the submitter's thread, but scsi_done() raises the block softirq
	# (blk_mq_complete_request_remote, one hardware queue), which ends it.
	expect_verdict "scsi_debug delay=1" "$sd" direct read_iter async
	expect_verdict "scsi_debug delay=0" "$sd" direct write_iter async
	# On PREEMPT_RT the block softirq runs in a thread (ksoftirqd, or the
	# submitter re-enabling bottom halves), still in_serving_softirq(): the
	# tracer reads that from the task. Where it cannot read the IRQ context
	# it is whichever task it interrupted, and only the verdict is checked.
	# A completion may go unseen as on null_blk above (once, kprobe backend,
	# 6.12 guest, 2026-12-02): counted lost, never elsewhere.
	if [[ $full == yes && ($irq_ctx == yes || $rt == yes) ]]; then
		soft=$(f "$sd" direct write_iter completion_context.softirq 0)
		expect_eq "scsi_debug delay=0: every request it counted ended in softirq" \
			"$soft" "$(f "$sd" direct write_iter requests)"
		((soft <= 32 && soft + ${FACTS[lost.completions_not_seen]} >= 32)) ||
			fail "scsi_debug delay=0: $soft of 32 ended in softirq, ${FACTS[lost.completions_not_seen]} counted lost"
	elif [[ $full == yes ]]; then
		echo "  this kernel: scsi_debug delay=0: contexts $(f "$sd" direct write_iter completion_context.other_task 0) other tasks," \
			"$(f "$sd" direct write_iter completion_context.submitter 0) the submitter's (no IRQ context here)," \
			"$(f "$sd" direct write_iter completed_in_call) completed during the call"
	fi
	# loop: its worker does the I/O (direct I/O to /dev/ram0, or buffered
	# reads of a tmpfs file) and ends the request; the submitter never waits.
	expect_verdict "loop, direct I/O on" "$loop_dio" direct read_iter async
	expect_verdict "loop, direct I/O off" "$loop_nodio" direct read_iter async
	# Its page cache read cold: the submitter waits for the worker.
	expect_eq "loop, buffered cold reads" "$(f "$loop_nodio" buffered read_iter verdict)" blocking
	# brd copies in the submitter's own call: an inline copy.
	expect_verdict "brd" ram1 direct read_iter sync
	# ext4 on a loop device whose worker shares the reader's CPU: the reader
	# is preempted by the worker doing its I/O and finds its page ready, most
	# times without ever sleeping: it still waited for the device. The
	# reader runs at SCHED_IDLE so that the worker's wakeup always asks to
	# preempt it (a normal task's wakeup asks only when it is owed time).
	others=0
	if [[ $full == yes ]]; then
		expect_eq "ext4 on loop, cold reads: blocking" "$(f "$ext4" buffered read_iter shares.blocking)" 1
	else
		# Tracepoint backend: once (the 6.12 guest of a CI run, 2026-12-02)
		# 1 read of 64 was seen neither sleeping nor with its block I/O
		# ending while the reader was off CPU, and counted sync; every
		# other run of every guest saw 64 of 64. Cause not known yet (a
		# completion interrupting the reader on its CPU would look so). One
		# is tolerated and said; more fails.
		share=$(f "$ext4" buffered read_iter shares.blocking)
		n=$(f "$ext4" buffered read_iter requests)
		others=$(awk -v s="$share" -v n="$n" 'BEGIN { printf "%d", n - s * n + 0.5 }')
		((others <= 1)) || fail "ext4 on loop, cold reads: $others of $n not blocking (share $share)"
		echo "  ok   ext4 on loop, cold reads: blocking $((n - others)) of $n$( ((others)) && echo " (1 seen as sync: see the comment)")"
	fi
	reqs=$(f "$ext4" buffered read_iter requests)
	slept=$(f "$ext4" buffered read_iter syscalls_slept)
	waited=$(f "$ext4" buffered read_iter waited_for_device)
	((slept + waited + others >= reqs)) || fail "ext4 cold reads: $slept slept, $waited waited, of $reqs"
	# Whether the worker preempted the reader before it slept is the
	# scheduler's choice: once (6.1 guest, fentry, 2026-12-02, the reader
	# then at SCHED_OTHER) all 64 slept. Every trace must account for
	# every read; the path it exercises must be seen under some backend.
	if ((slept < reqs)); then
		preempted+=("$backend")
		echo "  ok   ext4 cold reads: $((reqs - slept)) of $reqs waited for the device without sleeping"
	else
		echo "  ext4 cold reads: all $reqs slept in this trace; none waited without sleeping"
	fi

	# The driver's return value: seen, or said to be unseen, never zeros.
	seen=0 all=0
	for k in "${!FACTS[@]}"; do
		[[ $k == *" driver_returned.observed" ]] || continue
		((FACTS[$k] > 0)) || fail "${k% *}: a driver return value printed as zeros"
		seen=$((seen + FACTS[$k]))
	done
	for k in "${!FACTS[@]}"; do
		[[ $k == *" requests" ]] || continue
		all=$((all + FACTS[$k]))
		[[ -n ${FACTS["${k% *} driver_returned.observed"]:-}${FACTS["${k% *} driver_returned_not_observed"]:-} ]] ||
			fail "${k% *}: driver return value neither seen nor said why not"
	done
	if [[ $full == yes ]]; then
		echo "  driver return values seen for $seen of $all requests"
		# blkdev_read_iter queues every O_DIRECT read (-EIOCBQUEUED) and
		# returns a byte count for buffered ones.
		expect_eq "blkdev O_DIRECT reads returned -EIOCBQUEUED" \
			"$(f nullb1 direct read_iter driver_returned.eiocbqueued)" "$(f nullb1 direct read_iter driver_returned.observed)"
		expect_eq "blkdev buffered reads returned bytes" \
			"$(f "$loop_nodio" buffered read_iter driver_returned.bytes)" \
			"$(f "$loop_nodio" buffered read_iter driver_returned.observed)"
	fi
	lost=0
	for k in "${!FACTS[@]}"; do
		[[ $k == lost.* && $k != lost.program_runs_missed && $k != lost.completions_not_seen ]] &&
			lost=$((lost + FACTS[$k]))
	done
	expect_eq "lost events other than skipped program runs" "$lost" 0
done

# The reader preempted by the loop worker, its page ready when it ran again:
# seen under at least one backend. On PREEMPT_RT (one run of the 6.12-rt
# guest) the worker did not preempt the reader before it slept.
if ((${#preempted[@]})); then
	echo "ok   ext4 cold reads waited without sleeping under: ${preempted[*]}"
elif [[ $rt == yes ]]; then
	echo "this kernel (PREEMPT_RT): every cold ext4 read slept under every backend; none waited without sleeping"
else
	fail "ext4 cold reads: every read slept under every backend; the preemption this case relies on never happened"
fi
