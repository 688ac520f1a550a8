// SPDX-License-Identifier: GPL-2.0-only
#include "model/latency.h"

#include <algorithm>
#include <cmath>

namespace aio::model {

LatencySummary summarize(std::vector<std::uint64_t> samples)
{
    LatencySummary s;
    if (samples.empty())
        return s;
    for (auto v : samples)
        s.hist.add(v);
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
        return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
    };
    s.count = samples.size();
    s.p50 = at(0.50);
    s.p90 = at(0.90);
    s.p99 = at(0.99);
    s.max = samples.back();
    return s;
}

}  // namespace aio::model
