/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 9: glibc's POSIX AIO (aio_read, aio_write, lio_listio),
 * by uprobes: every request goes to a glibc helper thread.
 */
/* ------------------------------------------------------- glibc POSIX AIO */

/* struct aiocb starts with int aio_fildes; int aio_lio_opcode (glibc, all arches). */
#define LIO_READ_ 0
#define LIO_WRITE_ 1

static __always_inline void posix_request(__u64 aiocb, int kind)
{
	struct aio_audit_evidence_key ev = {};
	struct acct a = { .reqs = &acct_one };
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
	account(op_stats(&ev.op), &ev, &a);
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
