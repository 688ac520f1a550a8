/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 2: kernel AIO (io_submit, io_getevents). The submitting
 * call's iocbs and ring tail at entry; at exit, which requests the kernel
 * posted to the ring during the call (tracepoint backend) or which driver
 * calls it made (call-hook backends); reaping times late completions.
 */
/* ---------------------------------------------------------------- io_submit */

/* fs/aio.c's struct aio_ring header: the user-visible ABI of the ring. */
#define AIO_RING_NR_OFF 4
#define AIO_RING_TAIL_OFF 12
#define AIO_RING_HEADER 32
#define IO_EVENT_SIZE 32
#define IO_EVENT_OBJ_OFF 8

struct enter_ctx {
	__u32 tid;
	__u64 iocbpp;
};

/*
 * A file's inode, f_op and f_flags: what its op is made of. They lie within
 * 40 bytes of each other in struct file (6.1 and 6.18), so one kernel read
 * takes all three where the layout allows (the offsets are CO-RE constants:
 * the verifier drops the branch that does not apply), three otherwise.
 */
static __always_inline void read_file_id(struct file *file, struct file_id *id)
{
	__u32 o_inode = bpf_core_field_offset(struct file, f_inode);
	__u32 o_op = bpf_core_field_offset(struct file, f_op);
	__u32 o_flags = bpf_core_field_offset(struct file, f_flags);
	__u32 lo = o_inode < o_op ? o_inode : o_op;
	__u32 hi = (o_inode > o_op ? o_inode : o_op) + 8;
	__u8 buf[64];

	lo = o_flags < lo ? o_flags : lo;
	hi = o_flags + 4 > hi ? o_flags + 4 : hi;
	if (hi - lo <= sizeof(buf) && !bpf_probe_read_kernel(buf, hi - lo, (void *)file + lo)) {
		id->inode = *(__u64 *)(buf + (o_inode - lo));
		id->fop = *(__u64 *)(buf + (o_op - lo));
		id->flags = *(__u32 *)(buf + (o_flags - lo));
		return;
	}
	id->inode = (__u64)BPF_CORE_READ(file, f_inode);
	id->fop = (__u64)BPF_CORE_READ(file, f_op);
	id->flags = BPF_CORE_READ(file, f_flags);
}

/* Read user iocb i and resolve the op it will reach. */
static __always_inline void record_iocb_in(struct task_state *st, __u32 i, __u64 iocbpp,
					   struct task_struct *task)
{
	struct {
		__u16 opcode;
		__s16 reqprio;
		__u32 fd;
	} head = {};
	__u64 uiocb = 0;
	__u32 j = i & (AA_MAX_TRACKED_IOCBS - 1);
	struct file *file;
	__u8 kind;

	st->iocbs[j] = 0;
	st->ntracked = i + 1;
	bpf_probe_read_user(&uiocb, sizeof(uiocb), (void *)(iocbpp + i * sizeof(__u64)));
	/* struct iocb: aio_lio_opcode, aio_reqprio, aio_fildes at offset 16. */
	if (!uiocb || bpf_probe_read_user(&head, sizeof(head), (void *)(uiocb + 16)))
		return;
	if (head.opcode == IOCB_CMD_PREAD_ || head.opcode == IOCB_CMD_PREADV_)
		kind = AA_KIND_READ;
	else if (head.opcode == IOCB_CMD_PWRITE_ || head.opcode == IOCB_CMD_PWRITEV_)
		kind = AA_KIND_WRITE;
	else
		return; /* fsync, poll, noop: not read_iter/write_iter */
	st->iocbs[j] = uiocb;
	file = task_fd_to_file(task, head.fd);
	if (file) {
		struct file_id id = {};
		struct file_id *cached = &st->cached_file[kind & 1];

		read_file_id(file, &id);
		if (cached->inode != id.inode || cached->fop != id.fop || cached->flags != id.flags) {
			__builtin_memset(&st->cached_op[kind & 1], 0, sizeof(st->cached_op[0]));
			fill_op(&st->cached_op[kind & 1], (const struct file_operations *)id.fop,
				(struct inode *)id.inode, id.flags, kind, AA_API_KAIO);
			*cached = id;
		}
		st->ops[j] = st->cached_op[kind & 1];
	} else {
		__builtin_memset(&st->ops[j], 0, sizeof(st->ops[j]));
		st->ops[j].kind = kind;
		st->ops[j].api = AA_API_KAIO;
	}
	if (!have_call_hooks)
		st->cops[j] = call_op_index(st, &st->ops[j]);
}

