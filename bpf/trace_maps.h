/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF-side state shared by trace.bpf.c and driver_hook.bpf.c: the per-task
 * and in-flight request tables. driver_hook objects (one per hooked driver
 * function, fexit needs its target at load time) reuse these two maps'
 * file descriptors, so both objects see the same requests.
 */
#ifndef AIO_AUDIT_TRACE_MAPS_H
#define AIO_AUDIT_TRACE_MAPS_H

#include "aio_audit.h"

enum {
	AA_SYS_NONE = 0,
	AA_SYS_IO_SUBMIT = 1,
	AA_SYS_IO_GETEVENTS = 2,
	AA_SYS_URING_ENTER = 3, /* io_uring_enter, submitting */
	AA_SYS_URING_WAIT = 4,  /* io_uring_enter, waiting for completions */
};

/*
 * Requests of one op, as account() (bpf/trace/account.bpf.h) counts them:
 * by how their completion differs from the facts they share. n: with those
 * facts as given; n_elsewhere: completed during the syscall while the
 * submitter was off CPU; n_after: completed after the syscall, where not
 * seen; n_refused: refused before anything was measured.
 */
struct acct_reqs {
	__u32 n;
	__u32 n_elsewhere;
	__u32 n_after;
	__u32 n_refused;
};

/*
 * io_submit's exit (tracepoint backend) groups consecutive requests of one op
 * before they touch the maps. The group lives in the map value, not in the
 * bpf_loop context on the stack: kernels before 6.7 verify a bpf_loop
 * callback once, with the context's initial constants, and remove as dead
 * the branches only later iterations take (seen on 6.1: every request of a
 * batch went to its last op; fixed by ab5cfac139ab, "bpf: verify callbacks
 * as if they are called unknown number of times", v6.7).
 */
struct exit_acc {
	struct aio_audit_op_key op;
	/* n: posted during the call while the submitter ran; n_elsewhere:
	 * posted while it was off CPU, so not by the submitter; n_after:
	 * still in flight at the exit; n_refused: io_submit refused it. */
	struct acct_reqs reqs;
	__u8 have_op;
	__u8 cop; /* its index in call_ops[] */
	__u8 pad[6];
};

/* One distinct op among a call's requests, and whether the call slept while
 * submitting requests of it (in their io_submit_one windows, or anywhere in
 * the call where those windows are not seen). */
struct call_op {
	struct aio_audit_op_key op;
	__u8 slept;
	__u8 counted; /* its call was counted in the op's stats */
	__u8 pad[6];
};
#define AA_NO_COP 0xff

/*
 * The slots (bpf/trace/common.bpf.h) of the op and of the evidence class
 * that a thread's last io_submit exit counted under: its next call most
 * often has the same, and skips both hash lookups. Never stale: a slot is
 * never given to another key.
 */
struct slot_cache {
	struct aio_audit_evidence_key ev;
	__u32 op_slot;
	__u32 ev_slot;
	__u8 have_op; /* op_slot is ev.op's */
	__u8 have_ev; /* ev_slot is ev's */
	__u8 pad[6];
};

/* What a request's op is made of: the file's inode, f_op and f_flags. */
struct file_id {
	__u64 inode;
	__u64 fop;
	__u32 flags;
	__u32 pad;
};

