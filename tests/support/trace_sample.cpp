// SPDX-License-Identifier: GPL-2.0-only
#include "trace_sample.h"

namespace aio::test {

model::TraceOp trace_op(const std::string& symbol, model::FileKind file, bool direct, std::uint32_t major,
                        std::uint32_t minor, const std::string& dev_name, const std::string& module)
{
    model::TraceOp o;
    o.op = {symbol, module, model::OpKind::read_iter};
    o.file = file;
    o.direct = direct;
    o.dev_major = major;
    o.dev_minor = minor;
    o.dev_name = dev_name;
    return o;
}

model::TraceStack trace_stack(const model::TraceOp& op, std::vector<std::string> frames, std::uint64_t offcpu_ns,
                              std::uint64_t sleeps, const std::string& comm)
{
    model::TraceStack s;
    s.op = op.display();
    s.dev = std::to_string(op.dev_major) + ":" + std::to_string(op.dev_minor);
    s.dev_name = op.dev_name;
    s.api = op.api;
    s.frames = std::move(frames);
    s.offcpu_ns = offcpu_ns;
    s.sleeps = sleeps;
    s.comm = comm;
    return s;
}

model::TraceReport trace_report(std::vector<model::TraceOp> ops, double duration_s)
{
    model::TraceReport r;
    r.backend = model::Backend::tracepoint;
    r.syscall_hooks = model::SyscallHooks::raw;
    r.duration_s = duration_s;
    r.ops = std::move(ops);
    r.lost = {{"stacks_not_captured", 0}, {"sleep_table_full", 0}};
    return r;
}

}  // namespace aio::test
