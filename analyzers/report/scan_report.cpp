// SPDX-License-Identifier: GPL-2.0-only
#include "report/scan_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace aio::report {
namespace {

using model::Contract;
using model::FopsReport;
using model::Severity;
using model::Verdict;

std::string handlers_text(const FopsReport& f)
{
    std::string s;
    for (const auto& h : f.handlers) {
        s += s.empty() ? "(" : ", ";
        s += fmt::format("{}={}", model::name(h.op), h.handler);
    }
    if (!f.uring_cmd.empty()) {
        s += s.empty() ? "(" : ", ";
        s += "uring_cmd=" + f.uring_cmd;
    }
    return s.empty() ? s : s + ")";
}

std::string where(const model::SourceLocation& l)
{
    return fmt::format("{}:{}", l.file, l.line);
}

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

nlohmann::json location(const model::SourceLocation& l)
{
    return {{"physicalLocation",
             {{"artifactLocation", artifact(l.file)},
              {"region", {{"startLine", std::max<std::uint32_t>(l.line, 1)}}}}}};
}

std::string rule_id(Verdict v)
{
    return "verdict/" + std::string(model::name(v));
}
std::string rule_id(Contract c)
{
    return "contract/" + std::string(model::name(c));
}

nlohmann::json sarif_rules()
{
    nlohmann::json rules = nlohmann::json::array();
    for (Verdict v : model::kStaticVerdicts)
        rules.push_back({{"id", rule_id(v)},
                         {"name", std::string(model::name(v))},
                         {"shortDescription", {{"text", std::string(model::meaning(v))}}},
                         {"defaultConfiguration", {{"level", sarif_level(model::severity(v))}}}});
    for (Contract c : model::kAllContracts)
        rules.push_back({{"id", rule_id(c)},
                         {"name", std::string(model::name(c))},
                         {"shortDescription", {{"text", std::string(model::meaning(c))}}},
                         {"defaultConfiguration", {{"level", sarif_level(model::severity(c))}}}});
    return rules;
}

int rule_index(Verdict v)
{
    for (std::size_t i = 0; i < model::kStaticVerdicts.size(); ++i)
        if (model::kStaticVerdicts[i] == v)
            return static_cast<int>(i);
    return 0;
}
int rule_index(Contract c)
{
    return static_cast<int>(model::kStaticVerdicts.size() + static_cast<std::size_t>(c));
}

nlohmann::json sarif_log(nlohmann::json results, const SarifTool& tool)
{
    return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
            {"version", "2.1.0"},
            {"runs",
             {{{"tool",
                {{"driver", {{"name", "aio-audit"}, {"version", tool.version}, {"rules", sarif_rules()}}}}},
               {"originalUriBaseIds", {{"%SRCROOT%", {{"description", {{"text", "the scanned tree"}}}}}}},
               {"results", std::move(results)}}}}};
}

nlohmann::json evidence_json(const model::Evidence& e)
{
    nlohmann::json j = {{"kind", model::name(e.kind)},
                        {"file", e.at.file},
                        {"line", e.at.line},
                        {"what", e.what},
                        {"chain", e.chain}};
    j["condition"] = e.condition.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.condition);
    return j;
}

nlohmann::json paths_json(const model::PathFacts& p)
{
    return {{"queues", p.queues},
            {"deferred_completion", p.deferred_completion},
            {"engine_wait_queued", p.engine_wait_queued},
            {"io_wait_queued", p.io_wait_queued},
            {"engine_wait", p.engine_wait},
            {"io_wait", p.io_wait},
            {"direct_engine", p.direct_engine},
            {"forwards", p.forwards},
            {"sync_forward", p.sync_forward}};
}

nlohmann::json facts_json(const model::StaticEvidence& e)
{
    const bool fwd = e.direct.forwards || e.other.forwards;
    return {{"present", e.present},
            {"resolved", e.resolved},
            {"o_direct", paths_json(e.direct)},
            {"other", paths_json(e.other)},
            {"forwards", fwd},
            {"may_sleep", e.may_sleep},
            {"readiness_wait", e.readiness_wait},
            {"cancel", e.cancel},
            {"nowait_advertised", e.nowait_advertised},
            {"nowait_checked", e.nowait_checked},
            {"double_completion", e.double_completion}};
}

nlohmann::json verdict_or_null(const std::optional<Verdict>& v)
{
    return v ? nlohmann::json(std::string(model::name(*v))) : nlohmann::json(nullptr);
}

nlohmann::json condition_json(const std::string& c)
{
    return c.empty() ? nlohmann::json(nullptr) : nlohmann::json(c);
}

nlohmann::json unresolved_json(const std::vector<model::Unresolved>& us)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : us)
        out.push_back({{"name", u.name}, {"file", u.at.file}, {"line", u.at.line}, {"chain", u.chain}});
    return out;
}

std::string checkpatch_type(const model::CheckFinding& f)
{
    std::string t = "AIO_";
    for (char c : f.rule)
        t += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return t;
}

}  // namespace