/* bpf_loop callback for io_submit calls with more than one iocb. */
static int record_iocb(__u32 i, struct enter_ctx *c)
{
	struct task_state *st = bpf_map_lookup_elem(&tasks, &c->tid);

	if (!st)
		return 1;
	record_iocb_in(st, i, c->iocbpp, bpf_get_current_task_btf());
	return 0;
}

/*
 * Whether tgid is in the traced scope, for --sample N's calls that are only
 * counted: the followed table's lookup (a command's forked descendants,
 * fio's jobs) is asked once per CPU per process while the table is unchanged.
 * The generation is read before the lookup, so an entry added meanwhile makes
 * the cached answer stale, never a wrong one kept.
 */
static __always_inline bool in_scope_cached(struct aio_audit_totals *t, __u32 tgid)
{
	__u32 gen;
	__u64 seen;
	bool in;

	if (filter_comm || !targ_tgid || !follow_children || tgid == targ_tgid || tgid == self_tgid)
		return tracked_tgid(tgid);
	gen = *(volatile __u32 *)&followed_gen;
	seen = t->scope_seen;
	if ((seen >> 32) == tgid && ((seen >> 1) & 0x7fffffff) == (gen & 0x7fffffff))
		return seen & 1;
	in = tracked_tgid(tgid);
	t->scope_seen = (__u64)tgid << 32 | (__u64)(gen & 0x7fffffff) << 1 | in;
	return in;
}

/*
 * --sample N: every call of a traced thread is counted, one in N per CPU is
 * followed. Only io_submit's entry program writes these counts. Where it is
 * the raw sys_enter hook of the tracepoint backend the adds are plain, as
 * sys_exit_btf's are (add_count); elsewhere they are atomic although per CPU,
 * so that a preempted program's update is not lost. The countdown is never
 * atomic: a lost update there only moves which call is followed.
 */
static __always_inline bool follow_call(__u64 pid_tgid, long nr)
{
	__u32 zero = 0;
	struct aio_audit_totals *t;

	t = bpf_map_lookup_elem(&totals, &zero);
	if (!t || !in_scope_cached(t, pid_tgid >> 32))
		return false;
	add_count(&t->io_submit_calls, 1, exclusive_counts);
	if (nr != 1)
		add_count(&t->io_submit_extra_iocbs, (nr > 0 ? nr : 0) - 1, exclusive_counts);
	if (t->until_sample) {
		t->until_sample--;
		return false; /* its exit finds no syscall in progress */
	}
	t->until_sample = sample_every - 1;
	return true;
}

/*
 * io_destroy calls seen since the programs were loaded. A kioctx kept from
 * before one may have been freed and its memory reused, even by another
 * process's ring at the same user address: a kept kioctx is used only while
 * this count is the one it was found under.
 */
__u32 kctx_gen = 0;

static __always_inline int on_io_destroy(void)
{
	__sync_fetch_and_add(&kctx_gen, 1);
	return 0;
}

/*
 * The kernel's kioctx behind ring ctx_id whose id (its index in the mm's
 * ioctx table) the ring's user header gave, as lookup_ioctx() finds it;
 * NULL where it does not resolve (a bad ctx_id: io_submit will refuse it).
 */
