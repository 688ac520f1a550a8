// SPDX-License-Identifier: GPL-2.0-only
#include "report/probe_report.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "report/format.h"
#include "report/histogram_text.h"
#include "report/latency_json.h"
#include "report/probe_conclusion.h"
#include "report/table.h"

namespace aio::report {
namespace {

using model::CaseResult;
using model::TargetResult;

constexpr std::size_t kTextWidth = 100;

// Short tags in the NOTES column; each is explained once under the tables.
const std::map<std::string, std::string, std::less<>> kLegend = {
    {"inline?", "complete when submission returned, without sleeping: an inline copy or a device fast enough to "
                "interrupt first, and the verdict depends on which; `aio-audit trace` tells them apart"},
    {"page-cache", "O_DIRECT was accepted but served through the page cache (pages entered it during the case, "
                   "or were resident after it)"},
    {"helpers", "threads of this process (io-wq workers, glibc AIO helpers) did the I/O"},
    {"EAGAIN", "RWF_NOWAIT refused this share with EAGAIN (would have blocked); each was retried at once "
               "without it, and the verdict is that of the retries"},
    {"EOF", "every read returned 0 bytes (end of file): nothing was read, the call only returned"},
    {"short", "requests that transferred fewer bytes than asked"},
    {"refused", "requests failed with EINVAL/EOPNOTSUPP (counted as unsupported)"},
    {"errors", "requests failed otherwise; --json has the first error"},
    {"data!", "data read back did not match what was written: the engine or driver returned wrong data"},
};

}  // namespace

std::string target_name(const TargetResult& t)
{
    // probe::target_label() names a path of only "." and "/" by its absolute
    // form: the label already is that path.
    const bool label_is_path = t.path.find_first_not_of("./") == std::string::npos && t.label.starts_with('/');
    if (t.path.empty() || t.path == t.label || label_is_path || t.kind == model::FileKind::fifo)
        return t.label;
    return t.label + " = " + t.path;
}

namespace {

std::string target_heading(const TargetResult& t)
{
    std::string what;
    switch (t.kind) {
    case model::FileKind::directory: what = "temp file"; break;
    case model::FileKind::regular: what = "file, read-only"; break;
    case model::FileKind::block_device: what = "block device"; break;
    case model::FileKind::char_device:
        what = t.driver.empty() ? "char device" : "char device, driver " + t.driver;
        break;
    case model::FileKind::fifo: what = t.created ? "FIFO of our own" : "FIFO"; break;
    default: what = std::string(model::name(t.kind)); break;
    }
    if (!t.fstype.empty())
        what += " on " + t.fstype + (t.source.empty() ? "" : " (" + t.source + ")");
    if (t.created)
        what += ", removed after";
    if (t.kind == model::FileKind::unknown)
        return t.label;
    return fmt::format("{}  [{}]", target_name(t), what);
}

std::vector<std::string> case_notes(const TargetResult& t, const CaseResult& c, double threshold,
                                    std::set<std::string>& used)
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
    if (model::inline_ambiguity_matters(c, t, threshold))
        tag("inline?", "inline?");
    if (model::served_by_page_cache(c))
        tag("page-cache", "page-cache");
    if (c.helper_threads)
        tag("helpers", fmt::format("helpers:{}", c.helper_threads));
    if (c.eagain)
        tag("EAGAIN", "EAGAIN " + format_percent(static_cast<double>(c.eagain) / c.requests));
    if (model::read_nothing(c))
        tag("EOF", "EOF: nothing read");
    else if (c.short_transfers || c.empty_reads)
        tag("short", fmt::format("short:{}", c.short_transfers + c.empty_reads));
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

std::string size_text(std::size_t bytes)
{
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
        return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= 1024 && bytes % 1024 == 0)
        return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} bytes", bytes);
}

// "64 requests of 4 KiB per case, one per submitting call", from the first
// case that ran (every case of a run has the same settings).
std::string settings_line(const model::ProbeReport& report)
{
    for (const auto& t : report.targets) {
        for (const auto& c : t.cases) {
            if (!c.ran())
                continue;
            std::string queue;
            if (c.depth_kind == "inflight")
                queue = fmt::format("{} kept in flight", c.depth);
            else
                queue = c.depth == 1 ? "one per submitting call" : fmt::format("{} per submitting call", c.depth);
            return fmt::format("Each case: {} requests of {}, {}.", c.requests, size_text(c.size), queue);
        }
    }
    return {};
}

