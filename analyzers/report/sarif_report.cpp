// SPDX-License-Identifier: GPL-2.0-only
#include "report/sarif_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "report/json_header.h"

#ifndef AIO_AUDIT_DOCS_URL
#define AIO_AUDIT_DOCS_URL "https://aio-audit.invalid/docs/"
#endif

namespace aio::report {
namespace {

using model::FindingRule;
using model::Severity;
using model::StaticFinding;

// GitHub shows at most this many related locations per result and keeps
// this many steps per code flow (its documented limits); more would be
// dropped silently there, so the cut is made here, where it can be said.
constexpr std::size_t kMaxRelated = 100;
constexpr std::size_t kMaxFlowSteps = 1000;

std::string_view sarif_level(Severity s)
{
    return s == Severity::none ? "none" : model::name(s);
}

// SARIF wants URIs: relative paths stay relative to %SRCROOT%, bytes
// outside the unreserved set are percent-encoded.
nlohmann::json artifact(const std::string& path)
{
    std::string uri;
    const bool absolute = !path.empty() && path.front() == '/';
    if (absolute)
        uri = "file://";
    for (unsigned char c : path) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~' || c == '/')
            uri += static_cast<char>(c);
        else
            uri += fmt::format("%{:02X}", c);
    }
    nlohmann::json a = {{"uri", uri}};
    if (!absolute)
        a["uriBaseId"] = "%SRCROOT%";
    return a;
}

nlohmann::json physical(const model::SourceLocation& l, const std::string& snippet = {})
{
    nlohmann::json region = {{"startLine", std::max<std::uint32_t>(l.line, 1)}};
    if (!snippet.empty())
        region["snippet"] = {{"text", snippet}};
    return {{"artifactLocation", artifact(l.file)}, {"region", std::move(region)}};
}

// "queue-without-completion" -> "QueueWithoutCompletion": SARIF's rule names
// are identifiers.
std::string pascal(std::string_view name)
{
    std::string out;
    bool up = true;
    for (char c : name) {
        if (c == '-') {
            up = true;
            continue;
        }
        out += up ? static_cast<char>(c - ('a' <= c && c <= 'z' ? 'a' - 'A' : 0)) : c;
        up = false;
    }
    return out;
}

std::string step_text(const model::Evidence& e)
{
    std::string s = fmt::format("{}{}: {}", model::is_may_sleep(e.kind) ? "may sleep: " : "", model::name(e.kind),
                                e.what);
    if (!e.condition.empty())
        s += e.condition == "o_direct" ? " (O_DIRECT only)" : " (not O_DIRECT)";
    if (!e.chain.empty())
        s += fmt::format(" [{}]", e.chain);
    return s;
}

nlohmann::json rule_json(const FindingRule& r)
{
    const std::string uri = rule_help_uri(r);
    return {{"id", r.sarif_id},
            {"name", pascal(r.name)},
            {"shortDescription", {{"text", r.summary}}},
            {"fullDescription", {{"text", r.rationale}}},
            {"help",
             {{"text", fmt::format("{} {} See {}", r.summary, r.rationale, uri)},
              {"markdown", fmt::format("**{}**\n\n{}\n\n[aio-audit rule `{}`]({})", r.summary, r.rationale,
                                       r.name, uri)}}},
            {"helpUri", uri},
            {"defaultConfiguration", {{"level", sarif_level(r.level)}}},
            {"properties", {{"tags", {"aio", r.contract ? "contract" : "verdict"}}}}};
}

std::size_t rule_index(const FindingRule* r)
{
    const auto rules = model::finding_rules();
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (&rules[i] == r)
            return i;
    return 0;
}

nlohmann::json result_json(const StaticFinding& f, std::map<std::string, int>& seen_fingerprints,
                           bool with_check_fields)
{
    const FindingRule& r = *f.rule;
    nlohmann::json loc = {{"physicalLocation", physical(f.at, f.source_line)},
                          {"logicalLocations", {{{"name", f.fops}, {"kind", "variable"}}}}};
    // Two fops of one name in one file (alternative #ifdef branches) must
    // not share a fingerprint: the second gets a suffix, in line order.
    std::string fp = f.fingerprint;
    if (const int n = seen_fingerprints[f.fingerprint]++; n > 0)
        fp += fmt::format(":{}", n + 1);
    nlohmann::json res = {{"ruleId", r.sarif_id},
                          {"ruleIndex", rule_index(&r)},
                          {"level", sarif_level(r.level)},
                          {"message", {{"text", f.message}}},
                          {"locations", nlohmann::json::array({std::move(loc)})},
                          {"partialFingerprints", {{kFingerprintKey, fp}}}};

    nlohmann::json related = nlohmann::json::array();
    std::set<std::tuple<std::string, std::uint32_t, std::string>> dup;
    nlohmann::json flows = nlohmann::json::array();
    std::size_t dropped = 0;
    for (const auto& p : f.paths) {
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& e : p.steps) {
            const std::string text = step_text(e);
            if (steps.size() < kMaxFlowSteps)
                steps.push_back({{"location", {{"physicalLocation", physical(e.at)}, {"message", {{"text", text}}}}},
                                 {"nestingLevel", model::chain_depth(e.chain)}});
            if (!dup.insert({e.at.file, e.at.line, text}).second)
                continue;
            if (related.size() >= kMaxRelated) {
                ++dropped;
                continue;
            }
            related.push_back({{"id", related.size() + 1},
                               {"physicalLocation", physical(e.at)},
                               {"message", {{"text", text}}}});
        }
        if (!steps.empty())
            flows.push_back({{"message", {{"text", p.handler}}}, {"threadFlows", {{{"locations", std::move(steps)}}}}});
    }
    if (!related.empty())
        res["relatedLocations"] = std::move(related);
    if (!flows.empty())
        res["codeFlows"] = std::move(flows);

