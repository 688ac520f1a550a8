// SPDX-License-Identifier: GPL-2.0-only
#include "report/trace_interval.h"

#include <ctime>

#include <fmt/format.h>

#include "report/json_header.h"

namespace aio::report {
namespace {

std::string local_hms(std::chrono::system_clock::time_point t)
{
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::localtime_r(&secs, &tm);
    return fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

void render_trace_interval_text(std::ostream& out, const model::TraceReport& report,
                                const model::TraceInterval& interval, const TraceTextOptions& opts)
{
    const bool total = interval.kind == model::TraceInterval::Kind::total;
    if (total) {
        out << fmt::format("\n{} total since {}\n", local_hms(interval.end), local_hms(interval.start));
        render_trace_text(out, report, opts);
        return;
    }
    out << fmt::format("\n{} interval {}, {:.1f}s since {}\n", local_hms(interval.end), interval.index,
                       report.duration_s, local_hms(interval.start));
    TraceTextOptions brief = opts;
    brief.brief = true;
    render_trace_body(out, report, brief);
}

nlohmann::json trace_interval_json(const model::TraceReport& report, const model::TraceInterval& interval,
                                   const model::RunInfo& info)
{
    nlohmann::json j = stamped(trace_json(report), info);
    const bool total = interval.kind == model::TraceInterval::Kind::total;
    j["kind"] = total ? "total" : "interval";
    j["interval"] = {{"index", total ? nlohmann::json(nullptr) : nlohmann::json(interval.index)},
                     {"start", rfc3339_utc(interval.start)},
                     {"end", rfc3339_utc(interval.end)}};
    return j;
}

}  // namespace aio::report
