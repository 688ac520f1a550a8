// SPDX-License-Identifier: GPL-2.0-only
//
// SARIF 2.1.0 for code scanning (GitHub's, and any SARIF viewer): findings
// only, never a result per fops without one; every rule with its help and a
// link to docs/rules.md; a fingerprint per finding that survives line moves;
// the evidence as related locations and one code flow per handler; the run's
// exit status as its invocation.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/run_info.h"
#include "model/static_finding.h"
#include "model/static_verdict.h"

namespace aio::report {

struct SarifRun {
    std::string tool_version;
    int exit_code = 0;
    bool execution_successful = true;        // false when the result is incomplete or nothing was checked
    std::vector<std::string> notifications;  // warnings of the run
    const model::RunInfo* info = nullptr;    // command line and start time, when known
};

// The property partialFingerprints carries ours under.
inline constexpr const char* kFingerprintKey = "aioAudit/v1";

// Every finding of every fops (scan --sarif).
nlohmann::json scan_sarif(const std::vector<model::FopsReport>& fops, const SarifRun& run);
// check's findings; suppressed ones are left out (code scanning would open
// alerts for them: it does not read SARIF's suppressions).
nlohmann::json check_sarif(const std::vector<model::StaticFinding>& findings, const SarifRun& run);

// Where docs/ is published (CMake's AIO_AUDIT_DOCS_URL), ending in '/'.
std::string docs_url();
// docs/rules.md#<rule> under docs_url().
std::string rule_help_uri(const model::FindingRule& rule);

}  // namespace aio::report