static __always_inline struct kioctx *find_kctx(struct task_struct *task, __u64 ctx_id, __u32 id)
{
	struct kioctx_table *table;
	struct kioctx *k = NULL;

	if (!bpf_core_field_exists(task->mm->ioctx_table))
		return NULL;
	table = BPF_CORE_READ(task, mm, ioctx_table);
	if (!table || id >= BPF_CORE_READ(table, nr))
		return NULL;
	bpf_core_read(&k, sizeof(k), &table->table[id]);
	if (!k || BPF_CORE_READ(k, user_id) != ctx_id)
		return NULL;
	return k;
}

/*
 * Tracepoint backend: the ring's tail when io_submit begins, and its kioctx
 * in st->kctx (0 where it does not resolve). The kernel moves the kioctx's
 * tail with the ring's (aio_complete) and it reads from any context: from a
 * kept kioctx, one kernel read (~8 ns) instead of a read of the ring's user
 * mapping (~36 ns). Only a thread's first call on a ring, or its first after
 * any io_destroy, reads the user header for the id to find the kioctx by.
 */
static __always_inline void tail_at_enter(struct task_state *st, struct task_struct *task, __u64 ctx_id)
{
	/* Read before the lookup: an io_destroy meanwhile makes the kept
	 * kioctx stale at the next call, never a stale one kept as fresh. */
	__u32 gen = *(volatile __u32 *)&kctx_gen;
	/* struct aio_ring's id, nr, head, tail: one read. */
	__u32 hdr[4] = {};
	struct kioctx *k;

	/* A local, not a cast inside BPF_CORE_READ: CO-RE would relocate
	 * the task_state access too. */
	k = (struct kioctx *)st->kctx;
	if (k && st->kctx_for == ctx_id && st->kctx_gen == gen) {
		st->tail_enter = BPF_CORE_READ(k, tail);
		return;
	}
	bpf_probe_read_user(hdr, sizeof(hdr), (void *)ctx_id);
	st->tail_enter = hdr[AIO_RING_TAIL_OFF / 4];
	k = find_kctx(task, ctx_id, hdr[0]);
	st->kctx = (__u64)k;
	st->kctx_for = ctx_id;
	st->kctx_gen = gen;
	if (!k)
		return;
	st->kctx_nr = BPF_CORE_READ(k, nr_events);
	/* The exit reads the kioctx's tail: so does the entry. */
	st->tail_enter = BPF_CORE_READ(k, tail);
}

static __always_inline int on_io_submit_enter(struct task_struct *task, __u64 ctx_id, long nr, __u64 iocbpp)
{
	__u64 pid_tgid = task_pid_tgid(task);
	__u32 tid = (__u32)pid_tgid;
	struct task_state *st;

	if (sample_every > 1 && !follow_call(pid_tgid, nr))
		return 0;
	st = traced_task(pid_tgid);
	if (!st)
		return 0;
	begin_syscall(st);
	if (sample_every > 1)
		__sync_fetch_and_add(&followed_calls, 1);
	st->in_syscall = AA_SYS_IO_SUBMIT;
	st->ctx_id = ctx_id;
	/* The call-hook backends see completions themselves: no ring reads. */
	if (!have_call_hooks)
		tail_at_enter(st, task, ctx_id);

	{
		struct enter_ctx ectx = { .tid = tid, .iocbpp = iocbpp };
		__u32 n = nr > AA_MAX_TRACKED_IOCBS ? AA_MAX_TRACKED_IOCBS : (nr > 0 ? nr : 0);

		/* One iocb per call is the common case (fio's default): no loop. */
		if (n == 1)
			record_iocb_in(st, 0, iocbpp, task);
		else
			bpf_loop(n, record_iocb, &ectx, 0);
	}
	if (nr > AA_MAX_TRACKED_IOCBS)
		__sync_fetch_and_add(&drops[AA_DROP_UNTRACKED], nr - AA_MAX_TRACKED_IOCBS);
	st->t_enter = bpf_ktime_get_ns();
	return 0;
}

/* Finalize one kernel-AIO request once both its completion and the end of its
 * submitting syscall have been seen (call-hook backends). */
