// SPDX-License-Identifier: GPL-2.0-only
//
// `trace -i`: each interval's report under a timestamp (text, as biolatency
// prints them), or one JSON Lines object per interval and one for the total.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "model/run_info.h"
#include "model/trace_delta.h"
#include "report/trace_report.h"

namespace aio::report {

// Text: a line "HH:MM:SS interval N, 1.0s since HH:MM:SS" (local time), then
// the interval's table in brief; the total gets "HH:MM:SS total since
// HH:MM:SS" and the whole report.
void render_trace_interval_text(std::ostream& out, const model::TraceReport& report,
                                const model::TraceInterval& interval, const TraceTextOptions& opts);

// One self-contained JSON object: the header (stamped), the trace JSON of
// `report`, "kind": "interval" | "total" and "interval": {"index", "start",
// "end"} (RFC 3339 UTC; index null for the total). Dump it on one line.
nlohmann::json trace_interval_json(const model::TraceReport& report, const model::TraceInterval& interval,
                                   const model::RunInfo& info);

}  // namespace aio::report
