// SPDX-License-Identifier: GPL-2.0-only
//
// Percentiles and a log2 histogram of latency samples (nanoseconds).
#pragma once

#include <cstdint>
#include <vector>

#include "model/histogram.h"

namespace aio::model {

struct LatencySummary {
    std::uint64_t count = 0;
    std::uint64_t p50 = 0;
    std::uint64_t p90 = 0;
    std::uint64_t p99 = 0;
    std::uint64_t max = 0;
    Log2Hist hist;
};

// Nearest-rank percentiles over the exact samples.
LatencySummary summarize(std::vector<std::uint64_t> samples_ns);

}  // namespace aio::model
