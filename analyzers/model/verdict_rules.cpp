// SPDX-License-Identifier: GPL-2.0-only
#include "model/verdict_rules.h"

#include <algorithm>

namespace aio::model {
namespace {

bool completed_during_submission(CompletionTime t)
{
    return t == CompletionTime::in_driver_call || t == CompletionTime::in_syscall;
}

bool from_other_context(CompletionContext c)
{
    return c == CompletionContext::hardirq || c == CompletionContext::softirq ||
           c == CompletionContext::other_task || c == CompletionContext::elsewhere;
}

// Slept voluntarily in submission: in this request's own window or its
// driver call, or anywhere its call submitted requests of the same op.
bool slept(const RequestEvidence& e)
{
    return e.slept_in_submission == Tri::yes || e.slept_in_driver_call == Tri::yes || e.call_slept == Tri::yes;
}

bool sleep_measured(const RequestEvidence& e)
{
    return e.slept_in_submission != Tri::unknown || e.slept_in_driver_call != Tri::unknown ||
           e.call_slept != Tri::unknown;
}

}  // namespace

std::string_view name(CompletionContext c)
{
    switch (c) {
    case CompletionContext::unknown: return "unknown";
    case CompletionContext::submitter: return "submitter";
    case CompletionContext::hardirq: return "hardirq";
    case CompletionContext::softirq: return "softirq";
    case CompletionContext::other_task: return "other_task";
    case CompletionContext::helper_thread: return "helper_thread";
    case CompletionContext::elsewhere: return "elsewhere";
    }
    return "unknown";
}

Verdict classify(const RequestEvidence& e)
{
    if (e.refused)
        return Verdict::unsupported;
    if (e.punted || e.context == CompletionContext::helper_thread)
        return Verdict::thread_async;
    if (!sleep_measured(e))
        return Verdict::unknown;
    // Waiting need not be a voluntary switch: a submitter preempted while
    // another context completes the I/O it issued finds its page ready and
    // never sleeps, yet its request waited for the device.
    const bool waited = e.waited_for_device == Tri::yes;

    // Inline: the submitter's own task, in process context, before the syscall
    // returned. (An interrupt on the submitter's CPU is reported as hardirq or
    // softirq by the tracer, not as the submitter.)
    if (e.context == CompletionContext::submitter && completed_during_submission(e.completed))
        return slept(e) || waited ? Verdict::blocking : Verdict::sync;

    // Deferred: another context, or the submitter itself after the syscall
    // returned (io_uring task_work).
    if (from_other_context(e.context) ||
        (e.context == CompletionContext::submitter && e.completed == CompletionTime::after_syscall)) {
        // Judged per request against its own driver call: a truly async driver
        // that sleeps on a full queue while older requests complete is
        // backpressure (blocking), not fake-async.
        if (e.completed == CompletionTime::in_driver_call && e.slept_in_driver_call == Tri::yes)
            return Verdict::fake_async;
        return slept(e) ? Verdict::blocking : Verdict::async;
    }

    // Context not observed: only timing, sleeping and device waits are known
    // (user space, or a tracer without a completion hook). A fake-async
    // driver looks blocking from here.
    if (slept(e))
        return Verdict::blocking;
    if (e.completed == CompletionTime::after_syscall)
        return Verdict::async;
    if (completed_during_submission(e.completed))
        return waited ? Verdict::blocking : Verdict::sync;
    return Verdict::unknown;
}

bool ready_at_return_ambiguous(const RequestEvidence& e)
{
    return !e.refused && !e.punted && e.context == CompletionContext::unknown &&
           completed_during_submission(e.completed) && sleep_measured(e) && !slept(e) &&
           e.waited_for_device != Tri::yes;
}

int severity_rank(Verdict v)
{
    switch (v) {
    case Verdict::fake_async: return 0;
    case Verdict::blocking: return 1;
    case Verdict::thread_async: return 2;
    case Verdict::unsupported: return 3;
    case Verdict::unknown: return 4;
    case Verdict::sync: return 5;
    case Verdict::odirect_async: return 6;
    case Verdict::async: return 7;
    }
    return 4;
}

void VerdictTally::merge(const VerdictTally& other)
{
    for (std::size_t i = 0; i < counts_.size(); ++i)
        counts_[i] += other.counts_[i];
}

std::uint64_t VerdictTally::total() const
{
    std::uint64_t sum = 0;
    for (auto c : counts_)
        sum += c;
    return sum;
}

double VerdictTally::share(Verdict v) const
{
    const auto t = total();
    return t ? static_cast<double>(count(v)) / static_cast<double>(t) : 0.0;
}

Verdict VerdictTally::dominant() const
{
    if (total() == 0)
        return Verdict::unknown;
    Verdict best = Verdict::unknown;
    std::uint64_t best_count = 0;
    for (Verdict v : kAllVerdicts) {
        const auto c = count(v);
        if (c > best_count || (c == best_count && c > 0 && severity_rank(v) < severity_rank(best))) {
            best = v;
            best_count = c;
        }
    }
    return best;
}

bool VerdictTally::mixed() const
{
    const auto t = total();
    return t > 0 && count(dominant()) != t;
}

std::vector<std::pair<Verdict, double>> VerdictTally::shares() const
{
    std::vector<std::pair<Verdict, double>> out;
    for (Verdict v : kAllVerdicts)
        if (count(v))
            out.emplace_back(v, share(v));
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        if (a.second != b.second)
            return a.second > b.second;
        return severity_rank(a.first) < severity_rank(b.first);
    });
    return out;
}

}  // namespace aio::model
