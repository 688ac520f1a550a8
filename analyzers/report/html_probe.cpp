// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_probe.h"

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_facts_table.h"
#include "report/html_histogram.h"
#include "report/html_share_bar.h"
#include "report/probe_conclusion.h"
#include "report/probe_report.h"

namespace aio::report {
namespace {

std::string target_title(const model::TargetResult& t)
{
    std::string what(model::name(t.kind));
    if (t.kind == model::FileKind::directory)
        what = "temp file";
    if (!t.driver.empty())
        what += ", driver " + t.driver;
    if (!t.fstype.empty())
        what += " on " + t.fstype + (t.source.empty() ? "" : " (" + t.source + ")");
    const std::string title = target_name(t);
    return t.kind == model::FileKind::unknown ? title : title + " [" + what + "]";
}

void render_case(std::ostream& out, const model::TargetResult& t, const model::CaseResult& c, std::size_t ti,
                 std::size_t ci, double threshold)
{
    const std::string title = fmt::format("{} {} {} — {} B × {}, depth {} ({})", engine_display(c.engine),
                                          case_op_label(c), c.mode, c.size, c.requests, c.depth, c.depth_kind);
    out << "<section class=\"card case\" data-case=\"" << ti << '.' << ci << "\">\n<h3>" << html_escape(title);
    if (c.ran() && c.tally.total())
        out << " — <span class=\"headline\">" << html_escape(format_headline(c.tally, threshold)) << "</span>";
    out << "</h3>\n";
    if (!c.ran()) {
        out << "<p class=\"muted\">skipped: " << html_escape(c.skipped) << "</p></section>\n";
        return;
    }
    render_share_bar(out, verdict_segments(c.tally), "verdicts", fmt::format("data-case=\"{}.{}\"", ti, ci));
    out << "<div class=\"grid\">\n";
    render_log2_overlay(out,
                        {{"submission", "submit", &c.submit.hist, latency_note(c.submit)},
                         {"completion", "complete", &c.complete.hist, latency_note(c.complete)}},
                        "submission and completion latency of " + title);
    const std::uint64_t done = c.completed;
    FactRows rows{
        {"requests", std::to_string(c.requests)},
        {"completed", count_share(done, c.requests)},
        {"inline (ready when submission returned)", count_share(c.ready_at_return, done)},
        {"deferred (completed later)", count_share(done >= c.ready_at_return ? done - c.ready_at_return : 0, done)},
        {"slept in submission", count_share(c.slept, done)},
        {"ready at return without sleeping (inline copy or fast device)",
         model::inline_ambiguity_matters(c, t, threshold) ? count_share(c.ambiguous, done) : ""},
        {"voluntary switches per request in submission", fmt::format("{:.2f}", c.ctxsw_per_io())},
        {"completed in", c.helper_threads || c.punted
                             ? fmt::format("helper threads ({} punted, {} threads)", c.punted, c.helper_threads)
                             : "not observable from user space (trace sees it)"},
        {"device reads in submission", c.device_reads ? count_share(*c.device_reads, done) : ""},
        {"RWF_NOWAIT refused (EAGAIN, retried)", c.eagain ? count_share(c.eagain, c.requests) : ""},
        {"refused (EINVAL/EOPNOTSUPP)", c.refused ? count_share(c.refused, c.requests) : ""},
        {"errors", c.errors ? fmt::format("{}: {}", c.errors, c.first_error) : ""},
        {"data mismatches", c.data_mismatches ? std::to_string(c.data_mismatches) : ""},
        {"served by the page cache", model::served_by_page_cache(c) ? "yes, although O_DIRECT" : ""},
    };
    render_fact_rows(out, rows);
    out << "</div>\n</section>\n";
}

}  // namespace

void render_probe_html(std::ostream& out, const model::ProbeReport& report, PageFacts facts, double threshold)
{
    facts.backend = "probe: requests issued from user space (libaio, io_uring, glibc POSIX AIO)";
    facts.unseen = {
        "the context a completion ran in (interrupt, another task): a fake-async driver looks blocking here",
        "whether a request ready when submission returned was copied inline or completed by a fast device",
        "where the submitter slept (kernel stacks): `aio-audit trace` sees these"};
    facts.extra.emplace_back("elapsed", fmt::format("{:.1f}s{}", report.elapsed_s,
                                                    report.interrupted ? " (interrupted)" : ""));
    page_begin(out, facts);
    const model::BottomLine bottom = model::bottom_line(report, threshold);
    if (const auto line = bottom_line_text(bottom); !line.empty())
        out << "<p class=\"headline\">" << html_escape(line) << "</p>\n";
    for (std::size_t ti = 0; ti < report.targets.size(); ++ti) {
        const auto& t = report.targets[ti];
        out << "<section class=\"target\" data-target=\"" << ti << "\">\n<h2>" << html_escape(target_title(t))
            << "</h2>\n";
        if (!t.error.empty())
            out << "<p><strong>not probed:</strong> " << html_escape(t.error) << "</p>\n";
        if (const auto text = conclusion_text(t, model::conclude(t, threshold)); !text.empty())
            out << "<p>" << html_escape(text) << "</p>\n";
        for (const auto& n : t.notes)
            out << "<p class=\"muted\">" << html_escape(n) << "</p>\n";
        for (std::size_t ci = 0; ci < t.cases.size(); ++ci)
            render_case(out, t, t.cases[ci], ti, ci, threshold);
        out << "</section>\n";
    }
    page_end(out);
}

}  // namespace aio::report
