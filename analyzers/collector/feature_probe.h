// SPDX-License-Identifier: GPL-2.0-only
//
// Which BPF program kinds this kernel lets this process load AND attach,
// found out by loading bpf/feature_probe.bpf.c one program at a time against
// the functions `trace` would hook.
#pragma once

#include "model/capability.h"

namespace aio::collector {

// The kernel function fentry/kprobe probes attach to by default: the one the
// tracer needs most (fs/aio.c's aio_read).
inline constexpr const char* kFeatureProbeKernelTarget = "aio_read";

// Capabilities "bpf.tracepoint", "bpf.preempt_count", "bpf.tp_btf", "bpf.fentry", "bpf.fexit",
// "bpf.kprobe", "bpf.kretprobe", "bpf.uprobe", "bpf.fentry_syscalls" (fentry on
// the io_submit syscall function, for trace's syscall hooks), "bpf.fentry_io_submit_one" and
// "bpf.kprobe_io_submit_one" (trace's per-request submission windows), "bpf.io_uring_submit"
// (the io_uring submission event trace attaches to, named in its detail). fentry/fexit/kprobe/kretprobe
// are tried against `kernel_target` (a driver's own function, e.g. a module's
// read_iter, to learn whether trace can hook it).
model::Capabilities probe_bpf_features(const std::string& kernel_target = kFeatureProbeKernelTarget);

}  // namespace aio::collector