template <typename T>
nlohmann::json opt_json(const std::optional<T>& v)
{
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json verdicts_json(const std::vector<model::Verdict>& vs)
{
    nlohmann::json out = nlohmann::json::array();
    for (auto v : vs)
        out.push_back(model::name(v));
    return out;
}

nlohmann::json group_json(const model::OpGroup& g)
{
    return {{"ops", g.ops},
            {"verdicts", verdicts_json(g.named)},
            {"minority_low", g.minority_low},
            {"minority_high", g.minority_high}};
}

nlohmann::json conclusion_json(const TargetResult& t, const model::TargetConclusion& c)
{
    nlohmann::json engines = nlohmann::json::array();
    for (const auto& e : c.engines) {
        nlohmann::json modes = nlohmann::json::array();
        for (const auto& m : e.modes) {
            nlohmann::json exceptions = nlohmann::json::array();
            for (const auto& x : m.exceptions)
                exceptions.push_back(group_json(x));
            modes.push_back({{"mode", m.mode}, {"usual", group_json(m.usual)}, {"exceptions", exceptions}});
        }
        engines.push_back({{"engines", e.engines},
                           {"never_blocks", e.never_blocks},
                           {"all_threaded", e.all_threaded},
                           {"threaded", e.threaded},
                           {"modes", modes},
                           {"nowait_refused", e.nowait_refused}});
    }
    return {{"text", conclusion_text(t, c)},
            {"engines", engines},
            {"direct_served_buffered", c.direct_served_buffered},
            {"nothing_read", c.nothing_read},
            {"unmeasured", c.unmeasured}};
}

nlohmann::json dio_json(const std::optional<model::DirectIoFacts>& d, const std::string& fstype, std::size_t size)
{
    if (!d)
        return nullptr;
    const auto outlook = model::direct_io_outlook(fstype, *d, size);
    static const char* const expect[] = {"direct", "refused", "buffered", "unknown"};
    return {{"statx_offset_align", d->statx_offset_align},
            {"statx_memory_align", d->statx_memory_align},
            {"device", d->device},
            {"device_logical_block", d->device_logical_block},
            {"fs_block", d->fs_block},
            {"expect", expect[static_cast<int>(outlook.expect)]},
            {"alignment", outlook.alignment},
            {"alignment_source", outlook.source}};
}

}  // namespace

std::string case_op_label(const CaseResult& c)
{
    return model::op_label(c);
}

std::string format_headline(const model::VerdictTally& tally, double threshold)
{
    if (tally.total() == 0)
        return "-";
    if (!tally.mixed())
        return std::string(model::name(tally.dominant()));
    const auto named = model::named_verdicts(tally, threshold);
    std::vector<std::string> shown, minor;
    for (const auto& [v, share] : tally.shares()) {
        const bool is_named = std::find(named.begin(), named.end(), v) != named.end();
        if (is_named && named.size() == 1)
            shown.push_back(std::string(model::name(v)));
        else if (is_named)
            shown.push_back(format_percent(share) + " " + std::string(model::name(v)));
        else
            minor.push_back(format_percent(share) + " " + std::string(model::name(v)));
    }
    std::string out = join(shown, ", ");
    if (!minor.empty())
        out += " (" + join(minor, ", ") + ")";
    return out;
}

void render_probe_text(std::ostream& out, const model::ProbeReport& report, const ProbeTextOptions& opts)
{
    std::set<std::string> used;
    bool first = true;
    for (const auto& t : report.targets) {
        if (!first)
            out << '\n';
        first = false;
        out << target_heading(t) << '\n';
        if (!t.error.empty()) {
            out << "  error: " << t.error << '\n';
            continue;
        }
        out << wrap(conclusion_text(t, model::conclude(t, opts.threshold)), kTextWidth, "  ");
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
            if (!c.ran()) {
                table.add_row({case_op_label(c), c.mode, c.engine, "-", "-", "-", "-", "-", "-", "-", "-", "-",
                               join(case_notes(t, c, opts.threshold, used), ", ")});
                continue;
            }
            table.add_row({case_op_label(c), c.mode, c.engine, std::to_string(c.requests),
                           pct(c.ready_at_return, c.completed), pct(c.slept, c.completed),
                           c.device_reads ? pct(*c.device_reads, c.completed) : "-", lat(c.submit, c.submit.p50),
                           lat(c.submit, c.submit.p99), lat(c.complete, c.complete.p50),
                           lat(c.complete, c.complete.p99), format_headline(c.tally, opts.threshold),
                           join(case_notes(t, c, opts.threshold, used), ", ")});
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
            out << wrap_hanging(fmt::format("  {:<11}", key), kLegend.at(key), kTextWidth);
    }
    out << '\n'
        << wrap("Measured from user space. READY = the completion was already posted when the submitting call "
                "returned; SLEPT = the submitter slept (a voluntary context switch) inside that call; DEV = reads "
                "for which the submitter itself made the block layer read (the request reached the device); DONE "
                "= submission to completion. The completion's context is not visible from here (a fake-async "
                "driver shows as blocking); `aio-audit trace` sees it.",
                kTextWidth, "");
    const std::string settings = settings_line(report);
    out << wrap(fmt::format("{}{}A verdict is named when at least {} of a case's requests got it.", settings,
                            settings.empty() ? "" : " ", format_percent(opts.threshold)),
                kTextWidth, "");
    std::string bottom = "Bottom line: " + bottom_line_text(model::bottom_line(report, opts.threshold));
    if (report.interrupted)
        bottom += " Interrupted: what was measured is above.";
    out << '\n' << wrap(bottom, kTextWidth, "");
}

