// SPDX-License-Identifier: GPL-2.0-only
//
// `scan` and `check` output: compiler-style lines, a summary, JSON, SARIF
// 2.1.0, checkpatch-style lines and GitHub Actions annotations. They format
// what the scanner found; they never decide anything.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
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

nlohmann::json scan_json(const std::vector<model::FopsReport>& fops, const model::StaticSummary& s,
                         const std::vector<std::string>& warnings);

struct SarifTool {
    std::string version;
};
// Results for every fops (a fops whose verdict is no finding gets level "none")
// and every contract finding.
nlohmann::json scan_sarif(const std::vector<model::FopsReport>& fops, const SarifTool& tool);
nlohmann::json check_sarif(const std::vector<model::CheckFinding>& findings, const SarifTool& tool);

// checkpatch's layout: `ERROR:AIO_FAKE_ASYNC: message` / `#12: FILE: path:line:`,
// then `total: 1 errors, 0 warnings, 0 checks, 3 file_operations checked`.
void render_check_text(std::ostream& out, const std::vector<model::CheckFinding>& findings,
                       std::size_t fops_checked);
// `::error file=path,line=N,title=aio-audit fake-async::message`
void render_check_github(std::ostream& out, const std::vector<model::CheckFinding>& findings);

// GitHub's workflow-command escaping, for data and for property values.
std::string github_escape_data(std::string_view s);
std::string github_escape_property(std::string_view s);

}  // namespace aio::report
