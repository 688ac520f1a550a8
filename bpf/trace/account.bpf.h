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
 * The slot of key in ids (op_slots or evidence_slots), given on first use;
 * -1 when every slot is taken. Two CPUs may give one new key a slot at
 * once: the first insert wins, and the other slot is left unused (no key
 * names it, so user space never reads it).
 */
static __always_inline int slot_of(void *ids, const void *key, __u32 *used, __u32 max)
{
	__u32 *slot = bpf_map_lookup_elem(ids, key);
	__u32 fresh;

	if (slot)
		return *slot;
	if (*(volatile __u32 *)used >= max)
		return -1;
	fresh = __sync_fetch_and_add(used, 1);
	if (fresh >= max)
		return -1;
	bpf_map_update_elem(ids, key, &fresh, BPF_NOEXIST);
	slot = bpf_map_lookup_elem(ids, key);
	return slot ? *slot : -1;
}

/*
 * The op's statistics, created on first use; NULL when the table is full
 * (account() counts the requests that lost). With a cache (a thread's last
 * slots), an op it names takes no hash lookup. A producer looks its op up
 * before it reads what it measured: values read after the lookup go
 * straight into the statistics, values read before it would be kept on the
 * stack across the helper calls.
 */
static __always_inline struct aio_audit_op_stats *op_stats_in(const struct aio_audit_op_key *key,
							       struct slot_cache *cache)
{
	int slot;

	if (cache && cache->have_op && same_op(&cache->ev.op, key)) {
		slot = cache->op_slot;
	} else {
		slot = slot_of(&op_slots, key, &op_slots_used, op_slot_limit);
		if (cache) {
			/* The evidence slot was the old op's. */
			cache->ev.op = *key;
			cache->op_slot = slot;
			cache->have_op = slot >= 0;
			cache->have_ev = 0;
		}
	}
	return slot >= 0 ? bpf_map_lookup_elem(&ops, &slot) : NULL;
}

static __always_inline struct aio_audit_op_stats *op_stats(const struct aio_audit_op_key *key)
{
	return op_stats_in(key, NULL);
}

/*
 * Add v to a count. Atomic, unless the producer is exclusive: no other
 * program can write the same per-CPU slot until it returns, and a plain add
 * cannot lose an update. That holds where one program alone writes the
 * slot and the kernel never runs it nested with itself on a CPU: the raw
 * sys_exit hook writes every kernel-AIO op of the tracepoint backend (its
 * io_submit exits and io_getevents reaps), the raw sys_enter hook alone
 * writes --sample N's call counts (follow_call), and __bpf_trace_run
 * (kernel/trace/bpf_trace.c, 6.1 to 6.18) skips, as a missed run, a run that
 * would start on a CPU where the program is active, even one preempted
 * there. exclusive_counts says so (user space sets it for that backend and
 * those hooks only). Every other producer shares its ops with programs that
 * can nest (completions in interrupt context, preemptible fentry and uprobe
 * programs): theirs stay atomic. On 6.18 the seven atomic adds of an
 * io_submit exit cost ~50 ns a call (docs/trace.md).
 */
static __always_inline void add_count(__u64 *p, __u64 v, bool exclusive)
{
	if (exclusive)
		*p += v;
	else
		__sync_fetch_and_add(p, v);
}

/* n samples of ns each: into a histogram and its sum. */
static __always_inline void hist_add_n(__u64 *hist, __u64 *sum, __u64 ns, __u32 n, bool exclusive)
{
	__u32 slot = aio_audit_log2_slot(ns);

	if (slot < AIO_AUDIT_HIST_SLOTS)
		add_count(&hist[slot], n, exclusive);
	add_count(sum, ns * n, exclusive);
}

static __always_inline void span_add(__u64 *hist, __u64 *sum, const struct acct_span *w, bool exclusive)
{
	if (w->n)
		hist_add_n(hist, sum, w->end - w->start, w->n, exclusive);
}

static __always_inline bool same_facts(const struct aio_audit_evidence_key *a,
				       const struct aio_audit_evidence_key *b)
{
	/* The eight one-byte facts after the op, compared as one word. */
	return same_op(&a->op, &b->op) &&
	       *(const __u64 *)&a->refused == *(const __u64 *)&b->refused;
}

/* n requests with the facts of ev; with a cache, facts it names take no
 * hash lookup. */
