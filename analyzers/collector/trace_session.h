// SPDX-License-Identifier: GPL-2.0-only
//
// A live trace: loads bpf/trace.bpf.c with the programs of the chosen
// backend, attaches them, reads sleep stacks aggregated in the kernel,
// hooks each newly seen driver function's return, and turns the kernel's
// aggregates into a model::TraceReport (verdicts through the model's rules).
// Destroying the session detaches everything.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "model/backend_plan.h"
#include "model/capability.h"
#include "model/trace_result.h"

namespace aio::collector {

struct TraceOptions {
    model::BackendPlan plan;
    model::Capabilities caps;  // which program kinds work (tp_btf, uprobe, kretprobe...)
    std::uint32_t tgid = 0;    // 0: system-wide
    bool follow_children = false;  // also every process tgid forks (trace -- COMMAND)
    std::string comm;          // empty: any
    // Entries of the stack table and of the sleep table (op, stack, in the
    // driver call): distinct sleep stacks beyond it are counted as lost.
    std::uint32_t stack_storage = 8192;
    // Slots of the per-CPU op table; 0: default_op_slots() for this machine.
    std::uint32_t op_storage = 0;
    // Follow 1 io_submit call in sample_every in full; count them all.
    std::uint32_t sample_every = 1;
    bool posix_uprobes = true;
    bool driver_hooks = true;
    // Empty: the plan's choice (raw where tp_btf works on this architecture).
    std::optional<model::SyscallHooks> syscall_hooks;
};

class TraceSession {
public:
    // Throws aio::EnvironmentError with the cause when a needed hook cannot
    // be loaded or attached.
    explicit TraceSession(const TraceOptions& opts);
    ~TraceSession();
    TraceSession(const TraceSession&) = delete;
    TraceSession& operator=(const TraceSession&) = delete;

    // Consume ring-buffer records for up to `timeout_ms`, and hook the return
    // of driver functions seen since the last call.
    void poll(int timeout_ms);
    model::TraceReport snapshot(double duration_s);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aio::collector
