/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the syscall number and arguments live in pt_regs, and what the
 * syscall functions are called, per architecture: for the raw
 * sys_enter/sys_exit programs and the fentry syscall hooks of trace.bpf.c,
 * and for hook_floor.bpf.c. HAVE_RAW_SYSCALLS is left undefined elsewhere
 * (user space then uses the per-syscall tracepoints:
 * model::kArchSyscallProgramsBuilt). Include after vmlinux.h and the libbpf
 * headers.
 */
#ifndef AIO_AUDIT_SYSCALL_REGS_H
#define AIO_AUDIT_SYSCALL_REGS_H

#if defined(__TARGET_ARCH_x86)
/* A 32-bit task's syscall numbers are another table (TS_COMPAT,
 * arch/x86/include/asm/thread_info.h); the classic events skip them too. */
#define TS_COMPAT_ 0x0002
static __always_inline bool compat_task(struct task_struct *task)
{
	return bpf_core_field_exists(task->thread_info.status) && (task->thread_info.status & TS_COMPAT_);
}
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define SYSCALL_ARG0(regs) ((regs)->di)
#define SYSCALL_ARG1(regs) ((regs)->si)
#define SYSCALL_ARG2(regs) ((regs)->dx)
#define SYSCALL_ARG3(regs) ((regs)->r10)
#define HAVE_RAW_SYSCALLS 1
#define SYSCALL_FN(name) "__x64_sys_" #name
#elif defined(__TARGET_ARCH_arm64)
/* An AArch32 task's numbers are the arm table's (TIF_32BIT). */
#define TIF_32BIT_ 22
static __always_inline bool compat_task(struct task_struct *task)
{
	return task->thread_info.flags & (1UL << TIF_32BIT_);
}
#define SYSCALL_NR(regs) ((regs)->syscallno)
#define SYSCALL_ARG0(regs) ((regs)->orig_x0)
#define SYSCALL_ARG1(regs) ((regs)->regs[1])
#define SYSCALL_ARG2(regs) ((regs)->regs[2])
#define SYSCALL_ARG3(regs) ((regs)->regs[3])
#define HAVE_RAW_SYSCALLS 1
#define SYSCALL_FN(name) "__arm64_sys_" #name
#endif

#endif /* AIO_AUDIT_SYSCALL_REGS_H */
