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
};

void render_trace_text(std::ostream& out, const model::TraceReport& report, const TraceTextOptions& opts = {});
nlohmann::json trace_json(const model::TraceReport& report);
// Brendan Gregg's folded format, one line per stack, weighted by off-CPU
// microseconds: "comm;op;outermost;...;innermost 1234".
void render_folded(std::ostream& out, const model::TraceReport& report);

}  // namespace aio::report
