// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_matrix.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_histogram.h"
#include "report/html_share_bar.h"
#include "report/matrix_report.h"
#include "report/probe_conclusion.h"

namespace aio::report {
namespace {

// Per scenario, one card of overlaid submission/completion histograms per
// measured cell: below the table, where each has the width to be read.
void render_latencies(std::ostream& out, const model::MatrixFs& fs, std::size_t fi)
{
    bool any = false;
    for (const auto& s : fs.scenarios)
        for (const auto& c : s.cells)
            any = any || c.measured();
    if (!any)
        return;
    out << "<h3 class=\"sub\">Latency per scenario</h3>\n";
    for (std::size_t si = 0; si < fs.scenarios.size(); ++si) {
        const auto& s = fs.scenarios[si];
        if (std::none_of(s.cells.begin(), s.cells.end(), [](const model::MatrixCell& c) { return c.measured(); }))
            continue;
        out << "<section class=\"card scenario\" data-scenario=\"" << fi << '.' << si << "\">\n<h4>"
            << html_escape(fmt::format("{}: {}, {} B, depth {}", fs.id, scenario_label(s), s.size, s.depth))
            << "</h4>\n<div class=\"grid fill\">\n";
        for (const auto& c : s.cells) {
            if (!c.measured())
                continue;
            out << "<div class=\"cell\" data-cell=\"" << fi << '.' << si << '.' << html_escape(c.engine)
                << "\"><div class=\"headline\">" << html_escape(engine_display(c.engine)) << ": "
                << html_escape(cell_text(s, c)) << "</div>\n";
            if (c.submit.count == 0 && c.complete.count == 0) {
                out << "<p class=\"muted\">"
                    << (c.completed ? "no latencies: the document was written before matrix kept them"
                                    : "no request completed: no latencies")
                    << "</p></div>\n";
                continue;
            }
            render_log2_overlay(out,
                                {{"submission", "submit", &c.submit.hist, latency_note(c.submit)},
                                 {"completion", "complete", &c.complete.hist, latency_note(c.complete)}},
                                fmt::format("submission and completion latency of {} {} through {}", fs.id,
                                            scenario_label(s), engine_display(c.engine)));
            out << "</div>\n";
        }
        out << "</div>\n</section>\n";
    }
}

void render_fs(std::ostream& out, const model::MatrixFs& fs, std::size_t fi)
{
    out << "<section class=\"fs\" data-fs=\"" << fi << "\">\n<h2>" << html_escape(fs.id) << "</h2>\n<p>";
    std::vector<std::string> what;
    if (!fs.fstype.empty())
        what.push_back(fs.fstype);
    what.push_back("mount options " + (fs.mount_options.empty() ? std::string("defaults") : fs.mount_options));
    if (!fs.backing.empty())
        what.push_back("on " + fs.backing);
    if (fs.block_size)
        what.push_back(fmt::format("block {} B, O_DIRECT sector {} B", fs.block_size, fs.sector_size));
    if (!fs.mkfs.empty())
        what.push_back("made with " + fs.mkfs);
    for (std::size_t i = 0; i < what.size(); ++i)
        out << (i ? "; " : "") << html_escape(what[i]);
    out << "</p>\n";
    if (!fs.why.empty())
        out << "<p class=\"muted\">" << html_escape(fs.why) << "</p>\n";
    if (!fs.skipped.empty())
        out << "<p><strong>not run:</strong> " << html_escape(fs.skipped) << "</p>\n";
    if (!fs.error.empty())
        out << "<p><strong>failed:</strong> " << html_escape(fs.error) << "</p>\n";
    if (fs.scenarios.empty()) {
        out << "</section>\n";
        return;
    }
    // Engines in the order the cells first name them.
    std::vector<std::string> engines;
    for (const auto& s : fs.scenarios)
        for (const auto& c : s.cells)
            if (std::find(engines.begin(), engines.end(), c.engine) == engines.end())
                engines.push_back(c.engine);
    out << "<table class=\"matrix\"><thead><tr><th>scenario</th><th class=\"n\">size</th><th class=\"n\">depth</th>"
           "<th>fsqual</th>";
    for (const auto& e : engines)
        out << "<th>" << html_escape(engine_display(e)) << "</th>";
    out << "</tr></thead><tbody>\n";
    for (std::size_t si = 0; si < fs.scenarios.size(); ++si) {
        const auto& s = fs.scenarios[si];
        out << "<tr><td>" << html_escape(scenario_label(s)) << "</td><td class=\"n\">" << s.size << " ("
            << html_escape(s.size_of) << ")</td><td class=\"n\">" << s.depth << "</td><td>" << html_escape(s.fsqual)
            << "</td>";
        for (const auto& e : engines) {
            out << "<td>";
            for (const auto& c : s.cells) {
                if (c.engine != e)
                    continue;
                out << "<div class=\"headline\">" << html_escape(cell_text(s, c)) << "</div>";
                if (c.measured())
                    render_share_bar(out, verdict_segments(c.tally), "verdicts",
                                     fmt::format("data-cell=\"{}.{}.{}\"", fi, si, html_escape(c.engine)));
                else if (!c.skipped.empty())
                    out << "<div class=\"muted\">not run: " << html_escape(c.skipped) << "</div>";
                if (c.eagain)
                    out << "<div class=\"muted\">RWF_NOWAIT refused " << c.eagain << " of " << c.requests
                        << "</div>";
                if (c.errors)
                    out << "<div class=\"muted\">" << c.errors << " errors: " << html_escape(c.error) << "</div>";
            }
            out << "</td>";
        }
        out << "</tr>\n";
    }
    out << "</tbody></table>\n";
    render_latencies(out, fs, fi);
    out << "</section>\n";
}

}  // namespace

void render_matrix_html(std::ostream& out, const model::MatrixReport& r, PageFacts facts)
{
    facts.host = r.host;
    facts.kernel = r.machine.empty() ? r.kernel_release : r.kernel_release + " " + r.machine;
    facts.started = r.started;
    facts.backend = "matrix: probe requests (libaio, io_uring, POSIX AIO) on file systems made for the run";
    facts.unseen = {
        "the context a completion ran in: a fake-async driver looks blocking here (trace sees it)",
        "whether a request ready when submission returned was copied inline or completed by a fast device",
        "where the submitter slept (kernel stacks): `aio-audit trace` sees these"};
    facts.extra.emplace_back("requests per cell", std::to_string(r.requests));
    facts.extra.emplace_back("elapsed", fmt::format("{:.1f}s{}", r.elapsed_s, r.interrupted ? " (interrupted)" : ""));
    page_begin(out, facts);
    out << "<p class=\"muted\">Each cell: the verdicts of its requests, then fsqual's number (voluntary context "
           "switches per request in submission; 0.1 or more is fsqual's BAD). Below each table, per scenario, the "
           "submission and completion latencies of every measured cell on one axis.</p>\n";
    for (std::size_t i = 0; i < r.file_systems.size(); ++i)
        render_fs(out, r.file_systems[i], i);
    page_end(out);
}

}  // namespace aio::report