static __always_inline void finish_request(struct req_state *r)
{
	struct aio_audit_evidence_key ev = {};
	struct acct a = { .reqs = &acct_one };
	struct aio_audit_op_stats *s;

	ev.op = r->op;
	ev.refused = r->refused;
	ev.context = r->refused ? AA_CTX_UNKNOWN : r->context;
	ev.completed = r->refused ? AA_WHEN_UNKNOWN : r->completed;
	ev.slept_in_call = r->call_done ? (r->call_slept ? AA_TRI_YES : AA_TRI_NO) : AA_TRI_UNKNOWN;
	/* With io_submit_one hooked, submission is this request's own part of
	 * the syscall: in a batch, a sleep for another iocb is not its sleep. */
	ev.slept_in_submission = (r->has_one ? r->one_slept : r->slept_sub) ? AA_TRI_YES : AA_TRI_NO;
	ev.call_slept = r->op_slept ? AA_TRI_YES : AA_TRI_NO;
	ev.waited_for_device = !have_block_hooks ? AA_TRI_UNKNOWN : r->waited_dev ? AA_TRI_YES : AA_TRI_NO;

	s = op_stats(&r->op);
	/* The flags are 0 or 1: counts of this one request. */
	a.device_io = r->issued_io;
	a.errors = r->res < 0;
	a.n_ret = r->has_driver_ret;
	a.ret = r->driver_ret;
	a.submit.start = r->has_one ? r->t_one_enter : r->t_syscall;
	a.submit.end = r->has_one ? r->t_one_exit : r->t_exit;
	a.submit.n = a.submit.end > a.submit.start;
	/* t_call_exit is set with call_done and 0 before it: no call_done
	 * test, which costs ~10 instructions here. */
	a.call.start = r->t_call_enter;
	a.call.end = r->t_call_exit;
	a.call.n = a.call.end > a.call.start;
	a.complete.start = a.submit.start;
	a.complete.end = r->t_complete;
	a.complete.n = a.complete.end > a.complete.start;
	account(s, &ev, &a);
}

/*
 * A request of process tgid that waited in user_reqs has completed: its event
 * (user address ev, in the ring or in io_getevents' array) was seen at now.
 * Whoever deletes the entry times it, so a request is timed once even when
 * io_submit's exit and a reaping thread race for it.
 */
static __always_inline void time_completion(__u32 tgid, __u64 uiocb, __u64 ev, __u64 now)
{
	struct user_req_key uk = { .tgid = tgid, .iocb = uiocb };
	/* No request and no evidence: io_submit's exit counted them. */
	struct acct a = {};
	struct user_req *ur;
	struct aio_audit_op_key op;
	__u64 t_submit;
	__s64 res = 0;

	ur = bpf_map_lookup_elem(&user_reqs, &uk);
	if (!ur)
		return;
	op = ur->op;
	t_submit = ur->t_submit;
	if (bpf_map_delete_elem(&user_reqs, &uk))
		return;
	__sync_fetch_and_sub(&reqs_to_reap, 1);
	bpf_probe_read_user(&res, sizeof(res), (void *)(ev + 16));
	a.errors = res < 0;
	a.complete = (struct acct_span){ .start = t_submit, .end = now, .n = 1 };
	account_in(op_stats(&op), NULL, &a, NULL, exclusive_counts);
}

struct exit_ctx {
	__u32 tid;
	__u32 tgid;
	__u32 tail_enter;
	__u32 ring_nr;
	__u64 ring;
	__u64 now;
	__u64 t_enter;
	long ret;
	__u32 tail_exit; /* the ring's tail when this exit looked */
	__u64 offcpu;
};

/* The k-th event the kernel posted to the ring while io_submit ran names, in
 * io_event.obj, the user iocb it completed. */
