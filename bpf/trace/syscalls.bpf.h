/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.bpf.c, part 8: the syscall entry and exit hooks of io_submit,
 * io_getevents and io_uring_enter, in the three ways user space can load,
 * and io_destroy's entry (the tracepoint backend's kept kioctx).
 */
/* ---------------------------------------------------- syscall entry and exit */

/*
 * Three ways in: one classic tracepoint per syscall; the raw sys_enter and
 * sys_exit tracepoints (tp_btf) with a switch on the syscall number; or
 * fentry/fexit on the syscall functions. The raw pair costs less per request
 * than the classic events (no perf record is built: ~270 against ~550 ns of
 * hook cost per fio request on 6.18, see docs/trace.md) but runs, and
 * returns at once, for every syscall of every task; fentry avoids the
 * syscall-tracing slow path altogether. User space loads one way.
 */
SEC("tracepoint/syscalls/sys_enter_io_submit")
int io_submit_enter(struct trace_event_raw_sys_enter *ctx)
{
	/* Plain context loads: BPF_CORE_READ would cost a helper call each. */
	return on_io_submit_enter(bpf_get_current_task_btf(), ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_io_submit")
int io_submit_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_io_submit_exit(bpf_get_current_task_btf(), ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_io_getevents")
int io_getevents_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_io_getevents_enter(ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_exit_io_getevents")
int io_getevents_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_io_getevents_exit(ctx->ret);
}

/* A kioctx may be freed: the tracepoint backend forgets those it kept. */
SEC("tracepoint/syscalls/sys_enter_io_destroy")
int io_destroy_enter(void *ctx)
{
	return on_io_destroy();
}

SEC("tracepoint/syscalls/sys_enter_io_uring_enter")
int uring_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_uring_enter();
}

SEC("tracepoint/syscalls/sys_exit_io_uring_enter")
int uring_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_uring_exit();
}

#ifdef HAVE_RAW_SYSCALLS
/* regs is a BTF pointer here: its fields are plain loads. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	struct task_struct *task;

	if (id != nr_io_submit && id != nr_io_uring_enter)
		return id == nr_io_destroy ? on_io_destroy() : 0;
	task = bpf_get_current_task_btf();
	if (compat_task(task))
		return 0;
	if (id == nr_io_submit)
		return on_io_submit_enter(task, SYSCALL_ARG0(regs), SYSCALL_ARG1(regs), SYSCALL_ARG2(regs));
	if (id == nr_io_uring_enter && hook_uring)
		return on_uring_enter();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	long id = SYSCALL_NR(regs);
	struct task_struct *task;

	if (id != nr_io_submit && id != nr_io_getevents && id != nr_io_uring_enter)
		return 0;
	/* Before the task and its compat flag: most exits end here. io_submit
	 * with --sample N while no followed call is inside (the exit would find
	 * none); io_getevents while no request waits to be reaped. Returning
	 * early for a compat task's syscall of the same number is harmless. */
	if (id == nr_io_submit && sample_every > 1 && !followed_calls)
		return 0;
	if (id == nr_io_getevents && (!hook_getevents || !reqs_to_reap))
		return 0;
	task = bpf_get_current_task_btf();
	if (compat_task(task))
		return 0;
	if (id == nr_io_submit)
		return on_io_submit_exit(task, ret);
	/* The arguments are still in regs at exit: io_getevents needs no entry
	 * hook. */
	if (id == nr_io_getevents)
		return tracked() ? reap_events(ret, SYSCALL_ARG3(regs)) : 0;
	if (id == nr_io_uring_enter && hook_uring)
		return on_uring_exit();
	return 0;
}

/*
 * fentry/fexit on the syscall functions themselves (the call-hook backends'
 * kernels): no syscall tracepoint is enabled, so no task takes the
 * syscall-tracing slow path, and only these syscalls run a program. The
 * 64-bit entry points only: compat syscalls have their own functions.
 * io_getevents needs no hook here (the call-hook backends time completions
 * at aio_complete_rw).
 */
SEC("fentry/" SYSCALL_FN(io_submit))
int BPF_PROG(fentry_sys_io_submit, struct pt_regs *regs)
{
	return on_io_submit_enter(bpf_get_current_task_btf(), SYSCALL_ARG0(regs), SYSCALL_ARG1(regs),
				  SYSCALL_ARG2(regs));
}

SEC("fexit/" SYSCALL_FN(io_submit))
int BPF_PROG(fexit_sys_io_submit, struct pt_regs *regs, long ret)
{
	return on_io_submit_exit(bpf_get_current_task_btf(), ret);
}

SEC("fentry/" SYSCALL_FN(io_uring_enter))
int BPF_PROG(fentry_sys_io_uring_enter, struct pt_regs *regs)
{
	return on_uring_enter();
}

SEC("fexit/" SYSCALL_FN(io_uring_enter))
int BPF_PROG(fexit_sys_io_uring_enter, struct pt_regs *regs, long ret)
{
	return on_uring_exit();
}
#endif
