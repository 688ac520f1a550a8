// SPDX-License-Identifier: GPL-2.0-only
#include "report/probe_report.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "report/format.h"
#include "report/histogram_text.h"
#include "report/table.h"

namespace aio::report {
namespace {

using model::CaseResult;
using model::TargetResult;

// Short tags in the NOTES column; each is explained once under the tables.
const std::map<std::string, std::string, std::less<>> kLegend = {
    {"inline?", "complete when submission returned, without sleeping: an inline copy or a device fast "
                "enough to interrupt first; `aio-audit trace` tells which"},
    {"page-cache", "O_DIRECT was accepted but served through the page cache (pages resident after, mincore)"},
    {"helpers", "threads of this process (io-wq workers, glibc AIO helpers) did the I/O"},
    {"EAGAIN", "RWF_NOWAIT requests refused with EAGAIN: the I/O would have blocked"},
    {"refused", "requests failed with EINVAL/EOPNOTSUPP (counted as unsupported)"},
    {"errors", "requests failed otherwise; --json has the first error"},
    {"data!", "data read back did not match what was written: the engine or driver returned wrong data"},
};

std::string target_heading(const TargetResult& t)
{
    std::string what;
    switch (t.kind) {
    case model::FileKind::directory: what = "temp file"; break;
    case model::FileKind::regular: what = "file, read-only"; break;
    case model::FileKind::block_device: what = "block device"; break;
    case model::FileKind::char_device: what = "char device"; break;
    case model::FileKind::fifo: what = t.created ? "FIFO of our own" : "FIFO"; break;
    default: what = std::string(model::name(t.kind)); break;
    }
    if (!t.fstype.empty())
        what += " on " + t.fstype + (t.source.empty() ? "" : " (" + t.source + ")");
    if (t.created)
        what += ", removed after";
    std::string title = t.label;
    if (t.kind == model::FileKind::unknown)
        return title;
    if (!t.path.empty() && t.path != t.label && t.kind != model::FileKind::fifo)
        title += " = " + t.path;
    return fmt::format("{}  [{}]", title, what);
}

std::vector<std::string> case_notes(const CaseResult& c, std::set<std::string>& used)
{
    std::vector<std::string> notes;
    auto tag = [&](const std::string& key, std::string text) {
        used.insert(key);
        notes.push_back(std::move(text));
    };
    if (!c.ran()) {
        notes.push_back("skipped: " + c.skipped);
        return notes;
    }
    if (c.ambiguous)
        tag("inline?", "inline?");
    if (c.page_cache_fallback.value_or(false))
        tag("page-cache", "page-cache");
    if (c.helper_threads)
        tag("helpers", fmt::format("helpers:{}", c.helper_threads));
    if (c.eagain)
        tag("EAGAIN", "EAGAIN " + format_percent(static_cast<double>(c.eagain) / c.requests));
    if (c.refused)
        tag("refused", c.first_error.empty() ? "refused" : c.first_error);
    if (c.errors)
        tag("errors", fmt::format("errors:{} ({})", c.errors, c.first_error));
    if (c.data_mismatches)
        tag("data!", fmt::format("data!:{}", c.data_mismatches));
    return notes;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep)
{
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty())
            out += sep;
        out += p;
    }
    return out;
}

std::string pct(unsigned part, unsigned whole)
{
    return whole ? format_percent(static_cast<double>(part) / whole) : "-";
}

std::string lat(const model::LatencySummary& s, std::uint64_t v)
{
    return s.count ? format_ns(v) : "-";
}

nlohmann::json latency_json(const model::LatencySummary& s)
{
    nlohmann::json hist = nlohmann::json::array();
    int last = -1;
    for (std::size_t i = 0; i < model::Log2Hist::kSlots; ++i)
        if (s.hist.slot(i))
            last = static_cast<int>(i);
    for (int i = 0; i <= last; ++i)
        hist.push_back(s.hist.slot(static_cast<std::size_t>(i)));
    return {{"count", s.count}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max},
            {"log2_hist", hist}};
}

}  // namespace

std::string case_op_label(const CaseResult& c)
{
    return c.variant.empty() ? c.op : c.op + "+" + c.variant;
}

