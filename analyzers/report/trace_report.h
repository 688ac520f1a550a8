// SPDX-License-Identifier: GPL-2.0-only
//
// `trace`'s output: the per-op table, where submitters slept (stacks),
// FlameGraph folded stacks, log2 histograms, and JSON with everything.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "model/trace_result.h"

namespace aio::report {

struct TraceTextOptions {
    bool histograms = false;
    bool stacks = false;
    std::size_t stacks_per_op = 3;
    // One interval of `trace -i`: the table, histograms, stacks and lost
    // events, without what the final report already says once (backend,
    // hooks, what it cannot see, the legend, notes).
    bool brief = false;
};

void render_trace_text(std::ostream& out, const model::TraceReport& report, const TraceTextOptions& opts = {});
// The part after the header (backend, hooks, what it cannot see): the
// table, histograms, stacks, notes and lost events.
void render_trace_body(std::ostream& out, const model::TraceReport& report,
                       const TraceTextOptions& opts = {});
nlohmann::json trace_json(const model::TraceReport& report);
// Brendan Gregg's folded format, one line per stack, weighted by off-CPU
// microseconds: "comm;op;outermost;...;innermost 1234".
void render_folded(std::ostream& out, const model::TraceReport& report);

}  // namespace aio::report
