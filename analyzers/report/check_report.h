// SPDX-License-Identifier: GPL-2.0-only
//
// `check` output: checkpatch's layout (full and --terse), GitHub Actions
// annotations, a GitLab Code Quality report (Code Climate JSON), a Markdown
// summary for a CI job page, and JSON. SARIF is in sarif_report.h. Only
// findings that are not suppressed are printed; the counts say how many were.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/static_finding.h"
#include "model/static_verdict.h"

namespace aio::report {

// What the gate looked at and concluded, as the CLI knows it.
struct CheckOutcome {
    std::size_t c_files = 0;        // .c/.h files the diff changes
    std::size_t dirs_scanned = 0;
    std::size_t fops_scanned = 0;   // in those directories
    std::size_t fops_touched = 0;
    std::string fail_on;            // as given
    bool empty = false;             // the diff changes no C file
    bool allow_empty = false;
    bool failed = false;            // a finding matches --fail-on
    int exit_code = 0;
};

// ERROR:AIO_FAKE_ASYNC: message
// #12: FILE: path:line:
// +the source line
//
// total: ..., then one line with the outcome.
void render_check_text(std::ostream& out, const std::vector<model::StaticFinding>& findings,
                       const CheckOutcome& outcome);
// `path:line: ERROR:AIO_FAKE_ASYNC: message` per finding, then the total line.
void render_check_terse(std::ostream& out, const std::vector<model::StaticFinding>& findings,
                        const CheckOutcome& outcome);
// `::error file=path,line=N,title=aio-audit fake-async::message`, then the total line.
void render_check_github(std::ostream& out, const std::vector<model::StaticFinding>& findings,
                         const CheckOutcome& outcome);
// GitLab's Code Quality report: a JSON array of Code Climate issues
// (description, check_name, fingerprint, severity, location.path,
// location.lines.begin).
nlohmann::json check_codeclimate(const std::vector<model::StaticFinding>& findings);
// Markdown for $GITHUB_STEP_SUMMARY or a GitLab job page (--summary-file).
void render_check_markdown(std::ostream& out, const std::vector<model::StaticFinding>& findings,
                           const CheckOutcome& outcome);
// The check's own fields (the CLI adds the touched fops as scan --json has them).
nlohmann::json check_json(const std::vector<model::StaticFinding>& findings, const CheckOutcome& outcome,
                          const std::vector<std::string>& c_files);

// GitHub's workflow-command escaping, for data and for property values.
std::string github_escape_data(std::string_view s);
std::string github_escape_property(std::string_view s);

}  // namespace aio::report
