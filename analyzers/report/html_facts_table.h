// SPDX-License-Identifier: GPL-2.0-only
//
// A two-column table of named numbers, the text beside each picture.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace aio::report {

using FactRows = std::vector<std::pair<std::string, std::string>>;

// Both columns escaped; rows with an empty value are left out.
void render_fact_rows(std::ostream& out, const FactRows& rows);

// "12 (75%)": a count and its share of `of`.
std::string count_share(std::uint64_t n, std::uint64_t of);

}  // namespace aio::report
