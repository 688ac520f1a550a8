/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 1: the tables every domain shares (in-flight requests,
 * per-op statistics, evidence, stacks, sleeps), the filters that decide
 * whether a task is traced, and the helpers that name a request's op.
 * Included by trace.bpf.c only, in its order: each part uses what the parts
 * before it define.
 */
/* Requests that io_submit left in flight, by {tgid, user iocb}: io_getevents
 * returns the same iocb pointer in io_event.obj. */
struct user_req_key {
	__u32 tgid;
	__u32 pad;
	__u64 iocb;
};

struct user_req {
	__u64 t_submit;
	struct aio_audit_op_key op;
};

struct uring_req {
	__u64 t_submit;
	__u64 seq;
	__u32 tid;
	__u8 kind;
	__u8 punted;
	__u8 in_enter;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct user_req_key);
	__type(value, struct user_req);
} user_reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct uring_req);
} uring_reqs SEC(".maps");

/*
 * Per-op statistics and per-class evidence counts: each key (an op, or an
 * op and its facts) is given a slot on first use, in op_slots or
 * evidence_slots, and its counts live at that slot of a per-CPU array. A
 * slot is never taken back (nothing deletes from these maps), so a task may
 * keep the slots it last used (struct slot_cache) and skip the hash lookups
 * while its requests keep the same op and facts: at io_submit's exit that is
 * ~75 ns a call on 6.18 (docs/trace.md). Per-CPU, as every table a request
 * updates: two CPUs finishing requests of one op never write the same cache
 * line. User space walks the slot maps and sums the CPUs' values.
 */
#define AA_EVIDENCE_SLOTS 8192

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AIO_AUDIT_OP_SLOTS);
	__type(key, struct aio_audit_op_key);
	__type(value, __u32);
} op_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AIO_AUDIT_OP_SLOTS);
	__type(key, __u32);
	__type(value, struct aio_audit_op_stats);
} ops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AA_EVIDENCE_SLOTS);
	__type(key, struct aio_audit_evidence_key);
	__type(value, __u32);
} evidence_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AA_EVIDENCE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} evidence SEC(".maps");

/* Slots given out so far (some may go unused: see slot_of). */
__u32 op_slots_used = 0;
__u32 evidence_slots_used = 0;

/* io_submit calls and iocbs, all of them, while sampling. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct aio_audit_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8192);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

/* Sleeps in submission by (op, stack, in the driver call): count and
 * off-CPU time. User space sizes it and `stacks` (--stack-storage). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct aio_audit_sleep_key);
	__type(value, struct aio_audit_sleep_val);
} sleeps SEC(".maps");

/* New driver functions, one record each (rare): wakes user space to hook
 * their return at once. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} announce SEC(".maps");

static const struct task_state zero_task = {};

__u64 drops[AA_DROP__COUNT] = {};

/*
 * Requests waiting in user_reqs for io_getevents (tracepoint backend). While
 * it is zero, io_getevents' exit has nothing to time and returns at once:
 * when every request completes inline, reaping costs no lookup. It may count
 * high (an LRU eviction, an iocb reused without being reaped), which only
 * costs lookups; it never counts low. Requests are keyed by process, so any
 * thread's reap times what another thread submitted.
 */
__u64 reqs_to_reap = 0;

#define IOCB_CMD_PREAD_ 0
#define IOCB_CMD_PWRITE_ 1
#define IOCB_CMD_PREADV_ 7
#define IOCB_CMD_PWRITEV_ 8

#define IORING_OP_READV_ 1
#define IORING_OP_WRITEV_ 2
#define IORING_OP_READ_FIXED_ 4
#define IORING_OP_WRITE_FIXED_ 5
#define IORING_OP_READ_ 22
#define IORING_OP_WRITE_ 23

#define S_IFMT_ 00170000
#define S_IFCHR_ 0020000
#define S_IFBLK_ 0060000
/* O_DIRECT is per-architecture (arch/arm64/include/uapi/asm/fcntl.h). */
#if defined(__TARGET_ARCH_arm64)
#define O_DIRECT_ 0200000
#else
#define O_DIRECT_ 00040000
#endif
#define EINVAL_ 22
#define EOPNOTSUPP_ 95
#define EIOCBQUEUED_ 529

static __always_inline void drop_n(int which, __u64 n)
{
	if (which >= 0 && which < AA_DROP__COUNT)
		__sync_fetch_and_add(&drops[which], n);
}

