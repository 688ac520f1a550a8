// SPDX-License-Identifier: GPL-2.0-only
/*
 * aio-audit trace: follow every asynchronous I/O request from submission
 * through the driver to its completion, and aggregate per driver op the facts
 * the verdict rules need.
 *
 * One object carries every variant of each hook; user space switches off
 * (bpf_program__set_autoload) what the chosen backend does not use:
 *
 *  always      syscalls:sys_{enter,exit}_io_submit   submission window, iocbs, ring tail
 *              sched_switch (tp_btf or tracepoint)  voluntary sleeps, off-CPU time, stacks
 *              io_uring tracepoints + io_uring_enter inline / queued / punted per op
 *              uprobes on glibc's aio_read/aio_write/lio_listio
 *  tracepoint  syscalls:sys_{enter,exit}_io_getevents  completion (reap) latency
 *  fentry      fentry/fexit aio_read, aio_write; fentry aio_complete_rw
 *  kprobe      kprobe/kretprobe aio_read, aio_write; kprobe aio_complete_rw
 *
 * The driver's own read_iter/write_iter return value is taken by
 * driver_hook.bpf.c (fexit, attached per discovered function) or by
 * kretprobe_driver below (attached at run time with the kprobe backend).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "aio_audit.h"
#include "preempt_count.h"
#include "trace_maps.h"
#include "syscall_regs.h"

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

/* Per-CPU, as every table a request updates: two CPUs finishing requests
 * of one op never write the same cache line. User space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct aio_audit_op_key);
	__type(value, struct aio_audit_op_stats);
} ops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct aio_audit_evidence_key);
	__type(value, __u64);
} evidence SEC(".maps");

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
static const struct aio_audit_op_stats zero_stats = {};

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 targ_tgid = 0;     /* 0: every process */
const volatile bool follow_children = false; /* targ_tgid's descendants too (trace -- COMMAND) */
const volatile __u32 self_tgid = 0;     /* never trace aio-audit itself */
const volatile bool filter_comm = false;
const volatile char targ_comm[16] = {};
const volatile bool have_call_hooks = false; /* fentry/kprobe backends */
/* The block tracepoints are attached: device waits are measured. */
const volatile bool have_block_hooks = false;
/* Tell user space of each new driver function, so it hooks its return now. */
const volatile bool announce_fns = false;
/* --sample N: follow 1 io_submit call in N in full, count the others. */
const volatile __u32 sample_every = 1;

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

static __always_inline void drop(int which)
{
	if (which >= 0 && which < AA_DROP__COUNT)
		__sync_fetch_and_add(&drops[which], 1);
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

static __always_inline bool tracked(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == self_tgid)
		return false;
	if (targ_tgid && tgid != targ_tgid &&
	    !(follow_children && bpf_map_lookup_elem(&followed, &tgid)))
		return false;
	return comm_matches();
}

SEC("tracepoint/sched/sched_process_fork")
int follow_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	__u32 parent = bpf_get_current_pid_tgid() >> 32;
	__u32 child = BPF_CORE_READ(ctx, child_pid);
	__u8 one = 1;

	/* A new thread of a followed process has its tgid already; a new
	 * process's pid is its tgid. */
	if (parent == targ_tgid || bpf_map_lookup_elem(&followed, &parent))
		bpf_map_update_elem(&followed, &child, &one, BPF_ANY);
	return 0;
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

/*
 * current->files->fdt->fd[fd], as fget() would find it (no reference taken).
 * The walk to the fd array uses BTF pointers (plain loads, no helper calls);
 * only the variable-index load goes through bpf_probe_read_kernel.
 */
