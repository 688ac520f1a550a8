// SPDX-License-Identifier: GPL-2.0-only
//
// From measured facts to a verdict. Each measuring front end (the active
// prober, each trace backend) fills in what it could measure and leaves the
// rest `unknown`; the rules never guess a fact that was not measured.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/verdict.h"

namespace aio::model {

enum class Tri : std::uint8_t { unknown, no, yes };

// Which context posted the completion.
enum class CompletionContext : std::uint8_t {
    unknown,        // not observable (user space sees only the ring)
    submitter,      // the submitting task itself, in process context
    hardirq,
    softirq,
    other_task,     // a kworker, another process, ...
    helper_thread,  // io-wq worker or a user-space helper thread doing blocking I/O
    elsewhere,      // not the submitter (posted while it was off CPU); which context is not seen
};

// "submitter", "hardirq", "softirq", "other_task", "helper_thread", "unknown".
std::string_view name(CompletionContext c);

// When the completion was posted, relative to this request's submission.
enum class CompletionTime : std::uint8_t {
    unknown,
    in_driver_call,  // before this request's read_iter/write_iter returned
    in_syscall,      // before the submitting syscall returned (ready at return)
    after_syscall,   // after the submitting syscall returned
};

struct RequestEvidence {
    bool refused = false;  // -EINVAL, -EOPNOTSUPP, no read_iter/write_iter
    bool punted = false;   // handed to a kernel worker (io-wq) or done by a helper thread
    CompletionContext context = CompletionContext::unknown;
    CompletionTime completed = CompletionTime::unknown;
    Tri slept_in_driver_call = Tri::unknown;  // voluntary switch inside this request's driver call
    Tri slept_in_submission = Tri::unknown;   // voluntary switch in this request's submission window
    // The submitting call slept (voluntarily) while it submitted requests of
    // this request's op: this one or others of the same op in one batch. A
    // queue that is full makes io_submit sleep for whichever iocb finds no
    // free tag; the caller is blocked for all of them (backpressure).
    Tri call_slept = Tri::unknown;
    // Block I/O the submitter issued in this request's submission window was
    // completed by another context while the submitter was off CPU (preempted
    // or asleep): it waited for the device even if it never slept voluntarily.
    Tri waited_for_device = Tri::unknown;
};

// The rules of DESIGN.md's verdict table, applied to one request.
Verdict classify(const RequestEvidence& e);

// True when the request completed before submission returned without the
// submitter sleeping, but nobody saw from which context: an inline CPU copy
// and a device fast enough to interrupt before the return look the same from
// user space. classify() says `sync`; reports must say it is ambiguous.
bool ready_at_return_ambiguous(const RequestEvidence& e);

// The shares of each verdict over many requests of one case.
class VerdictTally {
public:
    void add(Verdict v, std::uint64_t n = 1) { counts_[index(v)] += n; }
    void merge(const VerdictTally& other);
    std::uint64_t count(Verdict v) const { return counts_[index(v)]; }
    std::uint64_t total() const;
    double share(Verdict v) const;
    // The verdict with the largest share; on a tie the more severe one wins
    // (fake-async over blocking over ... over async), so a tie never flatters.
    Verdict dominant() const;
    bool mixed() const;
    // Non-zero shares, largest first.
    std::vector<std::pair<Verdict, double>> shares() const;

private:
    std::array<std::uint64_t, kVerdictCount> counts_{};
};

// Lower is more severe; used to break ties and to sort findings.
int severity_rank(Verdict v);

}  // namespace aio::model
