// SPDX-License-Identifier: GPL-2.0-only
/*
 * aio-audit trace: follow every asynchronous I/O request from submission
 * through the driver to its completion, and aggregate per driver op the facts
 * the verdict rules need (docs/trace.md).
 *
 * One object, built from one fragment per domain (bpf/trace/, included at
 * the end of this file in this order; each uses what the ones before define):
 *
 *   common      the shared tables, which tasks are traced, a request's op
 *   account     the one place where evidence and per-op statistics are
 *               counted: every producer below calls account()
 *   kaio        io_submit and io_getevents: iocbs, the ring's tail, reaping
 *   sched       submitters' sleeps, off-CPU time and stacks
 *   block       block I/O a submitter waited for
 *   call_hooks  io_submit_one, aio_read/aio_write, the driver's own return
 *   completion  aio_complete_rw: when and in which context
 *   uring       io_uring requests
 *   syscalls    syscall entry and exit, three ways (tracepoints, tp_btf, fentry)
 *   posix       glibc's aio_read/aio_write/lio_listio (uprobes)
 *
 * Every variant of every hook is in the object. User space
 * (analyzers/collector/trace_session.cpp, configure_programs) switches off
 * with bpf_program__set_autoload what the chosen backend does not use, and
 * sets the settings below before loading. The driver's own read_iter/
 * write_iter return value is taken by driver_hook.bpf.c (fexit, one object per
 * driver function) or by kretprobe_driver (call_hooks, kprobe backend).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "aio_audit.h"
#include "preempt_count.h"
#include "trace_maps.h"
#include "syscall_regs.h"
#include "task_file.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Settings: user space writes them (skel->rodata) before loading, and the
 * verifier drops the branches they switch off.
 */
const volatile __u32 targ_tgid = 0;     /* 0: every process */
const volatile bool follow_children = false; /* targ_tgid's descendants too (trace -- COMMAND) */
const volatile __u32 self_tgid = 0;     /* never trace aio-audit itself */
const volatile bool filter_comm = false;
const volatile char targ_comm[16] = {};
const volatile bool have_call_hooks = false; /* fentry/kprobe backends */
/* The block tracepoints are attached: device waits are measured. */
const volatile bool have_block_hooks = false;
/* Tell user space of each new driver function, so it hooks its return now. */
const volatile bool announce_fns = false;
/* --sample N: follow 1 io_submit call in N in full, count the others. */
const volatile __u32 sample_every = 1;
/* The raw sys_enter/sys_exit hooks (syscalls part): the syscall numbers to
 * act on, and whether io_getevents and io_uring_enter are followed. */
const volatile long nr_io_submit = -1;
const volatile long nr_io_getevents = -1;
const volatile long nr_io_uring_enter = -1;
const volatile long nr_io_destroy = -1; /* the tracepoint backend only */
const volatile bool hook_getevents = false; /* the tracepoint backend reaps here */
const volatile bool hook_uring = false;
/* Slots of the op table (ops, op_slots), which user space sizes to match:
 * at most AIO_AUDIT_OP_SLOTS, fewer on machines with many possible CPUs
 * (analyzers/collector/op_table_size.h). */
const volatile __u32 op_slot_limit = AIO_AUDIT_OP_SLOTS;
/* The raw sys_exit hook is the only program that counts kernel-AIO requests,
 * and the raw sys_enter hook the only one that counts --sample N's calls
 * (tracepoint backend): their counts need no atomic add (add_count). */
const volatile bool exclusive_counts = false;

#include "trace/common.bpf.h"
#include "trace/account.bpf.h"
#include "trace/kaio.bpf.h"
#include "trace/sched.bpf.h"
#include "trace/block.bpf.h"
#include "trace/call_hooks.bpf.h"
#include "trace/completion.bpf.h"
#include "trace/uring.bpf.h"
#include "trace/syscalls.bpf.h"
#include "trace/posix.bpf.h"
