// SPDX-License-Identifier: GPL-2.0-only
//
// A latency summary as JSON ({"count", "p50", "p90", "p99", "max",
// "log2_hist"}), the one shape probe's cases and matrix's cells share, and
// its reading back for documents loaded later (matrix --load, --compare).
#pragma once

#include <nlohmann/json.hpp>

#include "model/latency.h"

namespace aio::report {

// log2_hist: the slots from 0 to the last non-empty one.
nlohmann::json latency_json(const model::LatencySummary& s);

// Absent or null fields read as zero; a histogram longer than the model's
// is refused (json::out_of_range), as a document of another tool would be.
model::LatencySummary latency_from_json(const nlohmann::json& j);

}  // namespace aio::report
