// SPDX-License-Identifier: GPL-2.0-only
//
// `trace --html`: per driver op its verdict shares, submission and
// completion latency overlaid, inline/deferred counts, completion contexts,
// and a flame graph of where its submitters slept (off-CPU time as width),
// drawn from the report's stack aggregates.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "model/trace_result.h"
#include "report/html_flame.h"
#include "report/html_page.h"

namespace aio::report {

// The stacks of `op` as the flame graph draws them: the op at the bottom,
// then the frames outermost first, each cut to its function name as
// --folded does ("schedule+0x3c" -> "schedule"), weighted by off-CPU ns.
std::vector<WeightedStack> op_flame_stacks(const model::TraceReport& report, const model::TraceOp& op);

void render_trace_html(std::ostream& out, const model::TraceReport& report, PageFacts facts);

}  // namespace aio::report