static __always_inline struct file *fd_to_file(__u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file *file = NULL;

	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

static __always_inline struct aio_audit_op_stats *op_stats(const struct aio_audit_op_key *key)
{
	struct aio_audit_op_stats *st = bpf_map_lookup_elem(&ops, key);

	if (st)
		return st;
	bpf_map_update_elem(&ops, key, &zero_stats, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&ops, key);
	if (!st)
		drop(AA_DROP_STATS);
	return st;
}

static __always_inline void hist_add_n(__u64 *hist, __u64 value, __u64 n)
{
	__u32 slot = aio_audit_log2_slot(value);

	if (slot < AIO_AUDIT_HIST_SLOTS)
		__sync_fetch_and_add(&hist[slot], n);
}

static __always_inline void hist_add(__u64 *hist, __u64 value)
{
	hist_add_n(hist, value, 1);
}

static __always_inline void count_evidence_n(const struct aio_audit_evidence_key *ev, __u64 n)
{
	__u64 *count = bpf_map_lookup_elem(&evidence, ev);

	if (count) {
		__sync_fetch_and_add(count, n);
		return;
	}
	if (bpf_map_update_elem(&evidence, ev, &n, BPF_NOEXIST)) {
		count = bpf_map_lookup_elem(&evidence, ev);
		if (count)
			__sync_fetch_and_add(count, n);
		else
			drop(AA_DROP_STATS);
	}
}

static __always_inline void count_evidence(const struct aio_audit_evidence_key *ev)
{
	count_evidence_n(ev, 1);
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

/* The calling thread's state, created on first use and reset for a new
 * submitting syscall. */
static __always_inline struct task_state *task_for_syscall(__u32 tid)
{
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);

	if (!st) {
		/* Another program may have created it meanwhile: the lookup,
		 * not the update's error, says whether there is one. */
		bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&tasks, &tid);
		if (!st) {
			drop(AA_DROP_TASK);
			return NULL;
		}
	}
	if (!st->tgid) {
		st->tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(st->comm, sizeof(st->comm));
	}
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
	return st;
}

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
static __always_inline void record_iocb_in(struct task_state *st, __u32 i, __u64 iocbpp)
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
	file = fd_to_file(head.fd);
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
	record_iocb_in(st, i, c->iocbpp);
	return 0;
}

