// SPDX-License-Identifier: GPL-2.0-only
#include "report/json_header.h"

#include <ctime>

#include <fmt/format.h>

namespace aio::report {

std::string rfc3339_utc(std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm {};
    ::gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000);
}

nlohmann::json json_header(const model::RunInfo& info)
{
    nlohmann::json j = nlohmann::json::object();
    j["schema_version"] = model::kJsonSchemaVersion;
    j["tool"] = {{"name", "aio-audit"}, {"version", info.tool_version}};
    j["subcommand"] = info.subcommand;
    j["host"] = info.host;
    j["kernel"] = {{"release", info.kernel_release}, {"machine", info.machine}};
    j["start_time"] = rfc3339_utc(info.start);
    j["command_line"] = info.command_line;
    return j;
}

nlohmann::json stamped(const nlohmann::json& document, const model::RunInfo& info)
{
    // nlohmann::json orders object keys alphabetically; the header is found by
    // name, not by position.
    nlohmann::json out = json_header(info);
    if (document.is_object())
        for (const auto& [k, v] : document.items())
            out[k] = v;
    else
        out["report"] = document;
    return out;
}

}  // namespace aio::report
