// SPDX-License-Identifier: GPL-2.0-only
//
// `probe`'s output: per target a conclusion, then one table of its cases;
// a legend for the notes that appeared, optional log2 histograms, and the
// run's bottom line. The JSON document carries every fact and every
// conclusion, in the model's terms.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/probe_rules.h"

namespace aio::report {

struct ProbeTextOptions {
    bool histograms = false;
    double threshold = model::kHeadlineThreshold;  // share at which a verdict is named
};

void render_probe_text(std::ostream& out, const model::ProbeReport& report, const ProbeTextOptions& opts = {});
nlohmann::json probe_json(const model::ProbeReport& report, double threshold = model::kHeadlineThreshold);

// "read", "overwrite+dsync", ...
std::string case_op_label(const model::CaseResult& c);
// A target as a heading names it: its label, then " = PATH" when the path
// opened says more. Not when the label is the path made absolute (`probe .`
// is labelled with the directory's absolute name), nor for a FIFO (the path
// of aio-audit's own, removed after).
std::string target_name(const model::TargetResult& t);

// The VERDICT column: "async", "async (2% sync)", "87% async, 13% blocking".
std::string format_headline(const model::VerdictTally& tally, double threshold = model::kHeadlineThreshold);

// One line per failed --expect case: "expected async: /mnt fill-holes direct
// libaio is 87% async, 13% blocking (13% disagree, tolerance 10%)".
std::string expect_failure_line(const std::string& expected, const model::ExpectFailure& f, double tolerance,
                                double threshold = model::kHeadlineThreshold);

// "nothing to do: victim.dat: writes skipped: ..."
std::string nothing_to_do_line(const model::ProbeReport& report);

}  // namespace aio::report
