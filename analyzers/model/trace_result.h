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
    bool direct = false;  // opened with O_DIRECT
    std::uint32_t dev_major = 0;
    std::uint32_t dev_minor = 0;

    std::uint64_t requests = 0;
    std::uint64_t syscalls = 0;
    std::uint64_t errors = 0;
    // Facts over the requests whose evidence was recorded.
    std::uint64_t completed_in_call = 0;
    std::uint64_t completed_in_syscall = 0;  // before the syscall returned, outside the call
    std::uint64_t completed_after = 0;
    std::uint64_t slept_in_call = 0;
    std::uint64_t slept_in_submission = 0;
    std::uint64_t punted = 0;
    std::uint64_t refused = 0;
    std::map<CompletionContext, std::uint64_t> contexts;
    // The driver's own return value, where its function could be hooked.
    std::optional<std::uint64_t> ret_queued, ret_bytes, ret_error;

    VerdictTally tally;
    Log2Hist submit;    // the submitting syscall, ns
    Log2Hist call;      // the driver call (aio_read/aio_write), ns
    Log2Hist complete;  // submission to completion (tracepoint backend: to reaping), ns
    Log2Hist offcpu;    // voluntary off-CPU time in submissions that slept, ns

    std::string display() const;  // "ext4_file_read_iter", "(no read_iter)"
};

struct TraceStack {
    std::string op;  // TraceOp::display() of the op it was submitting
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
};

}  // namespace aio::model