static __always_inline int on_io_submit_enter(__u64 ctx_id, long nr, __u64 iocbpp)
{
	__u32 tid = current_tid();
	struct task_state *st;

	if (!tracked())
		return 0;
	if (sample_every > 1) {
		__u32 zero = 0;
		struct aio_audit_totals *t = bpf_map_lookup_elem(&totals, &zero);
		__u64 calls;

		if (!t)
			return 0;
		/* Atomic although per CPU: a preempted program's update is not lost. */
		calls = __sync_fetch_and_add(&t->io_submit_calls, 1);
		__sync_fetch_and_add(&t->io_submit_iocbs, nr > 0 ? nr : 0);
		if (calls % sample_every)
			return 0; /* not followed: its exit finds no syscall in progress */
	}
	st = task_for_syscall(tid);
	if (!st)
		return 0;
	st->in_syscall = AA_SYS_IO_SUBMIT;
	st->ctx_id = ctx_id;
	{
		/* struct aio_ring's id, nr, head, tail: one read. */
		__u32 hdr[4] = {};

		bpf_probe_read_user(hdr, sizeof(hdr), (void *)ctx_id);
		st->ring_id = hdr[0];
		st->tail_enter = hdr[AIO_RING_TAIL_OFF / 4];
	}

	{
		struct enter_ctx ectx = { .tid = tid, .iocbpp = iocbpp };
		__u32 n = nr > AA_MAX_TRACKED_IOCBS ? AA_MAX_TRACKED_IOCBS : (nr > 0 ? nr : 0);

		/* One iocb per call is the common case (fio's default): no loop. */
		if (n == 1)
			record_iocb_in(st, 0, iocbpp);
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
	struct aio_audit_op_stats *s;
	__u64 sub_start, sub_end;

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
	count_evidence(&ev);

	s = op_stats(&r->op);
	if (!s)
		return;
	__sync_fetch_and_add(&s->requests, 1);
	if (r->issued_io)
		__sync_fetch_and_add(&s->device_io, 1);
	sub_start = r->has_one ? r->t_one_enter : r->t_syscall;
	sub_end = r->has_one ? r->t_one_exit : r->t_exit;
	if (sub_end > sub_start)
		hist_add(s->submit_hist, sub_end - sub_start);
	if (r->call_done && r->t_call_exit > r->t_call_enter)
		hist_add(s->call_hist, r->t_call_exit - r->t_call_enter);
	if (r->t_complete > sub_start)
		hist_add(s->complete_hist, r->t_complete - sub_start);
	if (r->res < 0)
		__sync_fetch_and_add(&s->errors, 1);
	if (r->has_driver_ret) {
		if (r->driver_ret == -EIOCBQUEUED_)
			__sync_fetch_and_add(&s->ret_queued, 1);
		else if (r->driver_ret >= 0)
			__sync_fetch_and_add(&s->ret_bytes, 1);
		else
			__sync_fetch_and_add(&s->ret_error, 1);
	}
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
	struct aio_audit_op_stats *s;
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
	s = op_stats(&op);
	if (!s)
		return;
	hist_add(s->complete_hist, now - t_submit);
	bpf_probe_read_user(&res, sizeof(res), (void *)(ev + 16));
	if (res < 0)
		__sync_fetch_and_add(&s->errors, 1);
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

	bpf_probe_read_user(&st->posted[k & (AA_MAX_TRACKED_IOCBS - 1)], sizeof(__u64),
			    (void *)(c->ring + AIO_RING_HEADER + (__u64)idx * IO_EVENT_SIZE + IO_EVENT_OBJ_OFF));
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
	struct exit_acc *a = &st->acc;
	__u8 slept = st->sleeps != 0;
	struct aio_audit_evidence_key ev = {};
	struct aio_audit_op_stats *s;
	__u32 n = a->n_done + a->n_done_elsewhere + a->n_deferred + a->n_refused;
	__u32 judged = n - a->n_refused;

	if (!a->have_op || !n)
		return;
	ev.op = a->op;
	/* Without io_submit_one the whole call is each request's submission. */
	ev.slept_in_submission = slept ? AA_TRI_YES : AA_TRI_NO;
	ev.call_slept = ev.slept_in_submission;
	ev.waited_for_device = !have_block_hooks ? AA_TRI_UNKNOWN : st->dev_waits ? AA_TRI_YES : AA_TRI_NO;
	if (a->n_done) {
		ev.completed = AA_WHEN_IN_SYSCALL;
		count_evidence_n(&ev, a->n_done);
	}
	if (a->n_done_elsewhere) {
		ev.completed = AA_WHEN_IN_SYSCALL;
		ev.context = AA_CTX_ELSEWHERE;
		count_evidence_n(&ev, a->n_done_elsewhere);
		ev.context = AA_CTX_UNKNOWN;
	}
	if (a->n_deferred) {
		ev.completed = AA_WHEN_AFTER_SYSCALL;
		count_evidence_n(&ev, a->n_deferred);
	}
	if (a->n_refused) {
		__builtin_memset(&ev, 0, sizeof(ev));
		ev.op = a->op;
		ev.refused = 1;
		count_evidence_n(&ev, a->n_refused);
	}
	s = op_stats(&a->op);
	if (s) {
		struct call_op *co = a->cop < AA_MAX_CALL_OPS ? &st->call_ops[a->cop & (AA_MAX_CALL_OPS - 1)] : NULL;

		/* A call is counted once per op it carried. */
		if (co && !co->counted) {
			co->counted = 1;
			__sync_fetch_and_add(&s->syscalls, 1);
			if (slept) {
				__sync_fetch_and_add(&s->syscalls_slept, 1);
				hist_add(s->offcpu_hist, c->offcpu);
			}
		}
		__sync_fetch_and_add(&s->requests, n);
		if (st->bios && judged)
			__sync_fetch_and_add(&s->device_io, judged);
		if (judged)
			hist_add_n(s->submit_hist, c->now - c->t_enter, judged);
		if (a->n_done + a->n_done_elsewhere)
			hist_add_n(s->complete_hist, c->now - c->t_enter, a->n_done + a->n_done_elsewhere);
	}
	a->n_done = 0;
	a->n_done_elsewhere = 0;
	a->n_deferred = 0;
	a->n_refused = 0;
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
			st->acc.n_refused++;
		return;
	}
	if (st->n_posted) {
		struct find_ctx f = { .st = st, .uiocb = uiocb };

		bpf_loop(st->n_posted < AA_MAX_TRACKED_IOCBS ? st->n_posted : AA_MAX_TRACKED_IOCBS,
			 find_posted, &f, 0);
		if (f.found) {
			/* Posted while the submitter was off CPU: another context
			 * completed it. */
			if (f.k < 64 && (st->offcpu_posted >> f.k) & 1)
				st->acc.n_done_elsewhere++;
			else
				st->acc.n_done++;
			return;
		}
	}
	st->acc.n_deferred++;
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
		struct aio_audit_op_stats *s;

		if (i >= st->n_call_ops)
			break;
		if (outside)
			co->slept = 1;
		s = op_stats(&co->op);
		if (!s)
			continue;
		__sync_fetch_and_add(&s->syscalls, 1);
		if (co->slept) {
			__sync_fetch_and_add(&s->syscalls_slept, 1);
			hist_add(s->offcpu_hist, st->offcpu);
		}
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

static __always_inline int on_io_submit_exit(long ret)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!st || st->in_syscall != AA_SYS_IO_SUBMIT)
		return 0;

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
			/* struct aio_ring's id, nr, head, tail: one read for nr and tail. */
			__u32 hdr[4] = {};
			__u32 n_posted, ntracked;

			bpf_probe_read_user(hdr, sizeof(hdr), (void *)st->ctx_id);
			c.ring_nr = hdr[AIO_RING_NR_OFF / 4];
			c.tail_exit = hdr[AIO_RING_TAIL_OFF / 4];
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
	__u32 tid = current_tid();
	struct task_state *st;

	if (!tracked())
		return 0;
	st = bpf_map_lookup_elem(&tasks, &tid);
	if (!st) {
		if (bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_NOEXIST))
			return 0;
		st = bpf_map_lookup_elem(&tasks, &tid);
		if (!st)
			return 0;
	}
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

