// SPDX-License-Identifier: GPL-2.0-only
#include "report/check_report.h"

#include <fmt/format.h>

#include <map>

#include "report/sarif_report.h"
#include "report/scan_report.h"

namespace aio::report {
namespace {

using model::Severity;
using model::StaticFinding;
using model::Suppression;

bool shown(const StaticFinding& f)
{
    return f.suppressed == Suppression::none;
}

std::string_view checkpatch_level(Severity s)
{
    switch (s) {
    case Severity::error: return "ERROR";
    case Severity::warning: return "WARNING";
    default: return "CHECK";
    }
}

struct Totals {
    std::size_t errors = 0, warnings = 0, checks = 0, suppressed = 0, failing = 0;
};

Totals count(const std::vector<StaticFinding>& findings)
{
    Totals t;
    for (const auto& f : findings) {
        if (!shown(f)) {
            ++t.suppressed;
            continue;
        }
        t.failing += f.fails;
        switch (f.rule->level) {
        case Severity::error: ++t.errors; break;
        case Severity::warning: ++t.warnings; break;
        default: ++t.checks; break;
        }
    }
    return t;
}

std::string total_line(const std::vector<StaticFinding>& findings, const CheckOutcome& o)
{
    const Totals t = count(findings);
    std::string s = fmt::format("total: {} errors, {} warnings, {} checks", t.errors, t.warnings, t.checks);
    if (t.suppressed)
        s += fmt::format(", {} suppressed", t.suppressed);
    s += fmt::format("; {} of {} file_operations touched ({} C files changed, {} directories scanned)",
                     o.fops_touched, o.fops_scanned, o.c_files, o.dirs_scanned);
    return s;
}

std::string outcome_line(const std::vector<StaticFinding>& findings, const CheckOutcome& o)
{
    if (o.empty)
        return o.allow_empty ? "aio-audit check: pass: nothing to check, the diff changes no .c or .h file "
                               "(--allow-empty)"
                             : "aio-audit check: FAIL: nothing was checked, the diff changes no .c or .h file";
    if (o.failed) {
        const Totals t = count(findings);
        return fmt::format("aio-audit check: FAIL: {} finding{} match{} --fail-on {}", t.failing,
                           t.failing == 1 ? "" : "s", t.failing == 1 ? "es" : "", o.fail_on);
    }
    return "aio-audit check: pass";
}

std::string markdown_cell(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out;
}

// Code spans cannot escape a backquote: use a fence longer than any run
// of backquotes inside.
std::string markdown_code(std::string_view s)
{
    std::size_t longest = 0, run = 0;
    for (char c : s) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(longest + 1, '`');
    const bool pad = !s.empty() && (s.front() == '`' || s.back() == '`');
    return fence + (pad ? " " : "") + markdown_cell(s) + (pad ? " " : "") + fence;
}

}  // namespace

void render_check_text(std::ostream& out, const std::vector<StaticFinding>& findings, const CheckOutcome& outcome)
{
    for (const auto& f : findings) {
        if (!shown(f))
            continue;
        out << fmt::format("{}:{}: {}\n", checkpatch_level(f.rule->level), f.rule->checkpatch, f.message);
        if (f.patch_line)
            out << fmt::format("#{}: ", f.patch_line);
        out << fmt::format("FILE: {}:\n", format_location(f.at));
        if (!f.source_line.empty())
            out << (f.line_added ? '+' : ' ') << f.source_line << '\n';
        out << '\n';
    }
    out << total_line(findings, outcome) << '\n' << outcome_line(findings, outcome) << '\n';
}

void render_check_terse(std::ostream& out, const std::vector<StaticFinding>& findings, const CheckOutcome& outcome)
{
    for (const auto& f : findings)
        if (shown(f))
            out << fmt::format("{}: {}:{}: {}\n", format_location(f.at), checkpatch_level(f.rule->level),
                               f.rule->checkpatch, f.message);
    out << total_line(findings, outcome) << '\n' << outcome_line(findings, outcome) << '\n';
}

void render_check_github(std::ostream& out, const std::vector<StaticFinding>& findings, const CheckOutcome& outcome)
{
    for (const auto& f : findings) {
        if (!shown(f))
            continue;
        const std::string_view cmd = f.rule->level == Severity::error     ? "error"
                                     : f.rule->level == Severity::warning ? "warning"
                                                                          : "notice";
        const std::string title =
            fmt::format("aio-audit {}{}", f.rule->name, f.fails ? " (fails the check)" : "");
        out << fmt::format("::{} file={},line={},title={}::{}\n", cmd, github_escape_property(f.at.file),
                           std::max<std::uint32_t>(f.at.line, 1), github_escape_property(title),
                           github_escape_data(f.message));
    }
    out << total_line(findings, outcome) << '\n' << outcome_line(findings, outcome) << '\n';
}

nlohmann::json check_codeclimate(const std::vector<StaticFinding>& findings)
{
    nlohmann::json issues = nlohmann::json::array();
    std::map<std::string, int> seen;
    for (const auto& f : findings) {
        if (!shown(f))
            continue;
        // GitLab's severities; the common mapping of linters' levels.
        const std::string_view severity = f.rule->level == Severity::error     ? "major"
                                          : f.rule->level == Severity::warning ? "minor"
                                                                               : "info";
        std::string fp = f.fingerprint;
        if (const int n = seen[f.fingerprint]++; n > 0)
            fp += fmt::format(":{}", n + 1);
        issues.push_back({{"type", "issue"},
                          {"check_name", fmt::format("aio-audit/{}", f.rule->name)},
                          {"description", f.message},
                          {"content", {{"body", fmt::format("{} {} See {}", f.rule->summary, f.rule->rationale,
                                                            rule_help_uri(*f.rule))}}},
                          {"categories", {"Bug Risk"}},
                          {"severity", severity},
                          {"fingerprint", fp},
                          {"location", {{"path", f.at.file}, {"lines", {{"begin", std::max<std::uint32_t>(f.at.line, 1)}}}}}});
    }
    return issues;
}

void render_check_markdown(std::ostream& out, const std::vector<StaticFinding>& findings, const CheckOutcome& outcome)
{
    const Totals t = count(findings);
    out << fmt::format("### aio-audit check: {}\n\n", outcome.empty && !outcome.allow_empty ? "nothing checked"
                                                      : outcome.failed                      ? "failed"
                                                                                            : "passed");
    out << outcome_line(findings, outcome) << "\n\n";
    out << fmt::format("{} C files changed, {} directories scanned, {} of {} file_operations touched: {} errors, "
                       "{} warnings, {} notes{}.\n",
                       outcome.c_files, outcome.dirs_scanned, outcome.fops_touched, outcome.fops_scanned, t.errors,
                       t.warnings, t.checks, t.suppressed ? fmt::format(", {} suppressed", t.suppressed) : "");
    if (t.errors + t.warnings + t.checks == 0)
        return;
    out << "\n| level | rule | file_operations | where | fails |\n| --- | --- | --- | --- | --- |\n";
    for (const auto& f : findings) {
        if (!shown(f))
            continue;
        out << fmt::format("| {} | [{}]({}) | {} | {} | {} |\n", model::name(f.rule->level), f.rule->name,
                           rule_help_uri(*f.rule), markdown_code(f.fops),
                           markdown_code(format_location(f.at)), f.fails ? "yes" : "no");
    }
}

nlohmann::json check_json(const std::vector<StaticFinding>& findings, const CheckOutcome& o,
                          const std::vector<std::string>& c_files)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : findings) {
        nlohmann::json evidence = nlohmann::json::array();
        for (const auto& p : f.paths)
            for (const auto& e : p.steps)
                evidence.push_back(evidence_json(e));
        list.push_back({{"level", model::name(f.rule->level)},
                        {"rule", f.rule->name},
                        {"fops", f.fops},
                        {"handlers", f.handlers},
                        {"file", f.at.file},
                        {"line", f.at.line},
                        {"patch_line", f.patch_line},
                        {"source_line", f.source_line},
                        {"message", f.message},
                        {"fails", f.fails},
                        {"suppressed", f.suppressed == Suppression::none ? nlohmann::json(nullptr)
                                                                         : nlohmann::json(model::name(f.suppressed))},
                        {"fingerprint", f.fingerprint},
                        {"help_uri", rule_help_uri(*f.rule)},
                        {"evidence", std::move(evidence)}});
    }
    return {{"findings", std::move(list)},
            {"check",
             {{"c_files", c_files},
              {"directories_scanned", o.dirs_scanned},
              {"file_operations_scanned", o.fops_scanned},
              {"file_operations_touched", o.fops_touched},
              {"fail_on", o.fail_on},
              {"empty", o.empty},
              {"exit_code", o.exit_code}}},
            {"failed", o.failed}};
}

std::string github_escape_data(std::string_view s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '%': out += "%25"; break;
        case '\r': out += "%0D"; break;
        case '\n': out += "%0A"; break;
        default: out += c;
        }
    }
    return out;
}

std::string github_escape_property(std::string_view s)
{
    std::string out;
    for (char c : github_escape_data(s)) {
        switch (c) {
        case ':': out += "%3A"; break;
        case ',': out += "%2C"; break;
        default: out += c;
        }
    }
    return out;
}

}  // namespace aio::report
