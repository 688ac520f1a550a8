/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by the BPF programs in bpf/ and by user space (analyzers/).
 *
 * Every field is fixed-width with explicit padding so that the BPF side and
 * the C++ side agree on the layout without relying on either compiler's
 * rules; tests/unit/shared_layout_test.cpp pins sizeof/offsetof so a layout
 * change breaks the build of the tests, not the decoder in the field.
 */
#ifndef AIO_AUDIT_SHARED_H
#define AIO_AUDIT_SHARED_H

#ifdef __bpf__
/* vmlinux.h provides __u32/__u64 in BPF builds. */
#else
#include <linux/types.h>
#endif

/* log2 histograms: slot i counts values in [2^i, 2^(i+1)), slot 0 also 0. */
#define AIO_AUDIT_HIST_SLOTS 64

/* The op table's largest size (ops, op_slots): user space may load it
 * smaller (analyzers/collector/op_table_size.h). */
#define AIO_AUDIT_OP_SLOTS 1024

/*
 * One definition of the histogram slot, used by the BPF programs when they
 * aggregate and by user space when it aggregates samples itself, so that a
 * histogram from `probe` and one from `trace` have the same buckets.
 */
static inline __u32 aio_audit_log2_slot(__u64 v)
{
	__u32 r = 0;

	/* Unrolled binary search: the verifier accepts it without loops. */
	if (v >= (1ULL << 32)) { v >>= 32; r += 32; }
	if (v >= (1ULL << 16)) { v >>= 16; r += 16; }
	if (v >= (1ULL << 8)) { v >>= 8; r += 8; }
	if (v >= (1ULL << 4)) { v >>= 4; r += 4; }
	if (v >= (1ULL << 2)) { v >>= 2; r += 2; }
	if (v >= (1ULL << 1)) { r += 1; }
	return r;
}

/* ---- trace: what the BPF programs aggregate and user space reads ---- */

/* Which interface a request came through. */
enum aio_audit_api {
	AA_API_KAIO = 0,  /* io_submit (libaio) */
	AA_API_URING = 1, /* io_uring */
	AA_API_POSIX = 2, /* glibc aio_read/aio_write/lio_listio (uprobes) */
};

enum aio_audit_kind {
	AA_KIND_READ = 0,
	AA_KIND_WRITE = 1,
};

#define AA_OPF_DIRECT 0x1 /* the file was opened with O_DIRECT */

/*
 * The driver operation a request reached: the file's f_op->read_iter or
 * ->write_iter address (resolved through /proc/kallsyms in user space), the
 * device, the file type and the open mode at that submission (never cached
 * per file: a struct file's memory is reused by the next open). fn == 0: the
 * file has no such op.
 */
struct aio_audit_op_key {
	__u64 fn;
	/* Block and char device files: the device itself (inode->i_rdev); other
	 * files: their file system's (inode->i_sb->s_dev). Kernel encoding:
	 * major << 20 | minor. */
	__u32 dev;
	__u8 ftype;  /* (inode->i_mode & S_IFMT) >> 12 */
	__u8 kind;   /* enum aio_audit_kind */
	__u8 api;    /* enum aio_audit_api */
	__u8 flags;  /* AA_OPF_* */
};

/*
 * Evidence values are the model's enums (analyzers/model/verdict_rules.h);
 * tests/unit/shared_layout_test.cpp checks that they agree.
 */
#define AA_CTX_UNKNOWN 0
#define AA_CTX_SUBMITTER 1
#define AA_CTX_HARDIRQ 2
#define AA_CTX_SOFTIRQ 3
#define AA_CTX_OTHER_TASK 4
#define AA_CTX_HELPER_THREAD 5
#define AA_CTX_ELSEWHERE 6 /* not the submitter: posted while it was off CPU */

#define AA_WHEN_UNKNOWN 0
#define AA_WHEN_IN_DRIVER_CALL 1
#define AA_WHEN_IN_SYSCALL 2
#define AA_WHEN_AFTER_SYSCALL 3

#define AA_TRI_UNKNOWN 0
#define AA_TRI_NO 1
#define AA_TRI_YES 2

