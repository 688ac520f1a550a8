// SPDX-License-Identifier: GPL-2.0-only
//
// Small text formatters shared by every renderer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/verdict_rules.h"

namespace aio::report {

// Columns count characters, not bytes: "µs" is two columns wide.
std::size_t display_width(std::string_view utf8);

// 950 -> "950ns", 41200 -> "41.2µs", 3200000 -> "3.2ms", 2.5e9 -> "2.50s".
std::string format_ns(std::uint64_t ns);
// 0.7 -> "70%", 0.004 -> "0.4%", 1.0 -> "100%".
std::string format_percent(double fraction);
// "async", or "70% async, 30% blocking" when the requests did not agree.
std::string format_shares(const model::VerdictTally& tally);

}  // namespace aio::report
