// SPDX-License-Identifier: GPL-2.0-only
//
// `probe`'s output: one table per target, a legend for the notes that
// appeared, optional log2 histograms, and a JSON document with everything.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "model/probe_result.h"

namespace aio::report {

struct ProbeTextOptions {
    bool histograms = false;
};

void render_probe_text(std::ostream& out, const model::ProbeReport& report, const ProbeTextOptions& opts = {});
nlohmann::json probe_json(const model::ProbeReport& report);

// "read", "overwrite+dsync", ...
std::string case_op_label(const model::CaseResult& c);

}  // namespace aio::report
