/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 5: the driver call hooks (fentry and kprobe backends):
 * io_submit_one's window per request, aio_read/aio_write around the driver's
 * read_iter/write_iter, and the driver function's own return value.
 */
/* ---------------------------------------------- driver call (fentry / kprobe) */

/*
 * The kiocb a new request got may still name an earlier request in aio_reqs:
 * - In a batch, a request that completed inline (or was refused) frees its
 *   kiocb before io_submit returns, and the next iocb of the same call may
 *   get the same memory. It is finished here: its submission ended where
 *   this one's began (exact when io_submit_one is hooked: its own window is
 *   already recorded).
 * - Another thread's request that completed while its call is still running:
 *   finished here likewise, with what its call showed so far.
 * - A request whose completion was never seen (its completion program was
 *   skipped, e.g. a kprobe program that fired while another ran on that CPU):
 *   counted lost, never overwritten silently nor finished as a new request.
 */
static __always_inline void settle_reused(struct task_state *st, __u64 key, __u32 tid, __u64 now)
{
	struct req_state *old = bpf_map_lookup_elem(&aio_reqs, &key);
	struct task_state *ost;
	__u32 otid;

	if (!old)
		return;
	otid = old->tid;
	ost = otid == tid ? st : bpf_map_lookup_elem(&tasks, &otid);
	if (ost && ost->in_syscall == AA_SYS_IO_SUBMIT && ost->t_enter == old->t_syscall) {
		/* Its call is still running: it is finished here, not there. */
		ost->kiocbs[old->slot & (AA_MAX_TRACKED_IOCBS - 1)] = 0;
		if (!old->t_exit) {
			old->t_exit = now;
			old->slept_sub = ost->sleeps != 0;
			old->op_slept = old->cop < AA_MAX_CALL_OPS
						  ? ost->call_ops[old->cop & (AA_MAX_CALL_OPS - 1)].slept
						  : ost->sleeps != 0;
		}
	}
	if (old->stage_completed || old->refused) {
		if (old->refused || __sync_fetch_and_add(&old->stage, 1) == 1)
			finish_request(old);
	} else {
		drop(AA_DROP_COMPLETION);
	}
	bpf_map_delete_elem(&aio_reqs, &key);
}

/* fns_seen: driver functions already announced to user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} fns_seen SEC(".maps");

/* A driver function not seen before: wake user space to hook its return now. */
static __always_inline void announce_fn(struct task_state *st, __u64 fn)
{
	struct aio_audit_new_fn_record *rec;
	__u8 one = 1;

	if (!fn || fn == st->last_fn)
		return;
	st->last_fn = fn;
	if (bpf_map_update_elem(&fns_seen, &fn, &one, BPF_NOEXIST))
		return; /* announced already (or the table is full: the poll finds it) */
	/* Ring full: the poll finds the function in the op table. */
	rec = bpf_ringbuf_reserve(&announce, sizeof(*rec), 0);
	if (!rec)
		return;
	rec->fn = fn;
	bpf_ringbuf_submit(rec, BPF_RB_FORCE_WAKEUP);
}

static __always_inline int call_enter(struct kiocb *kiocb, __u8 kind)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);
	struct req_state r = {};
	__u64 key = (__u64)kiocb;

	if (!st || st->in_syscall != AA_SYS_IO_SUBMIT)
		return 0;
	r.t_call_enter = bpf_ktime_get_ns();
	settle_reused(st, key, tid, r.t_call_enter);
	fill_op_from_file(&r.op, BPF_CORE_READ(kiocb, ki_filp), kind, AA_API_KAIO);
	if (announce_fns)
		announce_fn(st, r.op.fn);
	r.tid = tid;
	r.t_syscall = st->t_enter;
	r.slot = st->ncalls & (AA_MAX_TRACKED_IOCBS - 1);
	r.t_one_enter = st->in_one ? st->one_enter : 0;
	r.cop = call_op_index(st, &r.op);
	r.bios_at_enter = st->bios;
	r.dev_waits_at_enter = st->dev_waits;
	if (bpf_map_update_elem(&aio_reqs, &key, &r, BPF_ANY)) {
		drop(AA_DROP_REQUEST);
		return 0;
	}
	st->in_call = 1;
	st->call_kiocb = key;
	st->call_op = r.op;
	if (st->in_one)
		st->one_kiocb = key;
	st->call_sleeps_at_enter = st->sleeps;
	if (st->ncalls < AA_MAX_TRACKED_IOCBS)
		st->kiocbs[st->ncalls++ & (AA_MAX_TRACKED_IOCBS - 1)] = key;
	else
		drop(AA_DROP_UNTRACKED);
	return 0;
}