/* ------------------------------------------------------------- sched_switch */

/*
 * Tracepoint backend: the kernel's kioctx behind the call's ring, found from
 * the current task's mm (sched_switch runs in the task switching out), and
 * kept for the next calls on the same ring. Its tail moves with every event
 * posted, and can be read from any context, unlike the ring's user mapping.
 */
static __always_inline struct kioctx *call_kctx(struct task_state *st)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct kioctx_table *table;
	struct kioctx *k = NULL;
	__u32 id = st->ring_id;

	if (st->kctx && st->kctx_for == st->ctx_id)
		return (struct kioctx *)st->kctx;
	if (!bpf_core_field_exists(task->mm->ioctx_table))
		return NULL;
	table = BPF_CORE_READ(task, mm, ioctx_table);
	if (!table || id >= BPF_CORE_READ(table, nr))
		return NULL;
	bpf_core_read(&k, sizeof(k), &table->table[id]);
	if (!k || BPF_CORE_READ(k, user_id) != st->ctx_id)
		return NULL;
	st->kctx = (__u64)k;
	st->kctx_for = st->ctx_id;
	st->kctx_nr = BPF_CORE_READ(k, nr_events);
	return k;
}

/* The submitter leaves the CPU inside io_submit: where the ring's tail is. */
static __always_inline void note_tail_out(struct task_state *st)
{
	struct kioctx *k = call_kctx(st);

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

/* --------------------------------------------------------------- block I/O */

/*
 * Block I/O a submitter queued inside io_submit (the readahead of a cold
 * buffered read, an O_DIRECT bio), by bio. When another context completes it
 * while the submitter is off CPU - asleep, or preempted by the very worker
 * doing its I/O (a loop device's, on a busy CPU) - the submitter waited for
 * the device, whether or not it ever switched voluntarily.
 */
struct bio_owner {
	__u64 t_enter; /* the io_submit call it was queued in */
	__u32 tid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct bio_owner);
} bios SEC(".maps");