static __always_inline void mark_posted_in(struct task_state *st, __u32 k, struct exit_ctx *c)
{
	__u32 idx = c->ring_nr ? (c->tail_enter + k) % c->ring_nr : 0;
	__u64 obj = 0;

	/* Onto the stack, then into the map value: a user read straight into
	 * a map value has the hardened-usercopy check look the destination up
	 * as a heap object (__check_object_size, ~1.3% of a traced fio's CPU
	 * on 6.18); the stack is checked by its bounds. */
	bpf_probe_read_user(&obj, sizeof(obj),
			    (void *)(c->ring + AIO_RING_HEADER + (__u64)idx * IO_EVENT_SIZE + IO_EVENT_OBJ_OFF));
	st->posted[k & (AA_MAX_TRACKED_IOCBS - 1)] = obj;
	st->n_posted = k + 1;
}

static int mark_posted(__u32 k, struct exit_ctx *c)
{
	struct task_state *st = bpf_map_lookup_elem(&tasks, &c->tid);

	if (!st)
		return 1;
	mark_posted_in(st, k, c);
	return 0;
}

/* The group in st->acc reaches the maps; the call slept if any switch did. */
static __always_inline void flush_op(struct task_state *st, struct exit_ctx *c)
{
	struct exit_acc *g = &st->acc;
	struct acct_reqs *r = &g->reqs;
	__u8 slept = st->sleeps != 0;
	struct aio_audit_evidence_key ev = {};
	struct acct a = { .reqs = r };
	struct aio_audit_op_stats *s;
	struct call_op *co;
	bool count_call;
	__u32 judged;

	if (!g->have_op || !(r->n + r->n_elsewhere + r->n_after + r->n_refused))
		return;
	ev.op = g->op;
	/* Without io_submit_one the whole call is each request's submission. */
	ev.slept_in_submission = slept ? AA_TRI_YES : AA_TRI_NO;
	ev.call_slept = ev.slept_in_submission;
	ev.waited_for_device = !have_block_hooks ? AA_TRI_UNKNOWN : st->dev_waits ? AA_TRI_YES : AA_TRI_NO;
	ev.completed = AA_WHEN_IN_SYSCALL;

	s = op_stats_in(&g->op, &st->slots);
	/* A call is counted once per op it carried; marked so even when the op
	 * table is full (nothing leaves it: a later group fails the same way),
	 * and before the counts below are read, which a store to the map value
	 * after them would make the compiler read again. */
	co = &st->call_ops[g->cop & (AA_MAX_CALL_OPS - 1)];
	count_call = g->cop < AA_MAX_CALL_OPS && !co->counted;
	if (count_call)
		co->counted = 1;
	a.syscalls = count_call;
	a.syscalls_slept = count_call & slept;
	a.offcpu_ns = c->offcpu;
	judged = r->n + r->n_elsewhere + r->n_after;
	a.device_io = st->bios ? judged : 0;
	a.submit = (struct acct_span){ .start = c->t_enter, .end = c->now, .n = judged };
	a.complete = (struct acct_span){ .start = c->t_enter, .end = c->now, .n = r->n + r->n_elsewhere };
	account_in(s, &ev, &a, &st->slots, exclusive_counts);
	__builtin_memset(r, 0, sizeof(*r));
}

struct find_ctx {
	struct task_state *st;
	__u64 uiocb;
	__u32 k;
	bool found;
};

/* bpf_loop callback: was iocb f->uiocb among the events posted during the
 * syscall? A callback, not an inline loop: the verifier would walk every
 * iteration on every path of the exit program. */
static int find_posted(__u32 k, struct find_ctx *f)
{
	if (f->st->posted[k & (AA_MAX_TRACKED_IOCBS - 1)] != f->uiocb)
		return 0;
	f->found = true;
	f->k = k;
	return 1;
}

/* Tracepoint backend: the facts of iocb i are final at io_submit's exit; a
 * request still in flight waits in user_reqs for io_getevents to say when it
 * was reaped. */
