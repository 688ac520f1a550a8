// SPDX-License-Identifier: GPL-2.0-only
//
// `probe --html`: per target its conclusion, per case a card with the
// verdict shares, submission and completion latency overlaid, and the
// counts behind the verdict.
#pragma once

#include <ostream>

#include "model/probe_rules.h"
#include "report/html_page.h"

namespace aio::report {

// `facts` carries host, kernel, time and command line; what measured and
// what that cannot see are filled in here.
void render_probe_html(std::ostream& out, const model::ProbeReport& report, PageFacts facts,
                       double threshold = model::kHeadlineThreshold);

}  // namespace aio::report
