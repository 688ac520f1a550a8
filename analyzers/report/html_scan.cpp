// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_scan.h"

#include <map>

#include <fmt/format.h>

#include "model/static_finding.h"
#include "report/html_share_bar.h"

namespace aio::report {
namespace {

constexpr std::size_t kDirLevels = 3;

// The page's "path:line", or the path alone when the line is not known.
std::string html_where(const model::SourceLocation& l)
{
    return l.line ? fmt::format("{}:{}", l.file, l.line) : l.file;
}

void render_directories(std::ostream& out, const std::vector<model::FopsReport>& fops)
{
    std::map<std::string, model::VerdictTally> dirs;
    for (const auto& f : fops)
        dirs[subsystem_dir(f.at.file)].add(f.verdict);
    out << "<h2>Verdicts per directory</h2>\n<table class=\"dirs\"><thead><tr><th>directory</th>"
           "<th class=\"n\">fops</th><th class=\"bar\">verdicts</th>";
    for (auto v : model::kStaticVerdicts)
        out << "<th class=\"n v\"><span class=\"sw " << verdict_class(v) << "\"></span>" << model::name(v) << "</th>";
    out << "</tr></thead><tbody>\n";
    for (const auto& [dir, tally] : dirs) {
        out << "<tr data-dir=\"" << html_escape(dir) << "\"><td class=\"mono dir\">" << html_escape(dir)
            << "</td><td class=\"n\">" << tally.total() << "</td><td>";
        render_share_bar(out, verdict_segments(tally), "verdicts", "data-dir=\"" + html_escape(dir) + "\"");
        out << "</td>";
        for (auto v : model::kStaticVerdicts)
            out << "<td class=\"n\" data-verdict=\"" << model::name(v) << "\">"
                << (tally.count(v) ? std::to_string(tally.count(v)) : "") << "</td>";
        out << "</tr>\n";
    }
    out << "</tbody></table>\n";
}

void render_finding(std::ostream& out, const model::StaticFinding& f)
{
    const auto level = f.rule ? model::name(f.rule->level) : std::string_view("note");
    const auto rule = f.rule ? f.rule->name : std::string_view("?");
    out << "<section class=\"card finding\" data-rule=\"" << html_escape(rule) << "\" data-fops=\""
        << html_escape(f.fops) << "\" data-at=\"" << html_escape(html_where(f.at))
        << "\">\n<h3><span class=\"kind\">" << html_escape(level) << ": " << html_escape(rule)
        << "</span> — <code>" << html_escape(f.fops) << "</code> <span class=\"mono muted\">"
        << html_escape(html_where(f.at)) << "</span></h3>\n<p>" << html_escape(f.message) << "</p>\n";
    if (!f.handlers.empty())
        out << "<p class=\"muted\">handlers: <code>" << html_escape(f.handlers) << "</code></p>\n";
    if (f.paths.empty())
        out << "<p class=\"muted\">no handler evidence: the verdict rests on the fops itself</p>\n";
    for (const auto& p : f.paths) {
        out << "<p><code>" << html_escape(p.handler) << "</code></p>\n<ul class=\"evidence\">";
        for (const auto& e : p.steps) {
            out << "<li data-kind=\"" << model::name(e.kind) << "\"><span class=\"kind\">"
                << model::name(e.kind) << "</span> <span class=\"mono muted\">"
                << html_escape(html_where(e.at)) << "</span> " << html_escape(e.what);
            if (!e.chain.empty())
                out << " <span class=\"muted\">via <code>" << html_escape(e.chain) << "</code></span>";
            if (!e.condition.empty())
                out << " <span class=\"muted\">(" << html_escape(model::condition_text(e.condition)) << ")</span>";
            out << "</li>";
        }
        out << "</ul>\n";
    }
    out << "</section>\n";
}

}  // namespace

std::string subsystem_dir(std::string_view file)
{
    while (file.starts_with("./"))
        file.remove_prefix(2);
    std::string out;
    std::size_t levels = 0, pos = 0;
    while (levels < kDirLevels) {
        const auto slash = file.find('/', pos);
        if (slash == std::string_view::npos)
            break;
        out = std::string(file.substr(0, slash));
        pos = slash + 1;
        ++levels;
    }
    return out.empty() ? "." : out;
}

void render_scan_html(std::ostream& out, const std::vector<model::FopsReport>& fops,
                      const model::StaticSummary& summary, const std::vector<std::string>& warnings, PageFacts facts)
{
    facts.backend = "scan: static analysis of the source (no kernel, no build)";
    std::uint64_t unresolved = 0;
    for (const auto& f : fops)
        for (const auto& h : f.handlers)
            unresolved += h.facts.resolved ? 0 : 1;
    facts.unseen = {"whether a lock, resource or readiness wait happens at run time (trace measures it)"};
    if (unresolved)
        facts.unseen.push_back(fmt::format(
            "{} handler(s) call code outside the scanned tree or behind function pointers (verdict unknown "
            "where it mattered)",
            unresolved));
    for (const auto& w : warnings)
        facts.unseen.push_back(w);
    facts.extra.emplace_back("found", fmt::format("{} file_operations in {} files, {} contract findings",
                                                  summary.fops, summary.files_with_fops, summary.contract_total));
    page_begin(out, facts);
    out << "<h2>All verdicts</h2>\n";
    render_share_bar(out, verdict_segments(summary.verdicts), "verdicts", "data-summary=\"all\"");
    render_directories(out, fops);
    std::vector<model::StaticFinding> findings;
    for (const auto& f : fops)
        for (auto& x : model::findings_of(f))
            findings.push_back(std::move(x));
    out << "<h2>Findings (" << findings.size() << ")</h2>\n";
    if (findings.empty())
        out << "<p class=\"muted\">none</p>\n";
    for (const auto& f : findings)
        render_finding(out, f);
    page_end(out);
}

}  // namespace aio::report
