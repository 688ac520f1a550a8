// SPDX-License-Identifier: GPL-2.0-only
//
// Log2 latency histograms drawn overlaid on one axis (the picture of fio's
// slat against clat): submission and completion of the same requests, bar
// heights proportional to each slot's count on a shared scale.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "model/histogram.h"
#include "model/latency.h"

namespace aio::report {

struct HistSeries {
    std::string name;       // "submission"
    std::string css_class;  // "submit", "complete": the colour
    const model::Log2Hist* hist = nullptr;
    std::string note;       // for the legend: "p50 12µs, p99 40µs"
};

// Values are nanoseconds. Only slots with a count get a bar (data-series,
// data-slot, data-count); the x axis spans the lowest to the highest
// non-empty slot of any series. With two or more series the first is drawn
// narrower and in front of the others. No samples: a muted line saying so.
void render_log2_overlay(std::ostream& out, const std::vector<HistSeries>& series, std::string_view label);

// A series' note from its summary: "p50 12µs, p99 40µs, max 1.2ms"; empty
// when there were no samples.
std::string latency_note(const model::LatencySummary& s);

}  // namespace aio::report
