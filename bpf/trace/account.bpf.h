/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 1 continued: accounting, the second half of the shared
 * part (its own file so the other parts keep their numbers). Every producer
 * of facts (io_submit's exit and io_getevents with the tracepoint backend; a
 * request finished by the call hooks; each call's ops; io_uring's
 * completion; a POSIX AIO request) looks its op up with op_stats(),
 * describes what it saw in one struct acct and hands both, with the evidence
 * key, to account(): the only code that counts evidence and updates struct
 * aio_audit_op_stats. A new statistic is a field of struct acct, set where
 * it is measured, and one line in account().
 */
/* ---------------------------------------------------------------- accounting */

/* n samples of end - start nanoseconds each, for one histogram and its sum
 * (n = 0: none). */
struct acct_span {
	__u64 start;
	__u64 end;
	__u32 n;
	__u32 pad;
};

/*
 * What some requests of one op came to, as one producer saw them at once. A
 * field left zero counts nothing, and since account() is inlined, the
 * compiler drops the work for every field a producer never sets. Set a count
 * from an expression (n = end > start), not under an if: a field set under
 * a condition becomes selects, spilled, and a second branch in account()
 * (~20 instructions more per io_submit exit, measured).
 *
 * reqs: the requests finished (the op's `requests`), each counted under
 * evidence too (struct acct_reqs, bpf/trace_maps.h). A pointer, not a copy:
 * io_submit's exit points at the group it counted in the task's map value,
 * and account() reads the counts where it uses them, after its map lookups,
 * instead of keeping copies alive across them (stack spills on the hot
 * path). Producers of one request point at acct_one. NULL: none (a late
 * completion, a call).
 */
struct acct {
	const struct acct_reqs *reqs;
	__u32 device_io; /* requests whose submission issued block I/O */
	__u32 errors;    /* completions with a negative result */
	__u32 syscalls;  /* submitting calls that carried requests of the op */
	/* ... and slept while submitting them, off CPU offcpu_ns each */
	__u32 syscalls_slept;
	__u64 offcpu_ns;
	__u32 n_ret; /* requests whose driver function returned ret */
	__u32 pad;
	__s64 ret;
	struct acct_span submit;   /* the submission window */
	struct acct_span call;     /* the driver call */
	struct acct_span complete; /* submission to completion */
};

static const struct acct_reqs acct_one = { .n = 1 };

/*
 * The op's statistics, created on first use. A producer looks them up
 * before it reads what it measured: values read after the lookup go
 * straight into the statistics, values read before it would be kept on the
 * stack across the helper calls.
 */
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

/* n samples of ns each: into a histogram and its sum. */
static __always_inline void hist_add_n(__u64 *hist, __u64 *sum, __u64 ns, __u32 n)
{
	__u32 slot = aio_audit_log2_slot(ns);

	if (slot < AIO_AUDIT_HIST_SLOTS)
		__sync_fetch_and_add(&hist[slot], n);
	__sync_fetch_and_add(sum, ns * n);
}

static __always_inline void span_add(__u64 *hist, __u64 *sum, const struct acct_span *w)
{
	if (w->n)
		hist_add_n(hist, sum, w->end - w->start, w->n);
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

/*
 * Add a to s, the statistics of ev's op (NULL: the op table had no room,
 * already counted in drops), then count a's requests under ev's facts and
 * the classes split off them (ev may be NULL when a has no requests). In
 * that order: what the producer read since its op lookup goes into s before
 * the evidence lookups, not kept across them (the other order costs io_submit's
 * exit ~30 instructions a call, though it halves the verifier's work on the
 * call-hook programs). ev is changed in place for the classes rather than
 * copied: the key must be on the stack for the map helpers, and io_submit's
 * exit, the largest program for the verifier, would carry a second one.
 */
static __always_inline void account(struct aio_audit_op_stats *s, struct aio_audit_evidence_key *ev,
				    const struct acct *a)
{
	const struct acct_reqs *r = a->reqs;

	if (s) {
		if (r)
			__sync_fetch_and_add(&s->requests, r->n + r->n_elsewhere + r->n_after + r->n_refused);
		if (a->device_io)
			__sync_fetch_and_add(&s->device_io, a->device_io);
		if (a->errors)
			__sync_fetch_and_add(&s->errors, a->errors);
		if (a->syscalls)
			__sync_fetch_and_add(&s->syscalls, a->syscalls);
		if (a->syscalls_slept) {
			__sync_fetch_and_add(&s->syscalls_slept, a->syscalls_slept);
			hist_add_n(s->offcpu_hist, &s->offcpu_sum, a->offcpu_ns, a->syscalls_slept);
		}
		span_add(s->submit_hist, &s->submit_sum, &a->submit);
		span_add(s->call_hist, &s->call_sum, &a->call);
		span_add(s->complete_hist, &s->complete_sum, &a->complete);
		if (a->n_ret) {
			if (a->ret == -EIOCBQUEUED_)
				__sync_fetch_and_add(&s->ret_queued, a->n_ret);
			else if (a->ret >= 0)
				__sync_fetch_and_add(&s->ret_bytes, a->n_ret);
			else
				__sync_fetch_and_add(&s->ret_error, a->n_ret);
		}
	}

	if (!r)
		return;
	if (r->n)
		count_evidence_n(ev, r->n);
	if (r->n_elsewhere) {
		ev->completed = AA_WHEN_IN_SYSCALL;
		ev->context = AA_CTX_ELSEWHERE;
		count_evidence_n(ev, r->n_elsewhere);
	}
	if (r->n_after) {
		ev->completed = AA_WHEN_AFTER_SYSCALL;
		ev->context = AA_CTX_UNKNOWN;
		count_evidence_n(ev, r->n_after);
	}
	if (r->n_refused) {
		struct aio_audit_op_key op = ev->op;

		__builtin_memset(ev, 0, sizeof(*ev));
		ev->op = op;
		ev->refused = 1;
		count_evidence_n(ev, r->n_refused);
	}
}
