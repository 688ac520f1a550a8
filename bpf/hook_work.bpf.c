// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's price list (scripts/bench-hook-work.sh): hook_floor's raw
 * sys_enter/sys_exit hooks, doing at io_submit's entry and exit the kinds of
 * work `aio-audit trace` does for each request it follows, one kind or
 * several at a time. Nothing is kept but what keeps the compiler from
 * dropping the work. With every kind at once it is the least a tracer can
 * do per request and still know what exact mode's report says of it (its
 * op, when it was posted, by whom, how long the call took): priced against
 * hook_floor in the same run, it bounds what any such tracer costs on the
 * kernel measured, whatever its design.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "syscall_regs.h"
#include "task_file.h"

char LICENSE[] SEC("license") = "GPL";

/* What each run does: the W_* bits (tests/bench/hook_work.cpp names them). */
#define W_USER 0x01	/* the iocb's pointer and its opcode and fd: two user reads */
#define W_FILE 0x02	/* the fd's file from the fd table, and its inode, f_op and flags */
#define W_CLOCK 0x04	/* the time at entry and at exit */
#define W_TASK 0x08	/* the thread's state: a hash lookup by thread id, entry and exit */
#define W_TAIL 0x10	/* a 4-byte kernel read at entry and exit (the kioctx's ring tail) */
#define W_POSTED 0x20	/* the event posted in the call: an 8-byte user read at exit */
#define W_STATS 0x40	/* the op's statistics and its evidence: two per-CPU hash lookups and
			 * five atomic adds at exit */
#define W_COUNT 0x80	/* --sample N's count of a call it does not follow, alone: the
			 * thread's ids, a per-CPU count and countdown; nothing else runs */
#define W_TASK_STORAGE 0x100 /* the thread's state in task-local storage instead of the
			      * hash by thread id (W_TASK's alternative, not part of all) */

const volatile long nr_io_submit = -1;
const volatile __u32 work = 0;

struct thread {
	__u64 t_enter;
	__u64 iocb;
	__u64 file;
	__u32 tail;
	__u32 fd;
};

struct op_key {
	__u64 fn;
	__u32 dev;
	__u32 kind;
};

struct ev_key {
	struct op_key op;
	__u64 facts;
};

struct op_stats {
	__u64 requests;
	__u64 syscalls;
	__u64 hist[32];
	__u64 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct thread);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct op_key);
	__type(value, struct op_stats);
} ops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct ev_key);
	__type(value, __u64);
} evidence SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread);
} thread_storage SEC(".maps");

/* Per CPU: where a run keeps what it read when W_TASK is off. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct thread);
} scratch SEC(".maps");

struct counts {
	__u64 calls;
	__u64 until_sample;
	__u64 tgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counts);
} counts SEC(".maps");

#ifdef HAVE_RAW_SYSCALLS
static const struct thread zero_thread = {};
static const struct op_stats zero_stats = {};

static __always_inline struct thread *thread_state(struct task_struct *task, bool create)
{
	__u32 zero = 0;
	__u32 tid;
	struct thread *t;

	if (work & W_TASK_STORAGE)
		return bpf_task_storage_get(&thread_storage, task, NULL,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!(work & W_TASK))
		return bpf_map_lookup_elem(&scratch, &zero);
	tid = task->pid;
	t = bpf_map_lookup_elem(&threads, &tid);
	if (t || !create)
		return t;
	bpf_map_update_elem(&threads, &tid, &zero_thread, BPF_NOEXIST);
	return bpf_map_lookup_elem(&threads, &tid);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(work_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct thread *t;

	if (id != nr_io_submit)
		return 0;
	task = bpf_get_current_task_btf();
	if (work & W_COUNT) {
		__u32 zero = 0;
		struct counts *c = bpf_map_lookup_elem(&counts, &zero);

		if (!c || c->tgid == (__u32)task->tgid + 1)
			return 0;
		__sync_fetch_and_add(&c->calls, 1);
		if (c->until_sample) {
			c->until_sample--;
			return 0;
		}
		c->until_sample = 1000000;
		return 0;
	}
	t = thread_state(task, true);
	if (!t)
		return 0;
	if (work & W_USER) {
		struct {
			__u16 opcode;
			__s16 reqprio;
			__u32 fd;
		} head = {};
		__u64 uiocb = 0;

		bpf_probe_read_user(&uiocb, sizeof(uiocb), (void *)SYSCALL_ARG2(regs));
		bpf_probe_read_user(&head, sizeof(head), (void *)(uiocb + 16));
		t->iocb = uiocb;
		t->fd = head.fd;
	}
	if (work & W_FILE) {
		struct file *file = task_fd_to_file(task, t->fd);
		__u8 buf[40];

		/* inode, f_op and f_flags in one read, as trace's read_file_id. */
		if (file && !bpf_probe_read_kernel(buf, sizeof(buf), file))
			t->file = *(__u64 *)buf ^ *(__u64 *)(buf + 32);
	}
	if (work & W_TAIL)
		bpf_probe_read_kernel(&t->tail, sizeof(t->tail), &task->pid);
	if (work & W_CLOCK)
		t->t_enter = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(work_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task;
	struct thread *t;
	__u64 now = 0;

	if (SYSCALL_NR(regs) != nr_io_submit || (work & W_COUNT))
		return 0;
	task = bpf_get_current_task_btf();
	t = thread_state(task, false);
	if (!t)
		return 0;
	if (work & W_CLOCK)
		now = bpf_ktime_get_ns();
	if (work & W_TAIL) {
		__u32 tail = 0;

		bpf_probe_read_kernel(&tail, sizeof(tail), &task->tgid);
		t->tail ^= tail;
	}
	if (work & W_POSTED) {
		__u64 obj = 0;

		bpf_probe_read_user(&obj, sizeof(obj), (void *)SYSCALL_ARG2(regs));
		t->iocb ^= obj;
	}
	if (work & W_STATS) {
		struct ev_key ev = { .op = { .fn = t->file, .dev = t->fd, .kind = 1 }, .facts = t->tail & 1 };
		struct op_stats *s = bpf_map_lookup_elem(&ops, &ev.op);
		__u64 ns = now - t->t_enter;
		__u64 *n;

		if (!s) {
			bpf_map_update_elem(&ops, &ev.op, &zero_stats, BPF_NOEXIST);
			s = bpf_map_lookup_elem(&ops, &ev.op);
		}
		if (s) {
			__sync_fetch_and_add(&s->requests, 1);
			__sync_fetch_and_add(&s->syscalls, 1);
			__sync_fetch_and_add(&s->hist[(ns >> 10) & 31], 1);
			__sync_fetch_and_add(&s->sum, ns);
		}
		n = bpf_map_lookup_elem(&evidence, &ev);
		if (n) {
			__sync_fetch_and_add(n, 1);
		} else {
			__u64 one = 1;

			bpf_map_update_elem(&evidence, &ev, &one, BPF_NOEXIST);
		}
	}
	return 0;
}
#endif
