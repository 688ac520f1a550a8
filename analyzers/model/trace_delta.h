// SPDX-License-Identifier: GPL-2.0-only
//
// What happened between two snapshots of one trace (`trace -i`): the
// collector only ever reports running totals, so an interval is the later
// total minus the earlier one, field by field.
#pragma once

#include <chrono>
#include <cstddef>

#include "model/trace_result.h"

namespace aio::model {

// Which part of a `trace -i` run a report covers: one interval (numbered
// from 1), or the whole trace (the total printed at the end).
struct TraceInterval {
    enum class Kind : std::uint8_t { interval, total };
    Kind kind = Kind::interval;
    std::size_t index = 0;  // intervals: 1, 2, ...; the total: 0
    std::chrono::system_clock::time_point start, end;
};

// The op's identity across snapshots: everything that makes two TraceOps
// different ops rather than the same op measured twice.
bool same_op(const TraceOp& a, const TraceOp& b);

// `later` minus `earlier`, two snapshots of the same session, `earlier`
// taken first. Counters, verdict counts, completion contexts, driver return
// values, histograms (slot by slot), stacks and lost-event counters are
// differences; ops and stacks with nothing new are left out, so an idle
// interval has no ops. duration_s is the time between the two snapshots.
// Descriptive fields (backend, notes, filters) are the later snapshot's.
// A counter that went down (it never should: every one is monotonic in the
// kernel) reads 0 rather than wrapping around.
TraceReport delta(const TraceReport& earlier, const TraceReport& later);

}  // namespace aio::model
