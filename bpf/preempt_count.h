/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * This CPU's preempt_count, for telling hardirq and softirq from task
 * context. Shared by trace.bpf.c and the feature probe, so that `doctor`
 * answers for the very read `trace` makes.
 *
 * Where it lives on x86 (CO-RE decides at load time, per kernel):
 *  - up to 6.1, and from 6.15: the per-CPU int __preempt_count;
 *  - 6.2 to 6.14: the per-CPU struct pcpu_hot, member preempt_count
 *    (64701838bf05 "x86/percpu: Move preempt_count next to current_task",
 *    v6.2; back out in 46e8fff6d45f "x86/preempt: Move preempt count to
 *    percpu hot section", v6.15, whose series later removed pcpu_hot).
 * Both are weak ksyms: a kernel without one resolves it to NULL, and the
 * verifier drops the branch that reads it. Other architectures keep
 * preempt_count in thread_info; this reads neither there and says so.
 *
 * On PREEMPT_RT the softirq count is not in preempt_count at all:
 * softirqs run in tasks (ksoftirqd, ktimers, or whichever task re-enables
 * bottom halves), and include/linux/preempt.h's softirq_count() reads
 * current->softirq_disable_cnt, a task_struct field that exists only with
 * CONFIG_PREEMPT_RT. aa_rt_serving_softirq() reads it there: a plain task
 * field, so it needs no ksym and works in both completion variants.
 */
#ifndef AIO_AUDIT_PREEMPT_COUNT_H
#define AIO_AUDIT_PREEMPT_COUNT_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* include/linux/preempt.h */
#define SOFTIRQ_OFFSET_ (1UL << 8)
#define HARDIRQ_MASK_ (0xfUL << 16)
#define NMI_MASK_ (0xfUL << 20)

extern const int __preempt_count __ksym __weak;

/* The local flavour of arch/x86/include/asm/current.h's struct pcpu_hot: only
 * the member read, found by name (inside its anonymous union) by CO-RE. */
struct pcpu_hot___aa {
	int preempt_count;
} __attribute__((preserve_access_index));

extern const struct pcpu_hot___aa pcpu_hot __ksym __weak;

/* Where the count was read from; 0: nowhere on this kernel. */
#define AA_PREEMPT_NONE 0
#define AA_PREEMPT_VAR 1      /* __preempt_count */
#define AA_PREEMPT_PCPU_HOT 2 /* pcpu_hot.preempt_count */

static __always_inline int aa_read_preempt_count(int *count)
{
	if (&__preempt_count) {
		*count = *(const int *)bpf_this_cpu_ptr(&__preempt_count);
		return AA_PREEMPT_VAR;
	}
	if (bpf_core_field_exists(struct pcpu_hot___aa, preempt_count) && &pcpu_hot) {
		const struct pcpu_hot___aa *hot = bpf_this_cpu_ptr(&pcpu_hot);

		*count = hot->preempt_count;
		return AA_PREEMPT_PCPU_HOT;
	}
	return AA_PREEMPT_NONE;
}

/* The local flavour of task_struct's PREEMPT_RT-only member. */
struct task_struct___aa_rt {
	int softirq_disable_cnt;
} __attribute__((preserve_access_index));

/* in_serving_softirq() on a PREEMPT_RT kernel; false on any other (the
 * field does not exist, and the verifier drops the read). */
static __always_inline bool aa_rt_serving_softirq(void)
{
	struct task_struct___aa_rt *t = (void *)bpf_get_current_task();

	if (!bpf_core_field_exists(struct task_struct___aa_rt, softirq_disable_cnt))
		return false;
	return BPF_CORE_READ(t, softirq_disable_cnt) & SOFTIRQ_OFFSET_;
}

#endif /* AIO_AUDIT_PREEMPT_COUNT_H */
