// SPDX-License-Identifier: GPL-2.0-only
//
// A bar split into shares (verdicts of a case, completion contexts of an
// op), as inline SVG with a legend that carries the numbers in text.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "model/verdict_rules.h"

namespace aio::report {

struct ShareSegment {
    std::string label;      // "async", "softirq"
    std::string css_class;  // "v-async", "c-2": the colour
    std::uint64_t count = 0;
};

// The verdicts with a non-zero count, largest first (VerdictTally::shares' order).
std::vector<ShareSegment> verdict_segments(const model::VerdictTally& tally);

// Segments with a zero count are left out; the widths are proportional to
// the counts. `kind` names the bar for readers and tests (data-kind);
// `attrs` is further attribute text, already escaped (data-case="...").
// Nothing to show: a muted line saying so.
void render_share_bar(std::ostream& out, const std::vector<ShareSegment>& segments, std::string_view kind,
                      std::string_view attrs = {});

}  // namespace aio::report