static __always_inline void finish_iocb_in(struct task_state *st, __u32 i, struct exit_ctx *c)
{
	__u32 j = i & (AA_MAX_TRACKED_IOCBS - 1);
	__u32 submitted = c->ret > 0 ? c->ret : 0;
	__u64 uiocb;

	uiocb = st->iocbs[j];
	if (!uiocb)
		return;
	if (!st->acc.have_op || !same_op(&st->acc.op, &st->ops[j])) {
		flush_op(st, c);
		st->acc.op = st->ops[j];
		st->acc.cop = st->cops[j];
		st->acc.have_op = 1;
	}
	if (i >= submitted) {
		/* io_submit refuses only its first failing iocb, and returns its
		 * error only when that is the first one. */
		if (i == 0 && (c->ret == -EINVAL_ || c->ret == -EOPNOTSUPP_))
			st->acc.reqs.n_refused++;
		return;
	}
	/* One event posted for one iocb is the common case: no loop. */
	if (st->n_posted == 1 && st->posted[0] == uiocb) {
		if (st->offcpu_posted & 1)
			st->acc.reqs.n_elsewhere++;
		else
			st->acc.reqs.n++;
		return;
	}
	if (st->n_posted > 1) {
		struct find_ctx f = { .st = st, .uiocb = uiocb };

		bpf_loop(st->n_posted < AA_MAX_TRACKED_IOCBS ? st->n_posted : AA_MAX_TRACKED_IOCBS,
			 find_posted, &f, 0);
		if (f.found) {
			/* Posted while the submitter was off CPU: another context
			 * completed it. */
			if (f.k < 64 && (st->offcpu_posted >> f.k) & 1)
				st->acc.reqs.n_elsewhere++;
			else
				st->acc.reqs.n++;
			return;
		}
	}
	st->acc.reqs.n_after++;
	{
		struct user_req_key uk = { .tgid = c->tgid, .iocb = uiocb };
		struct user_req ur = { .t_submit = c->t_enter, .op = st->ops[j] };

		if (bpf_map_update_elem(&user_reqs, &uk, &ur, BPF_ANY)) {
			drop(AA_DROP_REQUEST);
		} else {
			__sync_fetch_and_add(&reqs_to_reap, 1);
			st->n_waiting++;
		}
	}
}

static int finish_iocb(__u32 i, struct exit_ctx *c)
{
	struct task_state *st = bpf_map_lookup_elem(&tasks, &c->tid);

	if (!st)
		return 1;
	finish_iocb_in(st, i, c);
	return 0;
}

struct late_ctx {
	__u64 ring;
	__u64 now;
	__u32 ring_nr;
	__u32 from;
	__u32 tgid;
};

/* bpf_loop callback: the k-th event posted since the exit read the tail. */
static int time_late(__u32 k, struct late_ctx *c)
{
	__u32 idx = c->ring_nr ? (c->from + k) % c->ring_nr : 0;
	__u64 ev = c->ring + AIO_RING_HEADER + (__u64)idx * IO_EVENT_SIZE;
	__u64 uiocb = 0;

	bpf_probe_read_user(&uiocb, sizeof(uiocb), (void *)(ev + IO_EVENT_OBJ_OFF));
	time_completion(c->tgid, uiocb, ev, c->now);
	return 0;
}

/*
 * A request may complete, and another thread reap it, between the exit's
 * look at the tail (tail_exit) and its insert into user_reqs: the reap found
 * nothing and the entry would wait forever. Events posted since the look are
 * timed here. A global function taking scalars: the verifier checks it once,
 * and the exit program's stack stays prunable (inline, or given a pointer to
 * that stack, the exit exceeded the verifier's 1M-instruction budget).
 */