static __always_inline void drop(int which)
{
	drop_n(which, 1);
}

static __always_inline bool comm_matches(void)
{
	char comm[16];
	int i;

	if (!filter_comm)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < 16; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* Processes descended from targ_tgid (fio forks its jobs; a shell forks its
 * commands), added at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

/* Bumped after every change to followed (fork adds, a leader's exit
 * removes), so that a per-CPU answer cached before it is asked again. */
__u32 followed_gen = 0;

static __always_inline bool tracked_tgid(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (targ_tgid && tgid != targ_tgid &&
	    !(follow_children && bpf_map_lookup_elem(&followed, &tgid)))
		return false;
	return comm_matches();
}

static __always_inline bool tracked(void)
{
	return tracked_tgid(bpf_get_current_pid_tgid() >> 32);
}

SEC("tracepoint/sched/sched_process_fork")
int follow_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	__u32 child = BPF_CORE_READ(ctx, child_pid);
	__u8 one = 1;

	/* A new thread of a followed process has its tgid already; a new
	 * process's pid is its tgid. */
	if (parent == targ_tgid || bpf_map_lookup_elem(&followed, &parent)) {
		bpf_map_update_elem(&followed, &child, &one, BPF_ANY);
		__sync_fetch_and_add(&followed_gen, 1);
	}
	return 0;
}

/*
 * io_submit's programs take the current task once and read what they need
 * from it (its ids, whether it is a compat task, its file table): one helper
 * call where bpf_get_current_pid_tgid() and bpf_get_current_task_btf() made
 * three at entry, each tens of ns on the machines measured (docs/trace.md).
 * Same values: pid is the thread's id, tgid its process's.
 */
static __always_inline __u64 task_pid_tgid(struct task_struct *task)
{
	return (__u64)(__u32)task->tgid << 32 | (__u32)task->pid;
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/*
 * Where a completion runs: hardirq, softirq, the submitter, or another task.
 * Reading preempt_count needs the kernel to resolve the per-CPU symbol
 * (CONFIG_KALLSYMS_ALL); every program that calls this exists in an
 * irq_aware variant and a plain one, and user space loads the one that works.
 * With irq_aware a compile-time false, the ksym references are compiled out.
 */
static __always_inline __u8 completion_context(__u32 submitter_tid, bool irq_aware)
{
	int count;

	if (irq_aware && aa_read_preempt_count(&count)) {
		if (count & (HARDIRQ_MASK_ | NMI_MASK_))
			return AA_CTX_HARDIRQ;
		if (count & SOFTIRQ_OFFSET_)
			return AA_CTX_SOFTIRQ;
	}
	if (aa_rt_serving_softirq())
		return AA_CTX_SOFTIRQ;
	return current_tid() == submitter_tid ? AA_CTX_SUBMITTER : AA_CTX_OTHER_TASK;
}

/* The op a request on a file with these parts reaches. */
static __always_inline void fill_op(struct aio_audit_op_key *key, const struct file_operations *fop,
				    struct inode *inode, __u32 f_flags, __u8 kind, __u8 api)
{
	key->kind = kind;
	key->api = api;
	if (fop)
		key->fn = kind == AA_KIND_READ ? (__u64)BPF_CORE_READ(fop, read_iter)
					       : (__u64)BPF_CORE_READ(fop, write_iter);
	if (f_flags & O_DIRECT_)
		key->flags |= AA_OPF_DIRECT;
	if (inode) {
		__u32 type = BPF_CORE_READ(inode, i_mode) & S_IFMT_;

		key->ftype = type >> 12;
		/* A device file's own device, not that of the file system its
		 * node lives on (every disk's node is on devtmpfs). */
		key->dev = type == S_IFBLK_ || type == S_IFCHR_ ? BPF_CORE_READ(inode, i_rdev)
							       : BPF_CORE_READ(inode, i_sb, s_dev);
	}
}

static __always_inline void fill_op_from_file(struct aio_audit_op_key *key, struct file *file,
					      __u8 kind, __u8 api)
{
	key->kind = kind;
	key->api = api;
	if (!file)
		return;
	fill_op(key, BPF_CORE_READ(file, f_op), BPF_CORE_READ(file, f_inode), BPF_CORE_READ(file, f_flags),
		kind, api);
}

static __always_inline struct file *fd_to_file(__u32 fd)
{
	return task_fd_to_file(bpf_get_current_task_btf(), fd);
}

static __always_inline bool same_op(const struct aio_audit_op_key *a, const struct aio_audit_op_key *b)
{
	return a->fn == b->fn && a->dev == b->dev && a->ftype == b->ftype && a->kind == b->kind &&
	       a->api == b->api && a->flags == b->flags;
}

/*
 * The index of op among the distinct ops of the current call, adding it; a
 * call's sleep is charged to the ops it was submitting when it slept.
 * AA_NO_COP beyond AA_MAX_CALL_OPS: such requests are charged every sleep of
 * their call.
 */
static __always_inline __u8 call_op_index(struct task_state *st, const struct aio_audit_op_key *op)
{
	__u32 n = st->n_call_ops;
	__u32 i;

	for (i = 0; i < AA_MAX_CALL_OPS; i++) {
		if (i >= n)
			break;
		if (same_op(&st->call_ops[i].op, op))
			return i;
	}
	if (n >= AA_MAX_CALL_OPS) {
		drop(AA_DROP_CALL_OPS);
		return AA_NO_COP;
	}
	st->call_ops[n & (AA_MAX_CALL_OPS - 1)].op = *op;
	st->call_ops[n & (AA_MAX_CALL_OPS - 1)].slept = 0;
	st->call_ops[n & (AA_MAX_CALL_OPS - 1)].counted = 0;
	st->n_call_ops = n + 1;
	return n;
}

/*
 * The calling thread's state if it is traced, created on first use. Only a
 * traced thread gets one, and it loses it when it exits or execs (task_exit,
 * task_exec): so a state found stands for "traced", and the filter (a hash
 * lookup per call for a followed command's descendants) runs once per
 * thread. Not with --comm: a thread may rename itself.
 */
static __always_inline struct task_state *traced_task(__u64 pid_tgid)
{
	__u32 tid = (__u32)pid_tgid;
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);

	if (st && !filter_comm)
		return st;
	if (!tracked_tgid(pid_tgid >> 32))
		return NULL;
	if (st)
		return st;
	/* Another program may have created it meanwhile: the lookup, not the
	 * update's error, says whether there is one. */
	bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&tasks, &tid);
	if (!st) {
		drop(AA_DROP_TASK);
		return NULL;
	}
	st->tgid = pid_tgid >> 32;
	bpf_get_current_comm(st->comm, sizeof(st->comm));
	return st;
}