/* Entries in bios; while zero, completions cost no lookup. May count high
 * (LRU evictions), never low. */
__u64 bios_pending = 0;

SEC("tp_btf/block_bio_queue")
int BPF_PROG(block_bio_queue, struct bio *bio)
{
	__u32 tid = current_tid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);
	struct bio_owner o = {};
	__u64 key = (__u64)bio;

	if (!st || st->in_syscall != AA_SYS_IO_SUBMIT)
		return 0;
	st->bios++;
	o.t_enter = st->t_enter;
	o.tid = tid;
	if (!bpf_map_update_elem(&bios, &key, &o, BPF_ANY))
		__sync_fetch_and_add(&bios_pending, 1);
	return 0;
}

static __always_inline void bio_done(__u64 key)
{
	struct bio_owner *o = bpf_map_lookup_elem(&bios, &key);
	struct task_state *st;
	struct bio_owner own;

	if (!o)
		return;
	own = *o;
	if (bpf_map_delete_elem(&bios, &key))
		return;
	__sync_fetch_and_sub(&bios_pending, 1);
	st = bpf_map_lookup_elem(&tasks, &own.tid);
	if (st && st->in_syscall == AA_SYS_IO_SUBMIT && st->t_enter == own.t_enter && st->off_cpu)
		st->dev_waits++;
}

/* Request-based drivers: the request's bios end here (blk-mq traces the
 * request instead of each bio). */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	struct bio *bio;
	int i;

	if (!bios_pending)
		return 0;
	bio = rq->bio;
	for (i = 0; i < 4 && bio; i++) {
		bio_done((__u64)bio);
		bio = bio->bi_next;
	}
	return 0;
}

/* Bio-based drivers (brd, device mapper, md). */
SEC("tp_btf/block_bio_complete")
int BPF_PROG(block_bio_complete, struct request_queue *q, struct bio *bio)
{
	if (bios_pending)
		bio_done((__u64)bio);
	return 0;
}

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

/* ------------------------------------------------- completion (fentry / kprobe) */

static __always_inline int on_complete(struct kiocb *kiocb, long res, bool irq_aware)
{
	__u64 key = (__u64)kiocb;
	struct req_state *r = bpf_map_lookup_elem(&aio_reqs, &key);
	struct task_state *st;
	__u32 submitter;

	if (!r || r->stage_completed)
		return 0;
	submitter = r->tid;
	r->t_complete = bpf_ktime_get_ns();
	r->res = res;
	r->context = completion_context(submitter, irq_aware);
	st = bpf_map_lookup_elem(&tasks, &submitter);
	if (st && st->in_syscall == AA_SYS_IO_SUBMIT && st->t_enter == r->t_syscall) {
		r->completed = (st->in_call && st->call_kiocb == key) ? AA_WHEN_IN_DRIVER_CALL
								      : AA_WHEN_IN_SYSCALL;
		/* Inline after its I/O was completed elsewhere while it was off CPU. */
		r->waited_dev = st->dev_waits != r->dev_waits_at_enter;
	} else
		r->completed = AA_WHEN_AFTER_SYSCALL;
	r->stage_completed = 1;
	if (__sync_fetch_and_add(&r->stage, 1) == 1) {
		finish_request(r);
		bpf_map_delete_elem(&aio_reqs, &key);
	}
	return 0;
}