__noinline int settle_late(__u64 ring, __u32 ring_nr, __u32 tail_exit, __u32 tgid, __u64 now)
{
	struct late_ctx c = { .ring = ring, .now = now, .ring_nr = ring_nr, .from = tail_exit, .tgid = tgid };
	__u32 hdr[4] = {};
	__u32 n;

	bpf_probe_read_user(hdr, sizeof(hdr), (void *)ring);
	if (!ring_nr || hdr[AIO_RING_TAIL_OFF / 4] == tail_exit)
		return 0;
	n = (hdr[AIO_RING_TAIL_OFF / 4] + ring_nr - tail_exit) % ring_nr;
	bpf_loop(n < AA_MAX_TRACKED_IOCBS ? n : AA_MAX_TRACKED_IOCBS, time_late, &c, 0);
	return 0;
}

/*
 * Call-hook backends, at io_submit's exit: the call is counted once per op it
 * carried, as having slept for that op when a voluntary switch fell inside
 * the io_submit_one window of one of its requests, or anywhere outside every
 * request's window (where io_submit_one is not hooked: anywhere in the call).
 */
static __always_inline void count_call_ops(struct task_state *st)
{
	bool outside = st->sleeps != st->window_sleeps;
	__u32 i;

	for (i = 0; i < AA_MAX_CALL_OPS; i++) {
		struct call_op *co = &st->call_ops[i];
		struct acct a = { .syscalls = 1 };
		struct aio_audit_op_stats *s;

		if (i >= st->n_call_ops)
			break;
		if (outside)
			co->slept = 1;
		s = op_stats(&co->op);
		a.syscalls_slept = co->slept; /* 0 or 1 */
		a.offcpu_ns = st->offcpu;
		account(s, NULL, &a);
	}
}

/* bpf_loop callback (call-hook backends): the syscall is over for request i;
 * finish it now if its completion was already seen. */
static int finish_call(__u32 i, struct exit_ctx *c)
{
	struct task_state *st = bpf_map_lookup_elem(&tasks, &c->tid);
	struct req_state *r;
	__u64 kiocb;

	if (!st)
		return 1;
	kiocb = st->kiocbs[i & (AA_MAX_TRACKED_IOCBS - 1)];
	if (!kiocb)
		return 0;
	r = bpf_map_lookup_elem(&aio_reqs, &kiocb);
	/* The kiocb may be another call's request by now (reused after this
	 * one completed and was finished): not ours to finish. */
	if (!r || r->tid != c->tid || r->t_syscall != c->t_enter)
		return 0;
	r->t_exit = c->now;
	r->slept_sub = st->sleeps != 0;
	r->op_slept = r->cop < AA_MAX_CALL_OPS ? st->call_ops[r->cop & (AA_MAX_CALL_OPS - 1)].slept
						   : st->sleeps != 0;
	/* A refused request never completes: this is its end. */
	if (r->refused || __sync_fetch_and_add(&r->stage, 1) == 1) {
		finish_request(r);
		bpf_map_delete_elem(&aio_reqs, &kiocb);
	}
	return 0;
}

