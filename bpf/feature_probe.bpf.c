// SPDX-License-Identifier: GPL-2.0-only
/*
 * The smallest program of each kind `trace` may use. `doctor` (through the
 * collector) loads and attaches them one at a time: whether a kind works is
 * found out by trying, never inferred from the kernel version.
 *
 * fentry/fexit/kprobe/kretprobe/uprobe carry no target in their section
 * names; user space sets the target at run time to the very function the
 * tracer would hook, so a refusal here means a refusal there.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "preempt_count.h"

char LICENSE[] SEC("license") = "GPL";

__u64 hits = 0;

SEC("tracepoint/syscalls/sys_enter_io_submit")
int probe_tracepoint(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

/* Where this CPU's preempt_count was read (AA_PREEMPT_*): the read trace
 * makes to tell IRQ from task context (preempt_count.h). A kernel that
 * cannot resolve per-CPU symbols for BPF (CONFIG_KALLSYMS_ALL off) refuses
 * the load. */
__u32 preempt_from = 0;

SEC("tracepoint/syscalls/sys_enter_io_submit")
int probe_preempt_count(void *ctx)
{
	int count;
	int from = aa_read_preempt_count(&count);

	if (from != AA_PREEMPT_NONE) {
		preempt_from = from;
		__sync_fetch_and_add(&hits, 1);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(probe_tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

/* Counts, so that the syscall-function probe can check it fired. */
SEC("fentry")
int BPF_PROG(probe_fentry)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("fexit")
int BPF_PROG(probe_fexit)
{
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(probe_kretprobe)
{
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(probe_uprobe)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}