SEC("fentry/aio_complete_rw")
int BPF_PROG(fentry_aio_complete_rw, struct kiocb *kiocb, long res)
{
	return on_complete(kiocb, res, false);
}

SEC("fentry/aio_complete_rw")
int BPF_PROG(fentry_aio_complete_rw_irq, struct kiocb *kiocb, long res)
{
	return on_complete(kiocb, res, true);
}

SEC("kprobe/aio_complete_rw")
int BPF_KPROBE(kprobe_aio_complete_rw, struct kiocb *kiocb, long res)
{
	return on_complete(kiocb, res, false);
}

SEC("kprobe/aio_complete_rw")
int BPF_KPROBE(kprobe_aio_complete_rw_irq, struct kiocb *kiocb, long res)
{
	return on_complete(kiocb, res, true);
}

/* ------------------------------------------------------------------ io_uring */

static __always_inline int on_uring_enter(void)
{
	__u32 tid = current_tid();
	struct task_state *st;

	if (!tracked())
		return 0;
	st = task_for_syscall(tid);
	if (!st)
		return 0;
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

/* ---------------------------------------------------- syscall entry and exit */

/*
 * Three ways in: one classic tracepoint per syscall; the raw sys_enter and
 * sys_exit tracepoints (tp_btf) with a switch on the syscall number; or
 * fentry/fexit on the syscall functions. The raw pair costs less per request
 * than the classic events (no perf record is built: ~270 against ~550 ns of
 * hook cost per fio request on 6.18, see docs/trace.md) but runs, and
 * returns at once, for every syscall of every task; fentry avoids the
 * syscall-tracing slow path altogether. User space loads one way.
 */
const volatile long nr_io_submit = -1;
const volatile long nr_io_getevents = -1;
const volatile long nr_io_uring_enter = -1;
const volatile bool hook_getevents = false; /* the tracepoint backend reaps here */
const volatile bool hook_uring = false;

SEC("tracepoint/syscalls/sys_enter_io_submit")
int io_submit_enter(struct trace_event_raw_sys_enter *ctx)
{
	/* Plain context loads: BPF_CORE_READ would cost a helper call each. */
	return on_io_submit_enter(ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_io_submit")
int io_submit_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_io_submit_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_io_getevents")
int io_getevents_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_io_getevents_enter(ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_exit_io_getevents")
int io_getevents_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_io_getevents_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_io_uring_enter")
int uring_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_uring_enter();
}

SEC("tracepoint/syscalls/sys_exit_io_uring_enter")
int uring_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_uring_exit();
}

#ifdef HAVE_RAW_SYSCALLS
/* regs is a BTF pointer here: its fields are plain loads. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	if (id != nr_io_submit && id != nr_io_uring_enter)
		return 0;
	if (compat_syscall())
		return 0;
	if (id == nr_io_submit)
		return on_io_submit_enter(SYSCALL_ARG0(regs), SYSCALL_ARG1(regs), SYSCALL_ARG2(regs));
	if (id == nr_io_uring_enter && hook_uring)
		return on_uring_enter();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	long id = SYSCALL_NR(regs);

	if (id != nr_io_submit && id != nr_io_getevents && id != nr_io_uring_enter)
		return 0;
	if (compat_syscall())
		return 0;
	if (id == nr_io_submit)
		return on_io_submit_exit(ret);
	/* The arguments are still in regs at exit: io_getevents needs no entry
	 * hook, and costs nothing while no request waits to be reaped. */
	if (id == nr_io_getevents && hook_getevents)
		return reqs_to_reap && tracked() ? reap_events(ret, SYSCALL_ARG3(regs)) : 0;
	if (id == nr_io_uring_enter && hook_uring)
		return on_uring_exit();
	return 0;
}

/*
 * fentry/fexit on the syscall functions themselves (the call-hook backends'
 * kernels): no syscall tracepoint is enabled, so no task takes the
 * syscall-tracing slow path, and only these syscalls run a program. The
 * 64-bit entry points only: compat syscalls have their own functions.
 * io_getevents needs no hook here (the call-hook backends time completions
 * at aio_complete_rw).
 */
SEC("fentry/" SYSCALL_FN(io_submit))
int BPF_PROG(fentry_sys_io_submit, struct pt_regs *regs)
{
	return on_io_submit_enter(SYSCALL_ARG0(regs), SYSCALL_ARG1(regs), SYSCALL_ARG2(regs));
}

SEC("fexit/" SYSCALL_FN(io_submit))
int BPF_PROG(fexit_sys_io_submit, struct pt_regs *regs, long ret)
{
	return on_io_submit_exit(ret);
}

SEC("fentry/" SYSCALL_FN(io_uring_enter))
int BPF_PROG(fentry_sys_io_uring_enter, struct pt_regs *regs)
{
	return on_uring_enter();
}

SEC("fexit/" SYSCALL_FN(io_uring_enter))
int BPF_PROG(fexit_sys_io_uring_enter, struct pt_regs *regs, long ret)
{
	return on_uring_exit();
}
#endif

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
 * Before 6.3 the event was named io_uring_submit_sqe (6.1 has it; 6.18 has
 * io_uring_submit_req); req and opcode are the same fields. User space picks
 * the variant by which event tracefs lists. Declared locally: the build's
 * vmlinux.h may come from a newer kernel that lacks the type, and CO-RE
 * matches it by name at load time.
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
	count_evidence(&ev);
	s = op_stats(&ev.op);
	if (s) {
		__sync_fetch_and_add(&s->requests, 1);
		hist_add(s->complete_hist, bpf_ktime_get_ns() - r->t_submit);
		if (res < 0)
			__sync_fetch_and_add(&s->errors, 1);
	}
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

/* ------------------------------------------------------- glibc POSIX AIO */

/* struct aiocb starts with int aio_fildes; int aio_lio_opcode (glibc, all arches). */
#define LIO_READ_ 0
#define LIO_WRITE_ 1

static __always_inline void posix_request(__u64 aiocb, int kind)
{
	struct aio_audit_evidence_key ev = {};
	struct aio_audit_op_stats *s;
	int fd = -1, opcode = -1;

	bpf_probe_read_user(&fd, sizeof(fd), (void *)aiocb);
	if (kind < 0) {
		bpf_probe_read_user(&opcode, sizeof(opcode), (void *)(aiocb + 4));
		if (opcode == LIO_READ_)
			kind = AA_KIND_READ;
		else if (opcode == LIO_WRITE_)
			kind = AA_KIND_WRITE;
		else
			return;
	}
	fill_op_from_file(&ev.op, fd >= 0 ? fd_to_file(fd) : NULL, kind, AA_API_POSIX);
	/* glibc hands every request to a helper thread that calls pread/pwrite. */
	ev.punted = 1;
	ev.context = AA_CTX_HELPER_THREAD;
	count_evidence(&ev);
	s = op_stats(&ev.op);
	if (s)
		__sync_fetch_and_add(&s->requests, 1);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_aio_read, void *aiocb)
{
	if (tracked())
		posix_request((__u64)aiocb, AA_KIND_READ);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_aio_write, void *aiocb)
{
	if (tracked())
		posix_request((__u64)aiocb, AA_KIND_WRITE);
	return 0;
}

static int lio_entry(__u32 i, void **list)
{
	__u64 cb = 0;

	bpf_probe_read_user(&cb, sizeof(cb), (void *)((__u64)*list + i * sizeof(__u64)));
	if (cb)
		posix_request(cb, -1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_lio_listio, int mode, void *list, int nent)
{
	if (tracked() && nent > 0)
		bpf_loop(nent < 256 ? nent : 256, lio_entry, &list, 0);
	return 0;
}
