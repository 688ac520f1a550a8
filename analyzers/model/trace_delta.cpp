// SPDX-License-Identifier: GPL-2.0-only
#include "model/trace_delta.h"

#include <algorithm>
#include <tuple>

namespace aio::model {

// A field added to these structs is a running total unless delta() is taught
// otherwise, and an interval would silently print it cumulative. The sizes
// make such a change stop the build here (libstdc++ on x86-64, where CI
// builds): subtract the new field below, then update the size.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(TraceOp) == 2488,
              "TraceOp changed: make delta() handle the new field, then update this size");
static_assert(sizeof(TraceStack) == 176,
              "TraceStack changed: make delta() handle the new field, then update this size");
static_assert(sizeof(TraceReport) == 320,
              "TraceReport changed: make delta() handle the new field, then update this size");
#endif

namespace {

std::uint64_t minus(std::uint64_t later, std::uint64_t earlier)
{
    return later > earlier ? later - earlier : 0;
}

Log2Hist minus(const Log2Hist& later, const Log2Hist& earlier)
{
    Log2Hist out;
    for (std::size_t i = 0; i < Log2Hist::kSlots; ++i)
        out.add_slot(i, minus(later.slot(i), earlier.slot(i)));
    out.add_sum(minus(later.sum(), earlier.sum()));
    return out;
}

VerdictTally minus(const VerdictTally& later, const VerdictTally& earlier)
{
    VerdictTally out;
    for (Verdict v : kAllVerdicts)
        out.add(v, minus(later.count(v), earlier.count(v)));
    return out;
}

template <typename K>
std::map<K, std::uint64_t> minus(const std::map<K, std::uint64_t>& later,
                                 const std::map<K, std::uint64_t>& earlier)
{
    std::map<K, std::uint64_t> out;
    for (const auto& [k, n] : later) {
        const auto it = earlier.find(k);
        const std::uint64_t d = minus(n, it == earlier.end() ? 0 : it->second);
        if (d)
            out[k] = d;
    }
    return out;
}

TraceOp minus(const TraceOp& later, const TraceOp* earlier)
{
    if (!earlier)
        return later;  // first seen in this interval: everything is new
    TraceOp d = later;
    const TraceOp& e = *earlier;
    d.requests = minus(later.requests, e.requests);
    d.syscalls = minus(later.syscalls, e.syscalls);
    d.syscalls_slept = minus(later.syscalls_slept, e.syscalls_slept);
    d.errors = minus(later.errors, e.errors);
    d.completed_in_call = minus(later.completed_in_call, e.completed_in_call);
    d.completed_in_syscall = minus(later.completed_in_syscall, e.completed_in_syscall);
    d.completed_after = minus(later.completed_after, e.completed_after);
    d.slept_in_call = minus(later.slept_in_call, e.slept_in_call);
    d.slept_in_submission = minus(later.slept_in_submission, e.slept_in_submission);
    d.waited_for_device = minus(later.waited_for_device, e.waited_for_device);
    d.device_io = minus(later.device_io, e.device_io);
    d.ambiguous = minus(later.ambiguous, e.ambiguous);
    d.punted = minus(later.punted, e.punted);
    d.refused = minus(later.refused, e.refused);
    d.contexts = minus(later.contexts, e.contexts);
    // The driver's function is hooked at run time: counted from the interval
    // in which the hook was attached, and from zero then.
    if (later.driver_returned && e.driver_returned) {
        d.driver_returned->queued = minus(later.driver_returned->queued, e.driver_returned->queued);
        d.driver_returned->bytes = minus(later.driver_returned->bytes, e.driver_returned->bytes);
        d.driver_returned->error = minus(later.driver_returned->error, e.driver_returned->error);
    }
    d.tally = minus(later.tally, e.tally);
    d.submit = minus(later.submit, e.submit);
    d.call = minus(later.call, e.call);
    d.complete = minus(later.complete, e.complete);
    d.offcpu = minus(later.offcpu, e.offcpu);
    return d;
}

bool anything(const TraceOp& op)
{
    const std::uint64_t rets = op.driver_returned ? op.driver_returned->observed() : 0;
    return op.requests || op.syscalls || op.syscalls_slept || op.errors || op.completed_in_call ||
           op.completed_in_syscall || op.completed_after || op.slept_in_call || op.slept_in_submission ||
           op.waited_for_device || op.device_io || op.ambiguous || op.punted || op.refused ||
           rets || op.tally.total() || op.submit.count() || op.call.count() || op.complete.count() ||
           op.offcpu.count() || !op.contexts.empty();
}

auto stack_key(const TraceStack& s)
{
    return std::tie(s.op, s.dev, s.api, s.in_call, s.comm, s.frames);
}

}  // namespace

bool same_op(const TraceOp& a, const TraceOp& b)
{
    return std::tie(a.op, a.api, a.file, a.direct, a.dev_major, a.dev_minor) ==
           std::tie(b.op, b.api, b.file, b.direct, b.dev_major, b.dev_minor);
}

TraceReport delta(const TraceReport& earlier, const TraceReport& later)
{
    TraceReport d = later;
    d.duration_s = std::max(0.0, later.duration_s - earlier.duration_s);

    d.ops.clear();
    for (const auto& op : later.ops) {
        const auto it = std::find_if(earlier.ops.begin(), earlier.ops.end(),
                                     [&](const TraceOp& e) { return same_op(e, op); });
        TraceOp diff = minus(op, it == earlier.ops.end() ? nullptr : &*it);
        if (anything(diff))
            d.ops.push_back(std::move(diff));
    }
    std::stable_sort(d.ops.begin(), d.ops.end(),
                     [](const TraceOp& a, const TraceOp& b) { return a.requests > b.requests; });

    d.stacks.clear();
    for (const auto& st : later.stacks) {
        const auto it = std::find_if(earlier.stacks.begin(), earlier.stacks.end(),
                                     [&](const TraceStack& e) { return stack_key(e) == stack_key(st); });
        TraceStack diff = st;
        if (it != earlier.stacks.end()) {
            diff.sleeps = minus(st.sleeps, it->sleeps);
            diff.offcpu_ns = minus(st.offcpu_ns, it->offcpu_ns);
        }
        if (diff.sleeps || diff.offcpu_ns)
            d.stacks.push_back(std::move(diff));
    }
    std::stable_sort(d.stacks.begin(), d.stacks.end(),
                     [](const TraceStack& a, const TraceStack& b) { return a.offcpu_ns > b.offcpu_ns; });

    // Every drop counter is listed, zero or not, as in a full report.
    for (auto& [what, n] : d.lost) {
        const auto it = earlier.lost.find(what);
        n = minus(n, it == earlier.lost.end() ? 0 : it->second);
    }
    d.missed_runs = minus(later.missed_runs, earlier.missed_runs);
    d.sampling.io_submit_calls = minus(later.sampling.io_submit_calls, earlier.sampling.io_submit_calls);
    d.sampling.io_submit_iocbs = minus(later.sampling.io_submit_iocbs, earlier.sampling.io_submit_iocbs);
    // `unfinished` is a level (requests in flight at the snapshot), not a
    // count: the later snapshot's value is the interval's.
    return d;
}

}  // namespace aio::model