static __always_inline void count_evidence_n(const struct aio_audit_evidence_key *ev, __u64 n,
					     struct slot_cache *cache, bool exclusive)
{
	__u64 *count;
	int slot;

	if (cache && cache->have_ev && same_facts(&cache->ev, ev)) {
		slot = cache->ev_slot;
	} else {
		slot = slot_of(&evidence_slots, ev, &evidence_slots_used, AA_EVIDENCE_SLOTS);
		if (cache && same_op(&cache->ev.op, &ev->op)) {
			cache->ev = *ev;
			cache->ev_slot = slot;
			cache->have_ev = slot >= 0;
		}
	}
	count = slot >= 0 ? bpf_map_lookup_elem(&evidence, &slot) : NULL;
	if (count)
		add_count(count, n, exclusive);
	else
		drop_n(AA_DROP_EVIDENCE, n);
}

/*
 * Add a to s, the statistics of ev's op (NULL: the op table had no room,
 * and a's requests are counted lost), then count a's
 * requests under ev's facts and the classes split off them (ev may be NULL
 * when a has no requests). In that order: what the producer read since its
 * op lookup goes into s before the evidence lookups, not kept across them
 * (the other order costs io_submit's exit ~30 instructions a call, though it
 * halves the verifier's work on the call-hook programs). ev is changed in place for the classes rather than
 * copied: the key must be on the stack for the map helpers, and io_submit's
 * exit, the largest program for the verifier, would carry a second one.
 */
static __always_inline void account_in(struct aio_audit_op_stats *s, struct aio_audit_evidence_key *ev,
				       const struct acct *a, struct slot_cache *cache, bool exclusive)
{
	const struct acct_reqs *r = a->reqs;

	/* An op with no room in the table is lost whole, its requests counted
	 * in drops (each request once: only a producer that finishes requests
	 * sets reqs, not a call's or a late completion's counts): evidence
	 * without its op's counts would be a verdict over no requests. */
	if (!s) {
		if (r)
			drop_n(AA_DROP_STATS, r->n + r->n_elsewhere + r->n_after + r->n_refused);
		return;
	}
	if (r)
		add_count(&s->requests, r->n + r->n_elsewhere + r->n_after + r->n_refused, exclusive);
	if (a->device_io)
		add_count(&s->device_io, a->device_io, exclusive);
	if (a->errors)
		add_count(&s->errors, a->errors, exclusive);
	if (a->syscalls)
		add_count(&s->syscalls, a->syscalls, exclusive);
	if (a->syscalls_slept) {
		add_count(&s->syscalls_slept, a->syscalls_slept, exclusive);
		hist_add_n(s->offcpu_hist, &s->offcpu_sum, a->offcpu_ns, a->syscalls_slept, exclusive);
	}
	span_add(s->submit_hist, &s->submit_sum, &a->submit, exclusive);
	span_add(s->call_hist, &s->call_sum, &a->call, exclusive);
	span_add(s->complete_hist, &s->complete_sum, &a->complete, exclusive);
	if (a->n_ret) {
		if (a->ret == -EIOCBQUEUED_)
			add_count(&s->ret_queued, a->n_ret, exclusive);
		else if (a->ret >= 0)
			add_count(&s->ret_bytes, a->n_ret, exclusive);
		else
			add_count(&s->ret_error, a->n_ret, exclusive);
	}

	if (!r)
		return;
	/* The cache keeps the class most calls have: the first. */
	if (r->n)
		count_evidence_n(ev, r->n, cache, exclusive);
	if (r->n_elsewhere) {
		ev->completed = AA_WHEN_IN_SYSCALL;
		ev->context = AA_CTX_ELSEWHERE;
		count_evidence_n(ev, r->n_elsewhere, NULL, exclusive);
	}
	if (r->n_after) {
		ev->completed = AA_WHEN_AFTER_SYSCALL;
		ev->context = AA_CTX_UNKNOWN;
		count_evidence_n(ev, r->n_after, NULL, exclusive);
	}
	if (r->n_refused) {
		struct aio_audit_op_key op = ev->op;

		__builtin_memset(ev, 0, sizeof(*ev));
		ev->op = op;
		ev->refused = 1;
		count_evidence_n(ev, r->n_refused, NULL, exclusive);
	}
}

static __always_inline void account(struct aio_audit_op_stats *s, struct aio_audit_evidence_key *ev,
				    const struct acct *a)
{
	account_in(s, ev, a, NULL, false);
}