static __always_inline int call_exit(long ret)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);
	struct req_state *r;
	__u64 key;

	if (!st || !st->in_call)
		return 0;
	key = st->call_kiocb;
	st->in_call = 0;
	r = bpf_map_lookup_elem(&aio_reqs, &key);
	if (!r)
		return 0;
	r->t_call_exit = bpf_ktime_get_ns();
	r->call_done = 1;
	r->call_slept = st->sleeps != st->call_sleeps_at_enter;
	r->issued_io = st->bios != r->bios_at_enter;
	/* aio_read/aio_write fail only before reaching the driver's op, or when
	 * the file has none: that request is refused and never completes. */
	if (ret == -EINVAL_ || ret == -EOPNOTSUPP_)
		r->refused = 1;
	return 0;
}

/*
 * io_submit_one(): one iocb's share of io_submit (call-hook backends, where
 * the kernel has it out of line). Its window is that request's submission
 * window, and the sleeps inside it are that request's.
 */
static __always_inline int one_enter(void)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);

	if (!st || st->in_syscall != AA_SYS_IO_SUBMIT)
		return 0;
	st->in_one = 1;
	st->one_kiocb = 0;
	st->one_sleeps_at_enter = st->sleeps;
	st->one_enter = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int one_exit(void)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);
	struct req_state *r;
	__u64 key;

	if (!st || !st->in_one)
		return 0;
	st->in_one = 0;
	key = st->one_kiocb;
	if (!key)
		return 0; /* refused before reaching aio_read/aio_write, or not a read/write */
	r = bpf_map_lookup_elem(&aio_reqs, &key);
	if (!r || !r->t_one_enter)
		return 0;
	r->t_one_exit = bpf_ktime_get_ns();
	r->one_slept = st->sleeps != st->one_sleeps_at_enter;
	r->has_one = 1;
	st->window_sleeps += st->sleeps - st->one_sleeps_at_enter;
	if (r->one_slept && r->cop < AA_MAX_CALL_OPS)
		st->call_ops[r->cop & (AA_MAX_CALL_OPS - 1)].slept = 1;
	return 0;
}

SEC("fentry/io_submit_one")
int BPF_PROG(fentry_io_submit_one)
{
	return one_enter();
}

SEC("fexit/io_submit_one")
int BPF_PROG(fexit_io_submit_one)
{
	return one_exit();
}

SEC("kprobe/io_submit_one")
int BPF_KPROBE(kprobe_io_submit_one)
{
	return one_enter();
}

SEC("kretprobe/io_submit_one")
int BPF_KRETPROBE(kretprobe_io_submit_one)
{
	return one_exit();
}

SEC("fentry/aio_read")
int BPF_PROG(fentry_aio_read, struct kiocb *req)
{
	return call_enter(req, AA_KIND_READ);
}

SEC("fentry/aio_write")
int BPF_PROG(fentry_aio_write, struct kiocb *req)
{
	return call_enter(req, AA_KIND_WRITE);
}

SEC("fexit/aio_read")
int BPF_PROG(fexit_aio_read, struct kiocb *req, const struct iocb *iocb, bool vectored, bool compat,
	     int ret)
{
	return call_exit(ret);
}

SEC("fexit/aio_write")
int BPF_PROG(fexit_aio_write, struct kiocb *req, const struct iocb *iocb, bool vectored, bool compat,
	     int ret)
{
	return call_exit(ret);
}

SEC("kprobe/aio_read")
int BPF_KPROBE(kprobe_aio_read, struct kiocb *req)
{
	return call_enter(req, AA_KIND_READ);
}

SEC("kprobe/aio_write")
int BPF_KPROBE(kprobe_aio_write, struct kiocb *req)
{
	return call_enter(req, AA_KIND_WRITE);
}

SEC("kretprobe/aio_read")
int BPF_KRETPROBE(kretprobe_aio_read, int ret)
{
	return call_exit(ret);
}

SEC("kretprobe/aio_write")
int BPF_KRETPROBE(kretprobe_aio_write, int ret)
{
	return call_exit(ret);
}

/* The driver's own read_iter/write_iter returned: is it -EIOCBQUEUED? */
SEC("kretprobe")
int BPF_KRETPROBE(kretprobe_driver, long ret)
{
	return record_driver_ret(ret);
}