static __always_inline int on_io_submit_exit(struct task_struct *task, long ret)
{
	__u32 tid;
	struct task_state *st;
	__u64 now;

	if (sample_every > 1 && !followed_calls)
		return 0;
	tid = task->pid;
	st = bpf_map_lookup_elem(&tasks, &tid);
	if (!st || st->in_syscall != AA_SYS_IO_SUBMIT)
		return 0;
	now = bpf_ktime_get_ns();
	if (sample_every > 1)
		__sync_fetch_and_sub(&followed_calls, 1);

	{
		struct exit_ctx c = {
			.tid = tid,
			.tgid = st->tgid,
			.tail_enter = st->tail_enter,
			.ring = st->ctx_id,
			.now = now,
			.t_enter = st->t_enter,
			.ret = ret,
			.offcpu = st->offcpu,
		};

		if (!have_call_hooks) {
			/* The entry's kioctx is still this call's: io_submit holds a
			 * reference to it until it returns. */
			struct kioctx *k = (struct kioctx *)st->kctx;
			__u32 n_posted, ntracked;

			if (k) {
				c.ring_nr = st->kctx_nr;
				c.tail_exit = BPF_CORE_READ(k, tail);
			} else {
				/* struct aio_ring's id, nr, head, tail: one read. */
				__u32 hdr[4] = {};

				bpf_probe_read_user(hdr, sizeof(hdr), (void *)st->ctx_id);
				c.ring_nr = hdr[AIO_RING_NR_OFF / 4];
				c.tail_exit = hdr[AIO_RING_TAIL_OFF / 4];
			}
			n_posted = c.ring_nr ? (c.tail_exit + c.ring_nr - c.tail_enter) % c.ring_nr : 0;
			n_posted = n_posted < AA_MAX_TRACKED_IOCBS ? n_posted : AA_MAX_TRACKED_IOCBS;
			ntracked = st->ntracked < AA_MAX_TRACKED_IOCBS ? st->ntracked : AA_MAX_TRACKED_IOCBS;
			st->n_posted = 0;
			st->n_waiting = 0;
			__builtin_memset(&st->acc, 0, sizeof(st->acc));
			/* Single-iocb calls skip bpf_loop and its per-step map lookup. */
			if (n_posted == 1)
				mark_posted_in(st, 0, &c);
			else
				bpf_loop(n_posted, mark_posted, &c, 0);
			if (ntracked == 1)
				finish_iocb_in(st, 0, &c);
			else
				bpf_loop(ntracked, finish_iocb, &c, 0);
			flush_op(st, &c);
			/* A count in the map value, not in c: a stack counter
			 * would keep apart verifier states that now prune. */
			if (st->n_waiting)
				settle_late(c.ring, c.ring_nr, c.tail_exit, c.tgid, c.now);
		} else {
			count_call_ops(st);
			bpf_loop(st->ncalls < AA_MAX_TRACKED_IOCBS ? st->ncalls : AA_MAX_TRACKED_IOCBS,
				 finish_call, &c, 0);
		}
	}
	st->in_syscall = AA_SYS_NONE;
	return 0;
}

/* ------------------------------------------------------ io_getevents (tracepoint) */

static __always_inline int on_io_getevents_enter(__u64 events)
{
	struct task_state *st = traced_task(bpf_get_current_pid_tgid());

	if (!st)
		return 0;
	st->events_ptr = events;
	st->in_syscall = AA_SYS_IO_GETEVENTS;
	return 0;
}

struct reap_ctx {
	__u32 tgid;
	__u64 events;
	__u64 now;
};

/* bpf_loop callback: event i returned by io_getevents names its iocb. */
static int reap_event(__u32 i, struct reap_ctx *c)
{
	__u64 ev = c->events + (__u64)i * IO_EVENT_SIZE;
	__u64 uiocb = 0;

	bpf_probe_read_user(&uiocb, sizeof(uiocb), (void *)(ev + IO_EVENT_OBJ_OFF));
	time_completion(c->tgid, uiocb, ev, c->now);
	return 0;
}

/* io_getevents returned n events into the user array at events. */
static __always_inline int reap_events(long n, __u64 events)
{
	struct reap_ctx c = {};

	if (n <= 0 || !events)
		return 0;
	c.tgid = bpf_get_current_pid_tgid() >> 32;
	c.events = events;
	c.now = bpf_ktime_get_ns();
	/* A reap of more than the tracking limit loses only latency samples. */
	bpf_loop(n < 256 ? n : 256, reap_event, &c, 0);
	return 0;
}

/* Per-syscall tracepoints: the exit has no arguments, the entry kept them. */
static __always_inline int on_io_getevents_exit(long n)
{
	__u32 tid = current_tid();
	struct task_state *st;

	/* Nothing waits in user_reqs: no lookup. The entry always records, so
	 * no stale pointer survives to a later exit. */
	if (!reqs_to_reap)
		return 0;
	st = bpf_map_lookup_elem(&tasks, &tid);
	if (!st || st->in_syscall != AA_SYS_IO_GETEVENTS)
		return 0;
	st->in_syscall = AA_SYS_NONE;
	return reap_events(n, st->events_ptr);
}
