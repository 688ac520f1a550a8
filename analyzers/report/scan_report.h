// SPDX-License-Identifier: GPL-2.0-only
//
// `scan` output: compiler-style lines, a summary and JSON (SARIF is in
// sarif_report.h, check's formats in check_report.h). They format what the
// scanner found; they never decide anything.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/static_verdict.h"

namespace aio::report {

// `path:line: verdict: name (read_iter=f, write_iter=g) — reason`, then one
// `path:line: warning: kind: name — meaning` per contract finding; with
// `verbose`, each handler's evidence chain below its fops.
void render_scan_text(std::ostream& out, const std::vector<model::FopsReport>& fops, bool verbose);
void render_scan_line(std::ostream& out, const model::FopsReport& f, bool verbose);
// `summary: 9 file_operations in 7 files: 2 async, ...; 3 contract findings (...)`
void render_scan_summary(std::ostream& out, const model::StaticSummary& s);

// "path:line", as the text reports (scan, check) name a place.
std::string format_location(const model::SourceLocation& l);

// One piece of evidence: kind, file, line, what, chain.
nlohmann::json evidence_json(const model::Evidence& e);

nlohmann::json scan_json(const std::vector<model::FopsReport>& fops, const model::StaticSummary& s,
                         const std::vector<std::string>& warnings);

}  // namespace aio::report