nlohmann::json probe_json(const model::ProbeReport& report, double threshold)
{
    nlohmann::json j;
    j["measured_by"] = "probe (user space)";
    j["elapsed_s"] = report.elapsed_s;
    j["interrupted"] = report.interrupted;
    j["threshold"] = threshold;
    j["targets"] = nlohmann::json::array();
    for (const auto& t : report.targets) {
        nlohmann::json tj = {{"label", t.label},         {"path", t.path},     {"kind", model::name(t.kind)},
                             {"created", t.created},     {"fstype", t.fstype}, {"source", t.source},
                             {"driver", t.driver},       {"memory_only", t.memory_only},
                             {"error", t.error},         {"notes", t.notes},   {"elapsed_s", t.elapsed_s}};
        tj["conclusion"] = conclusion_json(t, model::conclude(t, threshold));
        tj["cases"] = nlohmann::json::array();
        for (const auto& c : t.cases) {
            nlohmann::json shares = nlohmann::json::object();
            for (const auto& [v, share] : c.tally.shares())
                shares[std::string(model::name(v))] = share;
            const bool judged = c.ran() && c.tally.total();
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
                                 {"inline_uncertain", model::inline_ambiguity_matters(c, t, threshold)},
                                 {"device_reads", opt_json(c.device_reads)},
                                 {"helper_threads", c.helper_threads},
                                 {"empty_reads", c.empty_reads},
                                 {"read_nothing", model::read_nothing(c)},
                                 {"short_transfers", c.short_transfers},
                                 {"submit_switches", c.submit_switches},
                                 {"submit_calls", c.submit_calls},
                                 {"ctxsw_per_io", c.ctxsw_per_io()},
                                 {"verdict", judged ? nlohmann::json(model::name(c.verdict())) : nlohmann::json(nullptr)},
                                 {"headline", judged ? verdicts_json(model::named_verdicts(c.tally, threshold))
                                                     : nlohmann::json::array()},
                                 {"shares", shares},
                                 {"submit_ns", latency_json(c.submit)},
                                 {"complete_ns", latency_json(c.complete)},
                                 {"elapsed_s", c.elapsed_s}};
            cj["page_cache_fallback"] = opt_json(c.page_cache_fallback);
            cj["resident_after"] = opt_json(c.resident_after);
            cj["pages_added"] = opt_json(c.pages_added);
            cj["dio"] = dio_json(c.dio, t.fstype, c.size);
            tj["cases"].push_back(std::move(cj));
        }
        j["targets"].push_back(std::move(tj));
    }
    const model::BottomLine b = model::bottom_line(report, threshold);
    nlohmann::json blocked = nlohmann::json::array();
    for (const auto& x : b.blocked)
        blocked.push_back({{"engine", x.engine}, {"target", x.target}, {"fstype", x.fstype}, {"ops", x.ops}});
    j["bottom_line"] = {{"text", bottom_line_text(b)},
                        {"never_blocked", b.never_blocked},
                        {"blocked", blocked},
                        {"unmeasured_cases", b.unmeasured_cases},
                        {"failed_targets", b.failed_targets}};
    return j;
}

std::string expect_failure_line(const std::string& expected, const model::ExpectFailure& f, double tolerance,
                                double threshold)
{
    const CaseResult& c = *f.c;
    return fmt::format("expected {}: {} {} {} {} is {} ({} disagree, tolerance {})", expected, f.target->label,
                       case_op_label(c), c.mode, c.engine, format_headline(c.tally, threshold),
                       format_percent(f.outcome.disagreeing), format_percent(tolerance));
}

std::string nothing_to_do_line(const model::ProbeReport& report)
{
    std::vector<std::string> why;
    for (const auto& t : report.targets)
        why.push_back(t.label + ": " + (t.notes.empty() ? "no operation applies" : join(t.notes, "; ")));
    return "nothing to do: " + join(why, "; ");
}

}  // namespace aio::report
