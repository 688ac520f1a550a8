// SPDX-License-Identifier: GPL-2.0-only
//
// What `trace` measured, per driver op. Numbers only; renderers format them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/backend_plan.h"
#include "model/histogram.h"
#include "model/op_identity.h"
#include "model/verdict_rules.h"

namespace aio::model {

enum class Api : std::uint8_t { kernel_aio, io_uring, posix_aio };
std::string_view name(Api a);

struct TraceOp {
    OpId op;                  // "ext4_file_read_iter", module, read_iter/write_iter
    Api api = Api::kernel_aio;
    FileKind file = FileKind::unknown;
    bool direct = false;  // O_DIRECT at submission
    // Device and block device files: the device itself; other files: their
    // file system's device.
    std::uint32_t dev_major = 0;
    std::uint32_t dev_minor = 0;
    std::string dev_name;  // "loop0", "nvme0n1", "zero" (from /sys/dev); empty when it has none

    std::uint64_t requests = 0;
    std::uint64_t syscalls = 0;        // submitting calls that carried requests of this op
    std::uint64_t syscalls_slept = 0;  // ... and slept (voluntarily) while submitting them
    std::uint64_t errors = 0;
    // Facts over the requests whose evidence was recorded.
    std::uint64_t completed_in_call = 0;
    std::uint64_t completed_in_syscall = 0;  // before the syscall returned, outside the call
    std::uint64_t completed_after = 0;
    std::uint64_t slept_in_call = 0;
    std::uint64_t slept_in_submission = 0;  // in its own window, its driver call, or its call for its op
    std::uint64_t waited_for_device = 0;    // its block I/O completed elsewhere while it was off CPU
    std::uint64_t device_io = 0;            // its submission issued block I/O
    std::uint64_t ambiguous = 0;            // ready at return without sleeping, context not seen (inline?)
    std::uint64_t punted = 0;
    std::uint64_t refused = 0;
    std::map<CompletionContext, std::uint64_t> contexts;
    // The driver's own return value, over the requests whose return was seen
    // (its function hooked in time). Not observed: empty, and why.
    struct DriverReturns {
        std::uint64_t queued = 0;  // -EIOCBQUEUED
        std::uint64_t bytes = 0;
        std::uint64_t error = 0;
        std::uint64_t observed() const { return queued + bytes + error; }
    };
    std::optional<DriverReturns> driver_returned;
    std::string driver_returned_unseen;  // why not observed

    VerdictTally tally;
    Log2Hist submit;    // the submitting syscall, ns
    Log2Hist call;      // the driver call (aio_read/aio_write), ns
    Log2Hist complete;  // submission to completion (tracepoint backend: to reaping), ns
    Log2Hist offcpu;    // voluntary off-CPU time in submissions that slept, ns

    std::string display() const;  // "ext4_file_read_iter", "(no read_iter)"
};

struct TraceStack {
    std::string op;  // TraceOp::display() of the op it was submitting
    std::string dev;       // that op's device, "7:0"
    std::string dev_name;  // "loop0"; empty without a name
    Api api = Api::kernel_aio;
    bool in_call = false;               // slept inside the driver call itself
    std::vector<std::string> frames;    // innermost first: "schedule+0x3c"
    std::uint64_t sleeps = 0;
    std::uint64_t offcpu_ns = 0;
    std::string comm;
};

struct TraceReport {
    Backend backend = Backend::none;
    std::string backend_why;
    std::vector<std::string> unseen;
    std::vector<std::string> notes;  // e.g. "driver return values: fexit on 2 functions"
    SyscallHooks syscall_hooks = SyscallHooks::event;
    double duration_s = 0;
    std::uint32_t tgid = 0;  // 0: system-wide
    std::string comm;
    std::vector<TraceOp> ops;
    std::vector<TraceStack> stacks;  // by off-CPU time, largest first
    std::map<std::string, std::uint64_t> lost;  // every drop counter, zero or not
    // Runs of each program the kernel skipped (bpf_prog_info.recursion_misses:
    // a kprobe program that fires while another runs on that CPU is not run).
    // Only programs that missed any; their sum is lost["program_runs_missed"].
    std::map<std::string, std::uint64_t> missed_runs;
    // Requests whose driver call was seen but not yet both their completion
    // and their call's end: in flight, or their completion was never seen.
    std::uint64_t unfinished = 0;
    // --sample N: one io_submit call in N was followed in full (ops, stacks
    // of kernel AIO cover those); every call and its iocbs were counted.
    // 1: every request followed, and the two counts are not kept.
    struct Sampling {
        std::uint32_t every = 1;
        std::uint64_t io_submit_calls = 0;
        std::uint64_t io_submit_iocbs = 0;
    };
    Sampling sampling;
};

}  // namespace aio::model
