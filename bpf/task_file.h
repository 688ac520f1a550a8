/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A task's open file by descriptor, for trace.bpf.c and for the benchmark
 * that prices the same read (hook_work.bpf.c). Include after vmlinux.h and
 * the libbpf headers.
 */
#ifndef AIO_AUDIT_TASK_FILE_H
#define AIO_AUDIT_TASK_FILE_H

/*
 * current->files->fdt->fd[fd], as fget() would find it (no reference taken).
 * The walk to the fd array uses BTF pointers (plain loads, no helper calls);
 * only the variable-index load goes through bpf_probe_read_kernel.
 */
static __always_inline struct file *task_fd_to_file(struct task_struct *task, __u32 fd)
{
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

#endif /* AIO_AUDIT_TASK_FILE_H */