void render_scan_line(std::ostream& out, const FopsReport& f, bool verbose)
{
    const std::string handlers = handlers_text(f);
    out << fmt::format("{}: {}: {}{}{} — {}\n", where(f.at),
                       model::verdict_text({f.verdict, f.condition, f.otherwise}), f.name,
                       handlers.empty() ? "" : " ", handlers, f.reason);
    for (Contract c : f.findings)
        out << fmt::format("{}: {}: {}: {} — {}\n", where(f.at), model::name(model::severity(c)),
                           model::name(c), f.name, model::meaning(c));
    if (!verbose)
        return;
    for (const auto& h : f.handlers) {
        out << fmt::format("    {} {}", model::name(h.op), h.handler);
        if (!h.definition.file.empty())
            out << fmt::format(" ({})", where(h.definition));
        out << fmt::format(": {}{}\n", model::verdict_text({h.verdict, h.condition, h.otherwise}),
                           h.relay.empty() ? "" : fmt::format(" (relay: {})", h.relay));
        // Evidence first, then the may-sleep facts, then what was not seen.
        for (int pass = 0; pass < 2; ++pass)
            for (const auto& e : h.evidence) {
                if (model::is_may_sleep(e.kind) != (pass == 1) ||
                    (e.kind == model::EvidenceKind::unresolved && !h.unresolved.empty()))
                    continue;
                out << fmt::format("      {}: {}: {}", model::name(e.kind), where(e.at), e.what);
                if (!e.condition.empty())
                    out << (e.condition == "o_direct" ? "  (O_DIRECT only)" : "  (not O_DIRECT)");
                if (!e.chain.empty())
                    out << fmt::format("  [{}]", e.chain);
                out << '\n';
            }
        for (const auto& u : h.unresolved) {
            out << fmt::format("      unresolved: {}: {} is not in the scanned paths", where(u.at), u.name);
            if (!u.chain.empty())
                out << fmt::format("  [{}]", u.chain);
            out << '\n';
        }
    }
}

void render_scan_text(std::ostream& out, const std::vector<FopsReport>& fops, bool verbose)
{
    for (const auto& f : fops)
        render_scan_line(out, f, verbose);
}

void render_scan_summary(std::ostream& out, const model::StaticSummary& s)
{
    std::string line = fmt::format("summary: {} file_operations in {} files:", s.fops, s.files_with_fops);
    const char* sep = " ";
    for (Verdict v : model::kStaticVerdicts) {
        line += fmt::format("{}{} {}", sep, s.verdicts.count(v), model::name(v));
        sep = ", ";
    }
    line += fmt::format("; {} contract findings", s.contract_total);
    if (s.contract_total) {
        sep = " (";
        for (Contract c : model::kAllContracts) {
            const auto n = s.contracts[static_cast<std::size_t>(c)];
            if (!n)
                continue;
            line += fmt::format("{}{} {}", sep, n, model::name(c));
            sep = ", ";
        }
        line += ")";
    }
    out << line << '\n';
}

nlohmann::json scan_json(const std::vector<FopsReport>& fops, const model::StaticSummary& s,
                         const std::vector<std::string>& warnings)
{
    nlohmann::json verdicts = nlohmann::json::object();
    for (Verdict v : model::kStaticVerdicts)
        verdicts[std::string(model::name(v))] = s.verdicts.count(v);
    nlohmann::json contracts = nlohmann::json::object();
    for (Contract c : model::kAllContracts)
        contracts[std::string(model::name(c))] = s.contracts[static_cast<std::size_t>(c)];

    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : fops) {
        nlohmann::json handlers = nlohmann::json::array();
        for (const auto& h : f.handlers) {
            nlohmann::json ev = nlohmann::json::array();
            nlohmann::json may = nlohmann::json::array();
            for (const auto& e : h.evidence)
                (model::is_may_sleep(e.kind) ? may : ev).push_back(evidence_json(e));
            nlohmann::json findings = nlohmann::json::array();
            for (Contract c : h.findings)
                findings.push_back(model::name(c));
            handlers.push_back(
                {{"op", model::name(h.op)},
                 {"handler", h.handler},
                 {"definition", h.definition.file.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json{{"file", h.definition.file},
                                                                           {"line", h.definition.line}}},
                 {"verdict", model::name(h.verdict)},
                 {"condition", condition_json(h.condition)},
                 {"otherwise", verdict_or_null(h.otherwise)},
                 {"relay", h.relay.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.relay)},
                 {"reason", h.reason},
                 {"resolved", h.facts.resolved},
                 {"unresolved", unresolved_json(h.unresolved)},
                 {"facts", facts_json(h.facts)},
                 {"findings", findings},
                 {"evidence", ev},
                 {"may_sleep", may}});
        }
        nlohmann::json findings = nlohmann::json::array();
        for (Contract c : f.findings)
            findings.push_back(model::name(c));
        nlohmann::json deps = nlohmann::json::array();
        for (const auto& r : f.depends_on)
            deps.push_back({{"file", r.file}, {"first", r.first}, {"last", r.last}});
        std::vector<model::Unresolved> unresolved;
        bool resolved = true;
        std::string relay;
        for (const auto& h : f.handlers) {
            resolved = resolved && h.facts.resolved;
            for (const auto& u : h.unresolved)
                unresolved.push_back(u);
            if (!h.relay.empty() && (relay.empty() || h.relay == "async"))
                relay = h.relay;
        }
        list.push_back(
            {{"file", f.at.file},
             {"line", f.at.line},
             {"name", f.name},
             {"struct", f.type},
             {"origin", model::name(f.origin)},
             {"verdict", model::name(f.verdict)},
             {"condition", condition_json(f.condition)},
             {"otherwise", verdict_or_null(f.otherwise)},
             {"relay", relay.empty() ? nlohmann::json(nullptr) : nlohmann::json(relay)},
             {"resolved", resolved},
             {"unresolved", unresolved_json(unresolved)},
             {"reason", f.reason},
             {"uring_cmd", f.uring_cmd.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.uring_cmd)},
             {"findings", findings},
             {"handlers", handlers},
             {"depends_on", deps}});
    }
    return {{"summary",
             {{"file_operations", s.fops},
              {"files", s.files_with_fops},
              {"verdicts", verdicts},
              {"contract_findings", contracts}}},
            {"file_operations", list},
            {"warnings", warnings}};
}

