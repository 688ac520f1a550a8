/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 6: kernel AIO completion (fentry and kprobe backends):
 * aio_complete_rw, its time and the context it ran in.
 */
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