/* A thread inside a submitting syscall. */
struct task_state {
	__u64 t_enter;
	__u64 ctx_id;       /* io_submit: the aio ring (user address) */
	__u64 events_ptr;   /* io_getevents: the user's io_event array */
	__u64 switched_out; /* when it went to sleep; 0 while on CPU */
	__u64 offcpu;       /* voluntary off-CPU time in this syscall */
	__u64 call_kiocb;   /* kiocb inside aio_read/aio_write right now */
	__u64 uring_seq;    /* io_uring_enter calls so far */
	__u64 one_enter;    /* io_submit_one entered (call-hook backends) */
	__u64 one_kiocb;    /* the kiocb that io_submit_one reached the driver with */
	__u64 kctx;         /* the kernel's kioctx of ctx_id (tracepoint backend); 0: unresolved */
	__u64 kctx_for;     /* ... found for this ctx_id */
	__u64 offcpu_posted; /* bit k: the k-th event posted in this call was posted while it was off CPU */
	__u64 last_fn;      /* the last driver function announced to user space */
	__u32 tgid;
	__u32 tail_enter;
	__u32 ntracked; /* iocbs[]/ops[] filled at io_submit entry */
	__u32 ncalls;   /* kiocbs[] filled by the driver-call hooks */
	__u32 sleeps;   /* voluntary switches in this syscall */
	__u32 call_sleeps_at_enter;
	__u32 one_sleeps_at_enter;
	__s32 stack_id;
	__u32 n_posted; /* entries of posted[] filled at io_submit exit */
	__u32 n_waiting; /* requests io_submit's exit put in user_reqs */
	__u32 kctx_gen;  /* kctx_gen when kctx was found */
	__u32 kctx_nr;   /* the kioctx's nr_events */
	__u32 ktail_out; /* the kioctx's tail when the task last went off CPU */
	__u32 bios;      /* block I/Os it queued in this syscall */
	__u32 dev_waits; /* ... completed by another context while it was off CPU */
	__u32 window_sleeps; /* voluntary switches inside io_submit_one windows */
	__u8 in_syscall; /* AA_SYS_* */
	__u8 in_call;
	__u8 uring_last_slept;
	__u8 in_one;
	__u8 off_cpu;     /* switched out (voluntarily or not) inside a submitting syscall */
	__u8 ktail_valid; /* ktail_out was read at the last switch-out */
	__u8 n_call_ops;
	__u8 pad;
	char comm[16];
	struct aio_audit_op_key call_op;
	struct exit_acc acc;
	struct slot_cache slots;
	/* The last file each kind resolved to, and its op: most submitters keep
	 * hitting the same file, and resolving an op costs ~7 kernel reads. The
	 * cache is keyed by what the op is made of (inode, f_op, f_flags), read
	 * at each submission: a struct file's memory is reused by the next open,
	 * and its flags change with fcntl. */
	struct file_id cached_file[2];
	struct aio_audit_op_key cached_op[2];
	struct call_op call_ops[AA_MAX_CALL_OPS];
	__u8 cops[AA_MAX_TRACKED_IOCBS]; /* each iocb's index in call_ops[] (tracepoint backend) */
	__u64 iocbs[AA_MAX_TRACKED_IOCBS];  /* user iocb pointers */
	__u64 kiocbs[AA_MAX_TRACKED_IOCBS]; /* kernel kiocbs (call hooks) */
	struct aio_audit_op_key ops[AA_MAX_TRACKED_IOCBS];
	__u64 posted[AA_MAX_TRACKED_IOCBS]; /* io_event.obj posted during io_submit */
};

/* One kernel-AIO request between its driver call and its completion. */
struct req_state {
	struct aio_audit_op_key op;
	__u64 t_syscall;
	__u64 t_call_enter;
	__u64 t_call_exit;
	__u64 t_exit;
	__u64 t_complete;
	__u64 t_one_enter; /* this request's own io_submit_one window, where hooked */
	__u64 t_one_exit;
	__s64 res;
	__s64 driver_ret;
	__u32 tid;
	__u32 stage; /* the second of {completion, syscall exit} finishes it */
	__u8 context;
	__u8 completed;
	__u8 call_done;
	__u8 call_slept;
	__u8 slept_sub;
	__u8 refused;
	__u8 has_driver_ret;
	__u8 stage_completed;
	__u8 has_one;   /* t_one_* are set */
	__u8 one_slept; /* the submitter slept inside this request's io_submit_one */
	__u8 slot;      /* its index in the submitter's kiocbs[] */
	__u8 cop;       /* its op's index in the submitter's call_ops[] */
	__u8 op_slept;  /* its call slept submitting its op (set at the syscall's exit) */
	__u8 waited_dev; /* completed inline after waiting for its device I/O off CPU */
	__u8 issued_io; /* its driver call queued block I/O */
	__u8 pad;
	__u32 bios_at_enter;
	__u32 dev_waits_at_enter;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct task_state);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct req_state);
} aio_reqs SEC(".maps");

/* The driver's own read_iter/write_iter returned `ret` for the request the
 * current task is submitting. */
static __always_inline int record_driver_ret(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_state *st = bpf_map_lookup_elem(&tasks, &tid);
	struct req_state *r;
	__u64 key;

	if (!st || !st->in_call)
		return 0;
	key = st->call_kiocb;
	r = bpf_map_lookup_elem(&aio_reqs, &key);
	if (r) {
		r->driver_ret = ret;
		r->has_driver_ret = 1;
	}
	return 0;
}

#endif /* AIO_AUDIT_TRACE_MAPS_H */