/* One class of requests with identical measured facts; the value is a count. */
struct aio_audit_evidence_key {
	struct aio_audit_op_key op;
	__u8 refused;
	__u8 punted;
	__u8 context;             /* AA_CTX_* */
	__u8 completed;           /* AA_WHEN_* */
	__u8 slept_in_call;       /* AA_TRI_* */
	__u8 slept_in_submission; /* AA_TRI_*: in its own submission window */
	__u8 call_slept;          /* AA_TRI_*: its call slept submitting this op */
	__u8 waited_for_device;   /* AA_TRI_*: its block I/O completed elsewhere while it was off CPU */
};

/* Per op: counts, log2 histograms (nanoseconds) and each histogram's sum of
 * values (ns), which the slots alone cannot give (OpenMetrics' _sum). */
struct aio_audit_op_stats {
	__u64 requests;
	__u64 syscalls;      /* submitting calls that carried requests of this op */
	__u64 syscalls_slept; /* ... and slept while submitting them */
	__u64 device_io;     /* requests whose submission window issued block I/O */
	__u64 ret_queued;    /* the driver function returned -EIOCBQUEUED */
	__u64 ret_bytes;     /* ... returned a byte count */
	__u64 ret_error;     /* ... returned another error */
	__u64 errors;        /* completions with a negative result */
	__u64 submit_hist[AIO_AUDIT_HIST_SLOTS];   /* the submitting syscall */
	__u64 call_hist[AIO_AUDIT_HIST_SLOTS];     /* the driver call (aio_read/aio_write) */
	__u64 complete_hist[AIO_AUDIT_HIST_SLOTS]; /* submission to completion */
	__u64 offcpu_hist[AIO_AUDIT_HIST_SLOTS];   /* voluntary off-CPU time in a submission that slept */
	__u64 submit_sum;
	__u64 call_sum;
	__u64 complete_sum;
	__u64 offcpu_sum;
};

/* A driver function not seen before is being called: user space hooks its
 * return at once (the record wakes it), not at its next poll. The only
 * record of the `announce` ring buffer. */
struct aio_audit_new_fn_record {
	__u64 fn;
};

/*
 * Sleeps of submitters inside submission, aggregated in the kernel (as
 * offcputime does): per op, kernel stack at switch-out and whether it slept
 * inside the driver call itself, how many sleeps and their off-CPU time.
 */
struct aio_audit_sleep_key {
	struct aio_audit_op_key op;
	__s32 stack_id; /* in the `stacks` map; < 0: not captured */
	__u8 in_call;   /* slept inside the driver call itself */
	__u8 pad[3];
};

struct aio_audit_sleep_val {
	__u64 sleeps;
	__u64 offcpu_ns;
	char comm[16]; /* the first submitter seen sleeping there */
};

/* Every io_submit call of a traced task, followed or not (--sample N):
 * one per CPU, summed by user space. */
struct aio_audit_totals {
	__u64 io_submit_calls;
	/* The iocbs they were given beyond one each (nr - 1, so -1 for nr 0;
	 * wraps as unsigned): calls + this = iocbs, and fio's one-iocb calls
	 * cost one atomic add, not two. */
	__u64 io_submit_extra_iocbs;
	__u64 until_sample; /* calls on this CPU before the next one followed (BPF's own) */
	/* BPF's own: the last tgid this CPU checked against the followed
	 * processes, (tgid << 32 | generation << 1 | traced) in one word so that
	 * a program preempted halfway cannot leave a torn entry. */
	__u64 scope_seen;
};

/* Events that could not be recorded; all are reported, never hidden. */
enum aio_audit_drop {
	AA_DROP_SLEEP_TABLE = 0, /* sleep table full: a sleep's stack and off-CPU time lost */
	AA_DROP_STACK,         /* stack not captured (map full or collision) */
	AA_DROP_REQUEST,       /* in-flight request table full */
	AA_DROP_STATS,         /* requests of an op with no room in the op table */
	AA_DROP_TASK,          /* task table full */
	AA_DROP_UNTRACKED,     /* iocbs beyond the per-syscall tracking limit */
	AA_DROP_COMPLETION,    /* a request whose completion was never seen (its kiocb was reused) */
	AA_DROP_CALL_OPS,      /* calls with more distinct ops than are tracked per call */
	AA_DROP_EVIDENCE,      /* requests whose facts had no room in the evidence table */
	AA_DROP__COUNT,
};

#define AA_MAX_TRACKED_IOCBS 32 /* per io_submit: bounded loops for the verifier */
#define AA_MAX_CALL_OPS 8       /* distinct ops per io_submit whose sleeps are told apart */

#endif /* AIO_AUDIT_SHARED_H */
