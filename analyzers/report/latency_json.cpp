// SPDX-License-Identifier: GPL-2.0-only
#include "report/latency_json.h"

namespace aio::report {

nlohmann::json latency_json(const model::LatencySummary& s)
{
    nlohmann::json hist = nlohmann::json::array();
    int last = -1;
    for (std::size_t i = 0; i < model::Log2Hist::kSlots; ++i)
        if (s.hist.slot(i))
            last = static_cast<int>(i);
    for (int i = 0; i <= last; ++i)
        hist.push_back(s.hist.slot(static_cast<std::size_t>(i)));
    return {{"count", s.count}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max},
            {"log2_hist", hist}};
}

model::LatencySummary latency_from_json(const nlohmann::json& j)
{
    model::LatencySummary s;
    if (!j.is_object())
        return s;
    const auto num = [&](const char* key) {
        const auto it = j.find(key);
        return it == j.end() || it->is_null() ? std::uint64_t{0} : it->get<std::uint64_t>();
    };
    s.count = num("count");
    s.p50 = num("p50");
    s.p90 = num("p90");
    s.p99 = num("p99");
    s.max = num("max");
    if (const auto it = j.find("log2_hist"); it != j.end() && !it->is_null()) {
        if (it->size() > model::Log2Hist::kSlots)
            throw nlohmann::json::out_of_range::create(
                401, "log2_hist has more slots than " + std::to_string(model::Log2Hist::kSlots), &*it);
        for (std::size_t i = 0; i < it->size(); ++i)
            s.hist.add_slot(i, (*it)[i].get<std::uint64_t>());
    }
    return s;
}

}  // namespace aio::report
