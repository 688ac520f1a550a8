// SPDX-License-Identifier: GPL-2.0-only
//
// What `scan --sarif` and `check` report as findings: the rule catalogue
// (one rule per verdict that is worth reporting and per contract kind, with
// its level, whether the CI gate fails on it by default, and its help; the
// text is docs/rules.md's, one anchor per rule) and the finding record the
// renderers print. The verdicts and contract kinds themselves are decided in
// static_verdict.h; this file only says how a gate treats them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/static_verdict.h"

namespace aio::model {

struct FindingRule {
    std::string_view name;        // what users type: --fail-on, --ignore, suppression comments
    std::string_view sarif_id;    // "verdict/fake-async": stable, code scanning tracks alerts by it
    std::string_view checkpatch;  // "AIO_FAKE_ASYNC"
    Severity level = Severity::note;
    bool fails_by_default = false;  // in check's default --fail-on
    std::string_view summary;       // one sentence
    std::string_view rationale;     // why it matters and what to do (docs/rules.md says the same)
    std::optional<Verdict> verdict;
    std::optional<Contract> contract;
};

// Every rule, in the order reports list them.
std::span<const FindingRule> finding_rules();
// nullptr when the verdict is no finding (async, sync, odirect-async, ...).
const FindingRule* rule_for(Verdict v);
const FindingRule& rule_for(Contract c);
const FindingRule* find_rule(std::string_view name);
// "fake-async,queued-without-completion,double-completion"
std::string default_fail_on();

enum class Suppression : std::uint8_t {
    none,
    source,  // an `aio-audit: ignore RULE` comment at the fops
    option,  // check --ignore RULE
};
std::string_view name(Suppression s);

// The evidence of one handler behind a finding, in the scanner's order:
// SARIF shows it as a code flow, each step at its nesting depth in the
// call chain.
struct FindingPath {
    std::string handler;  // "read_iter fake_read_iter"
    std::vector<Evidence> steps;
};

// One finding: a fops's verdict when its rule is a finding, or one of its
// contract findings, with the evidence behind it.
struct StaticFinding {
    const FindingRule* rule = nullptr;
    std::string fops;
    std::string handlers;  // "read_iter=f, write_iter=g"
    SourceLocation at;     // the fops's initializer
    std::string message;   // one line
    std::vector<FindingPath> paths;
    std::string fingerprint;  // stable across line moves: rule, fops, normalized path

    // `check` only.
    std::uint32_t patch_line = 0;  // first line of the diff that touches the fops (checkpatch's #N)
    std::string source_line;       // the post-image line at `at`
    bool line_added = false;       // the diff adds the line at `at`
    bool fails = false;            // matches --fail-on
    Suppression suppressed = Suppression::none;
};

// The findings of one fops (scan and check see the same ones).
std::vector<StaticFinding> findings_of(const FopsReport& f);
// How deep a step is in its call chain: "a > b ~> c" is 2.
unsigned chain_depth(std::string_view chain);

// "./drivers//x/./y.c" -> "drivers/x/y.c": the form fingerprints hash.
std::string normalize_path(std::string_view path);
// 16 hex digits, the same on every machine and every run (FNV-1a, 64 bits).
std::string finding_fingerprint(std::string_view rule, std::string_view fops, std::string_view path);

}  // namespace aio::model
