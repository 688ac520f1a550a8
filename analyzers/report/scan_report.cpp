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

std::string where(const model::SourceLocation& l)
{
    return fmt::format("{}:{}", l.file, l.line);
}

nlohmann::json facts_json(const model::StaticEvidence& e)
{
    return {{"present", e.present},
            {"resolved", e.resolved},
            {"queues", e.queues},
            {"deferred_completion", e.deferred_completion},
            {"waits_after_queueing", e.waits_after_queueing},
            {"waits_on_queued_path", e.waits_on_queued_path},
            {"waits", e.waits},
            {"readiness_wait", e.readiness_wait},
            {"delegates_direct_io", e.delegates_direct_io},
            {"buffered_io", e.buffered_io},
            {"forwards", e.forwards},
            {"cancel", e.cancel},
            {"nowait_advertised", e.nowait_advertised},
            {"nowait_checked", e.nowait_checked},
            {"double_completion", e.double_completion}};
}

}  // namespace

nlohmann::json evidence_json(const model::Evidence& e)
{
    return {{"kind", model::name(e.kind)},
            {"file", e.at.file},
            {"line", e.at.line},
            {"what", e.what},
            {"chain", e.chain}};
}

void render_scan_line(std::ostream& out, const FopsReport& f, bool verbose)
{
    const std::string handlers = handlers_text(f);
    out << fmt::format("{}: {}: {}{}{} — {}\n", where(f.at), model::name(f.verdict), f.name,
                       handlers.empty() ? "" : " ", handlers, f.reason);
    for (Contract c : f.findings)
        out << fmt::format("{}: {}: {}: {} — {}\n", where(f.at), model::name(model::rule_for(c).level),
                           model::name(c), f.name, model::meaning(c));
    if (!verbose)
        return;
    for (const auto& h : f.handlers) {
        out << fmt::format("    {} {}", model::name(h.op), h.handler);
        if (!h.definition.file.empty())
            out << fmt::format(" ({})", where(h.definition));
        out << fmt::format(": {}\n", model::name(h.verdict));
        for (const auto& e : h.evidence) {
            out << fmt::format("      {}: {}: {}", model::name(e.kind), where(e.at), e.what);
            if (!e.chain.empty())
                out << fmt::format("  [{}]", e.chain);
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
            for (const auto& e : h.evidence)
                ev.push_back(evidence_json(e));
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
                 {"reason", h.reason},
                 {"facts", facts_json(h.facts)},
                 {"findings", findings},
                 {"evidence", ev}});
        }
        nlohmann::json findings = nlohmann::json::array();
        for (Contract c : f.findings)
            findings.push_back(model::name(c));
        nlohmann::json deps = nlohmann::json::array();
        for (const auto& r : f.depends_on)
            deps.push_back({{"file", r.file}, {"first", r.first}, {"last", r.last}});
        list.push_back(
            {{"file", f.at.file},
             {"line", f.at.line},
             {"name", f.name},
             {"origin", model::name(f.origin)},
             {"verdict", model::name(f.verdict)},
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
