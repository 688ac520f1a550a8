// SPDX-License-Identifier: GPL-2.0-only
#include "serve/exported_ops.h"

#include <unordered_map>

#include <fmt/format.h>

#include "report/openmetrics.h"

namespace aio::serve {

using report::label_dev, report::label_file, report::label_kind, report::label_mode, report::label_module;

void add_op(model::TraceOp& into, const model::TraceOp& from)
{
    for (auto field : {&model::TraceOp::requests, &model::TraceOp::syscalls, &model::TraceOp::syscalls_slept,
                       &model::TraceOp::errors, &model::TraceOp::completed_in_call,
                       &model::TraceOp::completed_in_syscall, &model::TraceOp::completed_after,
                       &model::TraceOp::slept_in_call, &model::TraceOp::slept_in_submission,
                       &model::TraceOp::waited_for_device, &model::TraceOp::device_io, &model::TraceOp::ambiguous,
                       &model::TraceOp::punted, &model::TraceOp::refused})
        into.*field += from.*field;
    for (const auto& [ctx, n] : from.contexts)
        into.contexts[ctx] += n;
    // Observed return values add up; an op folded from observed and
    // unobserved parts reports what was observed (`observed` says how many).
    if (from.driver_returned) {
        auto& d = into.driver_returned ? *into.driver_returned : into.driver_returned.emplace();
        d.queued += from.driver_returned->queued;
        d.bytes += from.driver_returned->bytes;
        d.error += from.driver_returned->error;
    }
    into.tally.merge(from.tally);
    into.submit.merge(from.submit);
    into.call.merge(from.call);
    into.complete.merge(from.complete);
    into.offcpu.merge(from.offcpu);
}

std::string ExportedOps::key(const model::TraceOp& op) const
{
    std::string k = op.op.symbol;
    k += '\x1f';
    k += std::string(model::name(op.api));
    if (!(dropped_ & label_module))
        k += "\x1f" + op.op.module;
    if (!(dropped_ & label_kind))
        k += "\x1f" + std::string(model::name(op.op.kind));
    if (!(dropped_ & label_file))
        k += "\x1f" + std::string(model::name(op.file));
    if (!(dropped_ & label_mode))
        k += op.direct ? "\x1f" "d" : "\x1f" "b";
    if (!(dropped_ & label_dev))
        k += fmt::format("\x1f{}:{}", op.dev_major, op.dev_minor);
    return k;
}

model::TraceReport ExportedOps::apply(const model::TraceReport& snapshot)
{
    model::TraceReport out = snapshot;
    out.ops.clear();
    out.ops.reserve(std::min(snapshot.ops.size(), max_ops_));
    std::unordered_map<std::string, std::size_t> where;  // key -> index in out.ops
    std::unordered_set<std::string> left_out;
    std::uint64_t requests_left_out = 0;
    for (const auto& op : snapshot.ops) {
        std::string k = key(op);
        if (const auto it = where.find(k); it != where.end()) {
            add_op(out.ops[it->second], op);
            continue;
        }
        if (!admitted_.contains(k)) {
            if (admitted_.size() >= max_ops_) {
                requests_left_out += op.requests;
                left_out.insert(std::move(k));
                continue;
            }
            admitted_.insert(k);
        }
        where.emplace(std::move(k), out.ops.size());
        model::TraceOp first = op;
        // The labels dropped are not the op's any more: they are blanked so
        // that nothing reads a folded op's as one device's.
        if (dropped_ & label_module)
            first.op.module.clear();
        if (dropped_ & label_dev) {
            first.dev_major = first.dev_minor = 0;
            first.dev_name.clear();
        }
        out.ops.push_back(std::move(first));
    }
    ops_dropped_ = left_out.size();
    requests_dropped_ = requests_left_out;
    return out;
}

}  // namespace aio::serve
