// SPDX-License-Identifier: GPL-2.0-only
//
// The log2 histogram layout users of bcc's tools already read:
//
//      usecs               : count    distribution
//        16 -> 31          : 3        |****                                    |
#pragma once

#include <ostream>
#include <string_view>

#include "model/histogram.h"

namespace aio::report {

// `unit_divisor` scales the raw values (nanoseconds) to the printed unit:
// histograms are kept in ns and printed in usecs (divisor 1000) by default.
void print_log2_hist(std::ostream& out, const model::Log2Hist& hist, std::string_view unit_label,
                     std::uint64_t unit_divisor = 1);

}  // namespace aio::report
