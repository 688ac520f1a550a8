// SPDX-License-Identifier: GPL-2.0-only
#include "report/scan_report.h"

#include <fmt/format.h>

#include "model/static_finding.h"

namespace aio::report {
namespace {

using model::Contract;
using model::FopsReport;
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

}  // namespace

std::string format_location(const model::SourceLocation& l)
{
    return fmt::format("{}:{}", l.file, l.line);
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

void render_scan_line(std::ostream& out, const FopsReport& f, bool verbose)
{
    const std::string handlers = handlers_text(f);
    out << fmt::format("{}: {}: {}{}{} — {}\n", format_location(f.at),
                       model::verdict_text({f.verdict, f.condition, f.otherwise}), f.name,
                       handlers.empty() ? "" : " ", handlers, f.reason);
    for (Contract c : f.findings)
        out << fmt::format("{}: {}: {}: {} — {}\n", format_location(f.at),
                           model::name(model::rule_for(c).level), model::name(c), f.name, model::meaning(c));
    if (!verbose)
        return;
    for (const auto& h : f.handlers) {
        out << fmt::format("    {} {}", model::name(h.op), h.handler);
        if (!h.definition.file.empty())
            out << fmt::format(" ({})", format_location(h.definition));
        out << fmt::format(": {}{}\n", model::verdict_text({h.verdict, h.condition, h.otherwise}),
                           h.relay.empty() ? "" : fmt::format(" (relay: {})", h.relay));
        // Evidence first, then the may-sleep facts, then what was not seen.
        for (int pass = 0; pass < 2; ++pass)
            for (const auto& e : h.evidence) {
                if (model::is_may_sleep(e.kind) != (pass == 1) ||
                    (e.kind == model::EvidenceKind::unresolved && !h.unresolved.empty()))
                    continue;
                out << fmt::format("      {}: {}: {}", model::name(e.kind), format_location(e.at), e.what);
                if (!e.condition.empty())
                    out << (e.condition == "o_direct" ? "  (O_DIRECT only)" : "  (not O_DIRECT)");
                if (!e.chain.empty())
                    out << fmt::format("  [{}]", e.chain);
                out << '\n';
            }
        for (const auto& u : h.unresolved) {
            out << fmt::format("      unresolved: {}: {} is not in the scanned paths", format_location(u.at),
                               u.name);
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

}  // namespace aio::report
