// SPDX-License-Identifier: GPL-2.0-only
//
// The fields every JSON document of aio-audit starts with: schema version,
// tool, subcommand, host, kernel, start time, command line.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "model/run_info.h"

namespace aio::report {

// The header as a JSON object.
nlohmann::json json_header(const model::RunInfo& info);

// A copy of `document` whose first keys are the header's; a key the document
// already has keeps the document's value.
nlohmann::json stamped(const nlohmann::json& document, const model::RunInfo& info);

// RFC 3339 UTC with microseconds: "2026-12-01T20:44:19.123456Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace aio::report
