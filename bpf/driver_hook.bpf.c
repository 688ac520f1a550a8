// SPDX-License-Identifier: GPL-2.0-only
/*
 * fexit on one driver's read_iter/write_iter, to learn what it returned
 * (-EIOCBQUEUED or a byte count). fexit binds its target at load time, so
 * user space loads one copy of this object per discovered driver function,
 * with the `tasks` and `aio_reqs` maps of trace.bpf.c reused.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace_maps.h"

char LICENSE[] SEC("license") = "GPL";

SEC("fexit")
int BPF_PROG(fexit_driver, struct kiocb *iocb, struct iov_iter *iter, long ret)
{
	return record_driver_ret(ret);
}
