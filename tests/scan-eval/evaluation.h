// SPDX-License-Identifier: GPL-2.0-only
//
// Judging an `aio-audit scan --json` result against a hand-checked
// evaluation set (tests/scan-eval/*.json, format in README.md there).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aio::scan_eval {

// A verdict with the condition it holds under and the verdict otherwise.
// Conditions are sets of '+'-joined parts, kept sorted; empty = none.
struct Expectation {
    std::string verdict;
    std::vector<std::string> condition;
    std::optional<std::string> otherwise;  // unset: not compared
    bool compare_condition = true;         // false in an accept item without the key
};

struct Evidence {
    std::string file;
    int line = 0;
    std::string match;
    std::string what;
};

struct Entry {
    std::string file;
    std::string name;
    std::string kind;  // file_operations | proc_ops
    Expectation expected;
    std::vector<Expectation> accept;
    std::string relay;  // "", "kiocb" (relay: true) or "sync-call"
    std::map<std::string, Expectation> handlers;
    std::vector<std::string> no_findings;  // contract findings the scan must not give it
    std::string why;
    std::vector<Evidence> evidence;
};

struct EvaluationSet {
    std::string tree;
    std::string tree_version;
    std::vector<Entry> entries;
    std::vector<std::string> forbidden_findings;  // on no object of the whole scan
};

// Throws std::runtime_error with a one-line message on a malformed file.
EvaluationSet parse_evaluation(const nlohmann::json& doc);

// What the scan said about one object (or one of its handlers).
struct Observed {
    std::string verdict;
    std::vector<std::string> condition;
    std::optional<std::string> otherwise;
    bool forwards = false;  // a handler hands the kiocb to another file
    std::vector<std::string> findings;  // contract findings of the object and its handlers
    std::string reason;
    int line = 0;
};

enum class Status { ok, accepted, wrong, missing };
const char* status_name(Status s);

struct Judgement {
    const Entry* entry = nullptr;
    Status status = Status::missing;
    std::optional<Observed> got;
    std::string note;  // why it is wrong, or which rule made it right
};

// Indexes the scan's objects by "file\tname"; the first of duplicates wins.
std::map<std::string, nlohmann::json> index_scan(const nlohmann::json& scan);

Observed observe(const nlohmann::json& object);
Judgement judge(const Entry& e, const std::map<std::string, nlohmann::json>& scan);

std::vector<std::string> parse_condition(const nlohmann::json& value);
std::string describe(const Expectation& x);
std::string describe(const Observed& o);

// "file name: kind" for every object of the scan with a forbidden finding.
std::vector<std::string> forbidden_hits(const EvaluationSet& set, const nlohmann::json& scan);

// Evidence lines that do not contain their `match` word in the tree.
struct StaleEvidence {
    const Entry* entry;
    Evidence evidence;
    std::string actual;  // the line found there (empty: no such file/line)
};
std::vector<StaleEvidence> check_evidence(const EvaluationSet& set, const std::string& tree_dir);

// "6.12.117" from the tree's top Makefile, or "" when it cannot be read.
std::string tree_version(const std::string& tree_dir);

struct Totals {
    int ok = 0, accepted = 0, wrong = 0, missing = 0;
    // expected verdict -> got verdict ("missing" when absent) -> count
    std::map<std::string, std::map<std::string, int>> confusion;
};
Totals tally(const std::vector<Judgement>& judgements);

// The table, the totals, the confusion summary, and one line per failure.
std::string render(const std::vector<Judgement>& judgements, const Totals& totals);

}  // namespace aio::scan_eval
