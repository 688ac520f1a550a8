/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 3: the scheduler. Voluntary sleeps of a submitter inside
 * a submitting syscall, their off-CPU time and kernel stacks, and (tracepoint
 * backend) which ring events another context posted while it was off CPU.
 */
/* ------------------------------------------------------------- sched_switch */

/* The submitter leaves the CPU inside io_submit: where the ring's tail is. */
static __always_inline void note_tail_out(struct task_state *st)
{
	struct kioctx *k = (struct kioctx *)st->kctx;

	if (!k)
		return;
	st->ktail_out = BPF_CORE_READ(k, tail);
	st->ktail_valid = 1;
}

/* It is back: the events posted meanwhile were posted by another context.
 * Bit k of offcpu_posted stands for the k-th event since the call began. */
static __always_inline void note_tail_in(struct task_state *st)
{
	struct kioctx *k = (struct kioctx *)st->kctx;
	__u32 nr = st->kctx_nr, tail, a, b;
	__u64 below_b;

	if (!st->ktail_valid)
		return;
	st->ktail_valid = 0;
	tail = BPF_CORE_READ(k, tail);
	if (tail == st->ktail_out || !nr)
		return;
	a = (st->ktail_out + nr - st->tail_enter) % nr;
	b = (tail + nr - st->tail_enter) % nr;
	if (b <= a || a >= 64)
		return;
	below_b = b >= 64 ? ~0ULL : (1ULL << b) - 1;
	st->offcpu_posted |= below_b & ~((1ULL << a) - 1);
}

/* One sleep of a submitter, back on CPU after `delta` ns: into the sleep
 * table under its op, stack and place (inside the driver call or not). */
static __always_inline void count_sleep(const struct task_state *st, __u64 delta)
{
	struct aio_audit_sleep_key key = {};
	struct aio_audit_sleep_val *val, fresh = {};

	key.stack_id = st->stack_id;
	key.in_call = st->in_call;
	if (st->in_call)
		key.op = st->call_op;
	else
		key.op = st->ops[0];
	val = bpf_map_lookup_elem(&sleeps, &key);
	if (!val) {
		__builtin_memcpy(fresh.comm, st->comm, sizeof(fresh.comm));
		bpf_map_update_elem(&sleeps, &key, &fresh, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&sleeps, &key);
		if (!val) {
			drop(AA_DROP_SLEEP_TABLE);
			return;
		}
	}
	__sync_fetch_and_add(&val->sleeps, 1);
	__sync_fetch_and_add(&val->offcpu_ns, delta);
}

static __always_inline void on_switch(void *ctx, __u32 prev_tid, bool voluntary, __u32 next_tid)
{
	struct task_state *st;
	__u64 now;

	st = bpf_map_lookup_elem(&tasks, &prev_tid);
	if (st && (st->in_syscall == AA_SYS_IO_SUBMIT || st->in_syscall == AA_SYS_URING_ENTER)) {
		/* Off CPU, preempted or asleep: I/O it issued that completes
		 * now was completed by another context while it waited. */
		st->off_cpu = 1;
		if (voluntary) {
			st->switched_out = bpf_ktime_get_ns();
			st->sleeps++;
			st->stack_id = bpf_get_stackid(ctx, &stacks, 0);
			if (st->stack_id < 0)
				drop(AA_DROP_STACK);
		}
		if (!have_call_hooks && st->in_syscall == AA_SYS_IO_SUBMIT)
			note_tail_out(st);
	}

	st = bpf_map_lookup_elem(&tasks, &next_tid);
	if (!st || !st->off_cpu)
		return;
	st->off_cpu = 0;
	if (!have_call_hooks && st->in_syscall == AA_SYS_IO_SUBMIT)
		note_tail_in(st);
	if (!st->switched_out)
		return;
	now = bpf_ktime_get_ns();
	{
		__u64 delta = now - st->switched_out;

		st->offcpu += delta;
		st->switched_out = 0;
		count_sleep(st, delta);
	}
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(ctx, BPF_CORE_READ(prev, pid), !preempt, BPF_CORE_READ(next, pid));
	return 0;
}

/* TASK_REPORT_MAX marks a preempted task in the tracepoint's prev_state. */
#define TASK_REPORT_MAX_ 0x100

SEC("tracepoint/sched/sched_switch")
int sched_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	long state = BPF_CORE_READ(ctx, prev_state);
	bool voluntary = state != 0 && !(state & TASK_REPORT_MAX_);

	on_switch(ctx, BPF_CORE_READ(ctx, prev_pid), voluntary, BPF_CORE_READ(ctx, next_pid));
	return 0;
}