/* io_submit calls still inside the syscall that --sample N follows: while
 * none is, io_submit's exit has nothing to look up. It may count high (a
 * thread that never returned), which only costs lookups. */
__u64 followed_calls = 0;

/* A thread that ends or execs loses its state: its tid may be reused by any
 * process, and a state present means "traced" (traced_task). */
static __always_inline void forget_task(__u32 tid)
{
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);

	if (!st)
		return;
	if (sample_every > 1 && st->in_syscall == AA_SYS_IO_SUBMIT)
		__sync_fetch_and_sub(&followed_calls, 1);
	bpf_map_delete_elem(&tasks, &tid);
}

SEC("tracepoint/sched/sched_process_exit")
int task_exit(struct trace_event_raw_sched_process_template *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;

	forget_task((__u32)pid_tgid);
	/* The process's id may be reused once its leader is gone. */
	if ((__u32)pid_tgid == tgid && follow_children && !bpf_map_delete_elem(&followed, &tgid))
		__sync_fetch_and_add(&followed_gen, 1);
	return 0;
}

/* The execing thread takes the leader's tid (old_pid is the one it had). */
SEC("tracepoint/sched/sched_process_exec")
int task_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	forget_task(BPF_CORE_READ(ctx, old_pid));
	forget_task(BPF_CORE_READ(ctx, pid));
	return 0;
}

/* A traced thread's state, reset for a new submitting syscall. */
static __always_inline void begin_syscall(struct task_state *st)
{
	st->sleeps = 0;
	st->offcpu = 0;
	st->switched_out = 0;
	st->ntracked = 0;
	st->ncalls = 0;
	st->in_call = 0;
	st->in_one = 0;
	st->off_cpu = 0;
	st->ktail_valid = 0;
	st->offcpu_posted = 0;
	st->bios = 0;
	st->dev_waits = 0;
	st->window_sleeps = 0;
	st->n_call_ops = 0;
}
