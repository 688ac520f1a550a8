/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 4: block I/O a submitter queued, and whether another
 * context completed it while the submitter was off CPU (tp_btf only).
 */
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
