/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 7: io_uring. The submitting phase of io_uring_enter (the
 * syscall hooks are in part 8), each read/write request from submission to
 * completion: inline, completed later, or punted to io-wq.
 */
/* ------------------------------------------------------------------ io_uring */

static __always_inline int on_uring_enter(void)
{
	struct task_state *st = traced_task(bpf_get_current_pid_tgid());

	if (!st)
		return 0;
	begin_syscall(st);
	st->in_syscall = AA_SYS_URING_ENTER;
	st->uring_seq++;
	st->uring_last_slept = 0;
	/* Sleeps in submission are charged to io_uring's submission path. */
	__builtin_memset(&st->ops[0], 0, sizeof(st->ops[0]));
	st->ops[0].api = AA_API_URING;
	st->t_enter = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_uring_exit(void)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);

	if (!st || (st->in_syscall != AA_SYS_URING_ENTER && st->in_syscall != AA_SYS_URING_WAIT))
		return 0;
	if (st->in_syscall == AA_SYS_URING_ENTER)
		st->uring_last_slept = st->sleeps != 0;
	st->in_syscall = AA_SYS_NONE;
	return 0;
}


/* io_uring_enter stops submitting and starts waiting for completions: what
 * happens from here on is reaping, not submission. */
SEC("tracepoint/io_uring/io_uring_cqring_wait")
int uring_cqring_wait(void *ctx)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);

	if (!st || st->in_syscall != AA_SYS_URING_ENTER)
		return 0;
	st->uring_last_slept = st->sleeps != 0;
	st->in_syscall = AA_SYS_URING_WAIT;
	return 0;
}

static __always_inline __s8 uring_kind(__u8 opcode)
{
	if (opcode == IORING_OP_READ_ || opcode == IORING_OP_READV_ || opcode == IORING_OP_READ_FIXED_)
		return AA_KIND_READ;
	if (opcode == IORING_OP_WRITE_ || opcode == IORING_OP_WRITEV_ || opcode == IORING_OP_WRITE_FIXED_)
		return AA_KIND_WRITE;
	return -1;
}

static __always_inline int on_uring_submit(__u64 key, __u8 opcode)
{
	__u32 tid = current_tid();
	struct task_state *st;
	struct uring_req r = {};
	__s8 kind = uring_kind(opcode);

	if (kind < 0 || !tracked())
		return 0;
	r.tid = tid;
	r.kind = kind;
	r.t_submit = bpf_ktime_get_ns();
	st = bpf_map_lookup_elem(&tasks, &tid);
	if (st && st->in_syscall == AA_SYS_URING_ENTER) {
		r.in_enter = 1;
		r.seq = st->uring_seq;
	}
	if (bpf_map_update_elem(&uring_reqs, &key, &r, BPF_ANY))
		drop(AA_DROP_REQUEST);
	return 0;
}

SEC("tracepoint/io_uring/io_uring_submit_req")
int uring_submit_req(struct trace_event_raw_io_uring_submit_req *ctx)
{
	return on_uring_submit((__u64)BPF_CORE_READ(ctx, req), BPF_CORE_READ(ctx, opcode));
}

/*
 * Up to 6.3 the event was named io_uring_submit_sqe; 2ad57931db64
 * ("io_uring: rename trace_io_uring_submit_sqe() tracepoint", v6.4) named it
 * io_uring_submit_req, with req and opcode the same fields. User space picks
 * the variant by which event tracefs lists (6.1: submit_sqe; 6.12:
 * submit_req). Declared locally: the build's vmlinux.h may come from a newer
 * kernel that lacks the type, and CO-RE matches it by name at load time.
 */
struct trace_event_raw_io_uring_submit_sqe {
	struct trace_entry ent;
	void *ctx;
	void *req;
	unsigned long long user_data;
	__u8 opcode;
} __attribute__((preserve_access_index));

SEC("tracepoint/io_uring/io_uring_submit_sqe")
int uring_submit_sqe(struct trace_event_raw_io_uring_submit_sqe *ctx)
{
	return on_uring_submit((__u64)BPF_CORE_READ(ctx, req), BPF_CORE_READ(ctx, opcode));
}

SEC("tracepoint/io_uring/io_uring_queue_async_work")
int uring_queue_async(struct trace_event_raw_io_uring_queue_async_work *ctx)
{
	__u64 key = (__u64)BPF_CORE_READ(ctx, req);
	struct uring_req *r = bpf_map_lookup_elem(&uring_reqs, &key);

	if (r)
		r->punted = 1;
	return 0;
}

static __always_inline int on_uring_complete(struct trace_event_raw_io_uring_complete *ctx, bool irq_aware)
{
	__u64 key = (__u64)BPF_CORE_READ(ctx, req);
	struct uring_req *r = bpf_map_lookup_elem(&uring_reqs, &key);
	struct aio_audit_evidence_key ev = {};
	struct acct a = { .reqs = &acct_one };
	struct aio_audit_op_stats *s;
	struct task_state *st;
	struct io_kiocb *req = (struct io_kiocb *)key;
	int res = BPF_CORE_READ(ctx, res);
	__u32 submitter;
	bool slept = false;

	if (!r)
		return 0;
	submitter = r->tid;
	/* The file is assigned at issue, after the submit tracepoint: read it now. */
	fill_op_from_file(&ev.op, BPF_CORE_READ(req, file), r->kind, AA_API_URING);
	ev.punted = r->punted;
	ev.context = completion_context(submitter, irq_aware);
	st = bpf_map_lookup_elem(&tasks, &submitter);
	if (r->in_enter && st && st->in_syscall == AA_SYS_URING_ENTER && st->uring_seq == r->seq) {
		ev.completed = AA_WHEN_IN_SYSCALL;
		slept = st->sleeps != 0;
	} else {
		ev.completed = AA_WHEN_AFTER_SYSCALL;
		if (st && st->uring_seq == r->seq)
			slept = st->uring_last_slept;
	}
	ev.slept_in_call = AA_TRI_UNKNOWN;
	ev.slept_in_submission = r->in_enter ? (slept ? AA_TRI_YES : AA_TRI_NO) : AA_TRI_UNKNOWN;
	ev.refused = res == -EINVAL_ || res == -EOPNOTSUPP_;
	s = op_stats(&ev.op);
	a.errors = res < 0;
	a.complete = (struct acct_span){ .start = r->t_submit, .end = bpf_ktime_get_ns(), .n = 1 };
	account(s, &ev, &a);
	bpf_map_delete_elem(&uring_reqs, &key);
	return 0;
}

SEC("tracepoint/io_uring/io_uring_complete")
int uring_complete(struct trace_event_raw_io_uring_complete *ctx)
{
	return on_uring_complete(ctx, false);
}

SEC("tracepoint/io_uring/io_uring_complete")
int uring_complete_irq(struct trace_event_raw_io_uring_complete *ctx)
{
	return on_uring_complete(ctx, true);
}