void render_probe_text(std::ostream& out, const model::ProbeReport& report, const ProbeTextOptions& opts)
{
    out << "Measured from user space: submission time, the completion ring right after submission\n"
           "returned, voluntary context switches, helper threads. The completion's context is not\n"
           "visible here (a fake-async driver shows as blocking); `aio-audit trace` sees it.\n";

    std::set<std::string> used;
    model::VerdictTally overall;
    unsigned cases = 0, skipped = 0;
    for (const auto& t : report.targets) {
        out << '\n' << target_heading(t) << '\n';
        if (!t.error.empty()) {
            out << "  error: " << t.error << '\n';
            continue;
        }
        for (const auto& n : t.notes)
            out << "  note: " << n << '\n';
        if (t.cases.empty())
            continue;
        Table table({{"OP"},
                     {"MODE"},
                     {"ENGINE"},
                     {"N", Table::Align::right},
                     {"READY", Table::Align::right},
                     {"SLEPT", Table::Align::right},
                     {"DEV", Table::Align::right},
                     {"SUBMIT p50", Table::Align::right},
                     {"p99", Table::Align::right},
                     {"DONE p50", Table::Align::right},
                     {"p99", Table::Align::right},
                     {"VERDICT"},
                     {"NOTES"}});
        for (const auto& c : t.cases) {
            ++cases;
            if (!c.ran()) {
                ++skipped;
                table.add_row({case_op_label(c), c.mode, c.engine, "-", "-", "-", "-", "-", "-", "-", "-", "-",
                               join(case_notes(c, used), ", ")});
                continue;
            }
            overall.add(c.verdict());
            table.add_row({case_op_label(c), c.mode, c.engine, std::to_string(c.requests),
                           pct(c.ready_at_return, c.completed), pct(c.slept, c.completed),
                           c.device_reads ? pct(*c.device_reads, c.completed) : "-",
                           lat(c.submit, c.submit.p50), lat(c.submit, c.submit.p99), lat(c.complete, c.complete.p50),
                           lat(c.complete, c.complete.p99), format_shares(c.tally), join(case_notes(c, used), ", ")});
        }
        table.render(out);
        if (opts.histograms) {
            for (const auto& c : t.cases) {
                if (!c.ran() || c.submit.count == 0)
                    continue;
                out << fmt::format("\n{} {} {} {}: submission latency\n", t.label, case_op_label(c), c.mode, c.engine);
                print_log2_hist(out, c.submit.hist, "usecs", 1000);
                out << fmt::format("{} {} {} {}: completion latency (from submission)\n", t.label, case_op_label(c),
                                   c.mode, c.engine);
                print_log2_hist(out, c.complete.hist, "usecs", 1000);
            }
        }
    }

    if (!used.empty()) {
        out << "\nNotes:\n";
        for (const auto& key : used)
            out << fmt::format("  {:<11}{}\n", key, kLegend.at(key));
    }
    out << "\nColumns: READY = completion already posted when submission returned; SLEPT = the submitter\n"
           "slept (voluntary context switch) inside the submitting call; DEV = reads for which the submitter\n"
           "itself made the block layer read (the request reached the device); DONE = submission to completion.\n";
    std::string summary;
    for (const auto& [v, share] : overall.shares()) {
        if (!summary.empty())
            summary += ", ";
        summary += fmt::format("{} {}", overall.count(v), model::name(v));
    }
    out << fmt::format("\n{} case{} in {:.2f}s: {}{}{}\n", cases, cases == 1 ? "" : "s", report.elapsed_s,
                       summary.empty() ? "none measured" : summary,
                       skipped ? fmt::format(" ({} skipped)", skipped) : "",
                       report.interrupted ? " — interrupted" : "");
}

nlohmann::json probe_json(const model::ProbeReport& report)
{
    nlohmann::json j;
    j["measured_by"] = "probe (user space)";
    j["elapsed_s"] = report.elapsed_s;
    j["interrupted"] = report.interrupted;
    j["targets"] = nlohmann::json::array();
    for (const auto& t : report.targets) {
        nlohmann::json tj = {{"label", t.label},      {"path", t.path},     {"kind", model::name(t.kind)},
                             {"created", t.created},  {"fstype", t.fstype}, {"source", t.source},
                             {"error", t.error},      {"notes", t.notes},   {"elapsed_s", t.elapsed_s}};
        tj["cases"] = nlohmann::json::array();
        for (const auto& c : t.cases) {
            nlohmann::json shares = nlohmann::json::object();
            for (const auto& [v, share] : c.tally.shares())
                shares[std::string(model::name(v))] = share;
            nlohmann::json cj = {{"engine", c.engine},
                                 {"op", c.op},
                                 {"mode", c.mode},
                                 {"variant", c.variant},
                                 {"size", c.size},
                                 {"depth", c.depth},
                                 {"depth_kind", c.depth_kind},
                                 {"skipped", c.skipped},
                                 {"requests", c.requests},
                                 {"completed", c.completed},
                                 {"refused", c.refused},
                                 {"eagain", c.eagain},
                                 {"errors", c.errors},
                                 {"first_error", c.first_error},
                                 {"data_mismatches", c.data_mismatches},
                                 {"ready_at_return", c.ready_at_return},
                                 {"slept", c.slept},
                                 {"punted", c.punted},
                                 {"ambiguous", c.ambiguous},
                                 {"device_reads", c.device_reads ? nlohmann::json(*c.device_reads) : nlohmann::json(nullptr)},
                                 {"helper_threads", c.helper_threads},
                                 {"empty_reads", c.empty_reads},
                                 {"short_transfers", c.short_transfers},
                                 {"submit_switches", c.submit_switches},
                                 {"submit_calls", c.submit_calls},
                                 {"ctxsw_per_io", c.ctxsw_per_io()},
                                 {"verdict", c.ran() && c.tally.total() ? nlohmann::json(model::name(c.verdict()))
                                                                        : nlohmann::json(nullptr)},
                                 {"shares", shares},
                                 {"submit_ns", latency_json(c.submit)},
                                 {"complete_ns", latency_json(c.complete)},
                                 {"elapsed_s", c.elapsed_s}};
            cj["page_cache_fallback"] =
                c.page_cache_fallback ? nlohmann::json(*c.page_cache_fallback) : nlohmann::json(nullptr);
            tj["cases"].push_back(std::move(cj));
        }
        j["targets"].push_back(std::move(tj));
    }
    return j;
}

}  // namespace aio::report
