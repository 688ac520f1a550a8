// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's floor (scripts/bench-trace.sh): programs on exactly the
 * hooks `trace` uses for io_submit and io_getevents, doing nothing but what
 * every hook must do to exist (match the syscall number). Traced IOPS over
 * IOPS with these attached tells how much of the overhead is our programs'
 * work and how much the kernel charges for any hook at all.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "syscall_regs.h"

char LICENSE[] SEC("license") = "GPL";

const volatile long nr_io_submit = -1;
const volatile long nr_io_getevents = -1;

__u64 hits = 0;

SEC("tracepoint/syscalls/sys_enter_io_submit")
int floor_submit_enter(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_io_submit")
int floor_submit_exit(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_io_getevents")
int floor_getevents_enter(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_io_getevents")
int floor_getevents_exit(void *ctx)
{
	return 0;
}

#ifdef HAVE_RAW_SYSCALLS

/* The counter keeps the match from being optimised away. */
SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	if (id == nr_io_submit)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	long id = SYSCALL_NR(regs);

	if (id == nr_io_submit || id == nr_io_getevents)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}
#endif
