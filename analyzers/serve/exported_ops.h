// SPDX-License-Identifier: GPL-2.0-only
//
// Which ops a long-running exporter publishes: ops that differ only in
// labels the user dropped are added together, and at most `max_ops` are
// kept, the first ones seen, for good: an op once exported stays, so its
// counters never vanish and come back. What is left out is counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "model/trace_result.h"

namespace aio::serve {

class ExportedOps {
public:
    // dropped_labels: report::MetricsLabel bits.
    ExportedOps(std::size_t max_ops, unsigned dropped_labels) : max_ops_(max_ops), dropped_(dropped_labels) {}

    // `snapshot` (a session's running totals) folded and capped.
    model::TraceReport apply(const model::TraceReport& snapshot);

    std::size_t max_ops() const { return max_ops_; }
    // Of the last apply(): ops and their requests left out. Both only grow,
    // as the snapshots they come from do.
    std::uint64_t ops_dropped() const { return ops_dropped_; }
    std::uint64_t requests_dropped() const { return requests_dropped_; }

private:
    std::string key(const model::TraceOp& op) const;

    std::size_t max_ops_;
    unsigned dropped_;
    std::unordered_set<std::string> admitted_;
    std::uint64_t ops_dropped_ = 0;
    std::uint64_t requests_dropped_ = 0;
};

// Adds `from`'s counts, histograms, tallies and contexts to `into`.
void add_op(model::TraceOp& into, const model::TraceOp& from);

}  // namespace aio::serve