    nlohmann::json props = {{"fops", f.fops}, {"handlers", f.handlers}, {"rule", r.name}};
    if (dropped)
        props["relatedLocationsDropped"] = dropped;
    if (with_check_fields) {
        props["fails"] = f.fails;
        if (f.patch_line)
            props["patchLine"] = f.patch_line;
    }
    res["properties"] = std::move(props);
    return res;
}

nlohmann::json sarif_log(nlohmann::json results, const SarifRun& run)
{
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& r : model::finding_rules())
        rules.push_back(rule_json(r));
    nlohmann::json invocation = {{"executionSuccessful", run.execution_successful}, {"exitCode", run.exit_code}};
    if (!run.notifications.empty()) {
        nlohmann::json notes = nlohmann::json::array();
        for (const auto& n : run.notifications)
            notes.push_back({{"level", "warning"}, {"message", {{"text", n}}}});
        invocation["toolExecutionNotifications"] = std::move(notes);
    }
    if (run.info) {
        invocation["arguments"] = run.info->command_line;
        invocation["startTimeUtc"] = rfc3339_utc(run.info->start);
    }
    return {{"$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"},
            {"version", "2.1.0"},
            {"runs",
             {{{"tool",
                {{"driver",
                  {{"name", "aio-audit"},
                   {"version", run.tool_version},
                   {"semanticVersion", run.tool_version},
                   {"informationUri", docs_url() + "README.md"},
                   {"rules", std::move(rules)}}}}},
               {"invocations", {std::move(invocation)}},
               {"originalUriBaseIds", {{"%SRCROOT%", {{"description", {{"text", "the scanned tree"}}}}}}},
               {"results", std::move(results)}}}}};
}

}  // namespace

std::string docs_url()
{
    std::string u = AIO_AUDIT_DOCS_URL;
    if (u.empty() || u.back() != '/')
        u += '/';
    return u;
}

std::string rule_help_uri(const model::FindingRule& rule)
{
    return docs_url() + "rules.md#" + std::string(rule.name);
}

nlohmann::json scan_sarif(const std::vector<model::FopsReport>& fops, const SarifRun& run)
{
    nlohmann::json results = nlohmann::json::array();
    std::map<std::string, int> seen;
    for (const auto& f : fops)
        for (const auto& finding : model::findings_of(f))
            results.push_back(result_json(finding, seen, false));
    return sarif_log(std::move(results), run);
}

nlohmann::json check_sarif(const std::vector<StaticFinding>& findings, const SarifRun& run)
{
    nlohmann::json results = nlohmann::json::array();
    std::map<std::string, int> seen;
    for (const auto& f : findings)
        if (f.suppressed == model::Suppression::none)
            results.push_back(result_json(f, seen, true));
    return sarif_log(std::move(results), run);
}

}  // namespace aio::report