nlohmann::json scan_sarif(const std::vector<FopsReport>& fops, const SarifTool& tool)
{
    nlohmann::json results = nlohmann::json::array();
    for (const auto& f : fops) {
        const std::string handlers = handlers_text(f);
        nlohmann::json related = nlohmann::json::array();
        int id = 0;
        for (const auto& h : f.handlers)
            for (const auto& e : h.evidence) {
                nlohmann::json l = location(e.at);
                l["id"] = id++;
                l["message"] = {{"text", fmt::format("{}: {}", model::name(e.kind), e.what)}};
                related.push_back(std::move(l));
            }
        nlohmann::json r = {{"ruleId", rule_id(f.verdict)},
                            {"ruleIndex", rule_index(f.verdict)},
                            {"level", sarif_level(model::severity(f.verdict))},
                            {"message",
                             {{"text", fmt::format("{}{}{} is {}: {}", f.name, handlers.empty() ? "" : " ",
                                                   handlers, model::name(f.verdict), f.reason)}}},
                            {"locations", nlohmann::json::array({location(f.at)})},
                            {"properties", {{"verdict", model::name(f.verdict)}, {"fops", f.name}}}};
        if (!related.empty())
            r["relatedLocations"] = std::move(related);
        results.push_back(std::move(r));
        for (Contract c : f.findings)
            results.push_back({{"ruleId", rule_id(c)},
                               {"ruleIndex", rule_index(c)},
                               {"level", sarif_level(model::severity(c))},
                               {"message", {{"text", fmt::format("{}: {}", f.name, model::meaning(c))}}},
                               {"locations", nlohmann::json::array({location(f.at)})},
                               {"properties", {{"fops", f.name}}}});
    }
    return sarif_log(std::move(results), tool);
}

nlohmann::json check_sarif(const std::vector<model::CheckFinding>& findings, const SarifTool& tool)
{
    nlohmann::json results = nlohmann::json::array();
    for (const auto& f : findings) {
        nlohmann::json r = {{"level", sarif_level(f.severity)},
                            {"message", {{"text", f.message}}},
                            {"locations", nlohmann::json::array({location(f.at)})},
                            {"properties", {{"fops", f.fops}, {"fails", f.fails}}}};
        if (f.contract) {
            r["ruleId"] = rule_id(*f.contract);
            r["ruleIndex"] = rule_index(*f.contract);
        } else if (f.verdict) {
            r["ruleId"] = rule_id(*f.verdict);
            r["ruleIndex"] = rule_index(*f.verdict);
        }
        results.push_back(std::move(r));
    }
    return sarif_log(std::move(results), tool);
}

void render_check_text(std::ostream& out, const std::vector<model::CheckFinding>& findings,
                       std::size_t fops_checked)
{
    std::size_t errors = 0, warnings = 0, checks = 0;
    for (const auto& f : findings) {
        std::string_view level = "CHECK";
        if (f.severity == Severity::error) {
            level = "ERROR";
            ++errors;
        } else if (f.severity == Severity::warning) {
            level = "WARNING";
            ++warnings;
        } else {
            ++checks;
        }
        out << fmt::format("{}:{}: {}\n", level, checkpatch_type(f), f.message);
        if (f.patch_line)
            out << fmt::format("#{}: ", f.patch_line);
        out << fmt::format("FILE: {}:\n\n", where(f.at));
    }
    out << fmt::format("total: {} errors, {} warnings, {} checks, {} file_operations checked\n", errors,
                       warnings, checks, fops_checked);
}

void render_check_github(std::ostream& out, const std::vector<model::CheckFinding>& findings)
{
    for (const auto& f : findings) {
        const std::string_view cmd = f.severity == Severity::error     ? "error"
                                     : f.severity == Severity::warning ? "warning"
                                                                       : "notice";
        out << fmt::format("::{} file={},line={},title={}::{}\n", cmd, github_escape_property(f.at.file),
                           f.at.line, github_escape_property("aio-audit " + f.rule),
                           github_escape_data(f.message));
    }
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
