// SPDX-License-Identifier: GPL-2.0-only
#include "report/matrix_report.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "model/errors.h"
#include "report/format.h"
#include "report/latency_json.h"

namespace aio::report {
namespace {

using nlohmann::json;

std::string op_label(const std::string& op)
{
    if (op == "fill-holes")
        return "fill holes";
    if (op == "fill-prealloc")
        return "fill preallocated";
    return op;
}

std::string switches_text(const model::MatrixCell& c)
{
    return c.switches_per_io ? fmt::format("{:.2f}", *c.switches_per_io) : "?";
}

std::string percent(double share)
{
    return format_percent(share);
}

std::string md_escape(std::string s)
{
    std::string out;
    for (char ch : s) {
        if (ch == '|')
            out += "\\|";
        else if (ch == '\n')
            out += ' ';
        else
            out += ch;
    }
    return out;
}

}  // namespace

std::string scenario_label(const model::MatrixScenario& s)
{
    std::string label = (s.mode == "buffered" ? "buffered " : "") + op_label(s.op);
    if (s.dsync)
        label += " +dsync";
    if (s.nowait)
        label += " +nowait";
    return label;
}

namespace {

std::string cell_text_impl(const model::MatrixScenario& s, const model::MatrixCell& c, bool mark_page_cache)
{
    if (!c.skipped.empty())
        return "-";
    if (c.tally.total() == 0) {
        if (s.nowait && c.eagain > 0)
            return fmt::format("EAGAIN {}", percent(c.eagain_share()));
        return c.errors ? "error" : "-";
    }
    const auto head = model::headline_verdicts(c.tally);
    std::string text;
    if (head.size() == 1) {
        text = std::string(model::name(head.front()));
    } else {
        for (auto v : head)
            text +=
                (text.empty() ? "" : ", ") + std::string(model::name(v)) + " " + percent(c.tally.share(v));
    }
    // Only where it changes the reading: a `sync` that may be a fast device.
    const bool sync_named = std::find(head.begin(), head.end(), model::Verdict::sync) != head.end();
    if (sync_named && c.completed &&
        static_cast<double>(c.ambiguous) >= model::kMatrixThreshold * static_cast<double>(c.completed))
        text += " inline?";
    if (head.front() != model::Verdict::unsupported)
        text += " (" + switches_text(c) + ")";
    if (s.nowait && c.eagain)
        text += " EAGAIN " + percent(c.eagain_share());
    if (mark_page_cache && c.page_cache.value_or(false) && s.mode == "direct")
        text += " page-cache";
    if (c.errors)
        text += fmt::format(" {} err", c.errors);
    return text;
}

// True when every measured O_DIRECT cell found its data in the page cache
// (tmpfs, ext4 data=journal): said once above the table, not in each cell.
bool all_direct_in_page_cache(const model::MatrixFs& fs)
{
    bool any = false;
    for (const auto& s : fs.scenarios)
        for (const auto& c : s.cells)
            if (s.mode == "direct" && c.measured() && c.verdict() != model::Verdict::unsupported) {
                if (!c.page_cache.value_or(false))
                    return false;
                any = true;
            }
    return any;
}

}  // namespace

std::string cell_text(const model::MatrixScenario& s, const model::MatrixCell& c)
{
    return cell_text_impl(s, c, true);
}

void render_matrix_markdown(std::ostream& out, const model::MatrixReport& r)
{
    out << "# aio-audit matrix\n\n";
    out << fmt::format("Kernel **{}** ({}) on {}, {}; {} requests per cell{}.\n\n", r.kernel_release,
                       r.machine, r.host, r.started, r.requests,
                       r.interrupted ? "; **interrupted**: what was measured so far" : "");
    out << "Each cell: the verdict (every verdict of at least 10% of the requests, with its share), then "
           "fsqual's "
           "number in parentheses: voluntary context switches inside submission per I/O (fsqual calls 0.1 or "
           "more "
           "BAD). Rows are O_DIRECT unless they say buffered; depth is the number of requests kept in "
           "flight. "
           "`inline?`: completed before submission returned without a sleep, which user space cannot tell "
           "from a "
           "very fast device; `EAGAIN`: RWF_NOWAIT refusals, retried without the flag as Seastar does; "
           "`page-cache`: the O_DIRECT data was found in the page cache afterwards; `-`: not measured (POSIX "
           "AIO "
           "has no RWF_NOWAIT; other reasons are listed under the table).\n";

    std::vector<const model::MatrixFs*> not_run;
    for (const auto& fs : r.file_systems) {
        if (!fs.skipped.empty()) {
            not_run.push_back(&fs);
            continue;
        }
        out << "\n## " << fs.id << "\n\n";
        const bool page_cache_everywhere = all_direct_in_page_cache(fs);
        std::string how = fs.why + ".";
        if (std::islower(static_cast<unsigned char>(how[0])))
            how[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(how[0])));
        how += fs.mkfs.empty() ? " Mounted" : fmt::format(" Made with `{}`, mounted", fs.mkfs);
        how += fs.mount_options.empty() ? " with default options" : fmt::format(" `-o {}`", fs.mount_options);
        if (!fs.backing.empty())
            how += ", on " + fs.backing;
        if (fs.block_size)
            how += fmt::format("; block {} B, O_DIRECT granularity {} B", fs.block_size, fs.sector_size);
        how += fmt::format("; {:.1f} s.", fs.elapsed_s);
        if (page_cache_everywhere)
            how += " Every O_DIRECT request here was served through the page cache.";
        out << md_escape(how) << "\n";
        if (!fs.error.empty()) {
            out << "\nNot measured: " << md_escape(fs.error) << "\n";
            continue;
        }
        if (fs.scenarios.empty())
            continue;
        out << "\n| scenario | size | depth | fsqual |";
        for (const auto& c : fs.scenarios.front().cells)
            out << ' ' << c.engine << " |";
        out << "\n| --- | ---: | ---: | --- |";
        for (std::size_t i = 0; i < fs.scenarios.front().cells.size(); ++i)
            out << " --- |";
        out << '\n';
        std::vector<std::string> notes;
        for (const auto& s : fs.scenarios) {
            out << fmt::format("| {} | {} ({}) | {} | {} |", scenario_label(s), s.size, s.size_of, s.depth,
                               s.fsqual.empty() ? "" : s.fsqual);
            // One note per reason and row, naming the engines it applies to.
            std::vector<std::pair<std::string, std::string>> reasons;  // reason, engines
            for (const auto& c : s.cells) {
                out << ' ' << md_escape(cell_text_impl(s, c, !page_cache_everywhere)) << " |";
                std::string reason;
                if (!c.skipped.empty() && c.skipped != "POSIX AIO has no RWF_NOWAIT")
                    reason = "not run: " + c.skipped;
                else if (!c.error.empty() && (c.errors || c.refused))
                    reason = c.error;
                if (reason.empty())
                    continue;
                auto it = std::find_if(reasons.begin(), reasons.end(),
                                       [&](const auto& seen) { return seen.first == reason; });
                if (it == reasons.end())
                    reasons.emplace_back(reason, c.engine);
                else
                    it->second += ", " + c.engine;
            }
            for (const auto& [reason, engines] : reasons)
                notes.push_back(fmt::format("{} ({}, depth {}), {}: {}", scenario_label(s), s.size, s.depth,
                                            engines, reason));
            out << '\n';
        }
        if (!notes.empty()) {
            out << '\n';
            for (const auto& n : notes)
                out << "- " << md_escape(n) << '\n';
        }
    }
    if (!not_run.empty()) {
        out << "\nNot made here: ";
        for (std::size_t i = 0; i < not_run.size(); ++i)
            out << (i ? "; " : "") << not_run[i]->id << " (" << md_escape(not_run[i]->skipped) << ")";
        out << ".\n";
    }
    out << fmt::format("\n{:.1f} s in all.\n", r.elapsed_s);
}

namespace {

json cell_json(const model::MatrixCell& c)
{
    json counts = json::object();
    json shares = json::object();
    for (auto v : model::kAllVerdicts)
        if (c.tally.count(v)) {
            counts[std::string(model::name(v))] = c.tally.count(v);
            shares[std::string(model::name(v))] = c.tally.share(v);
        }
    json headline = json::array();
    for (auto v : model::headline_verdicts(c.tally))
        headline.push_back(model::name(v));
    json j = {{"engine", c.engine},
              {"verdict", c.tally.total() ? json(model::name(c.verdict())) : json(nullptr)},
              {"headline", headline},
              {"counts", counts},
              {"shares", shares},
              {"switches_per_io", c.switches_per_io ? json(*c.switches_per_io) : json(nullptr)},
              {"requests", c.requests},
              {"completed", c.completed},
              {"eagain", c.eagain},
              {"refused", c.refused},
              {"errors", c.errors},
              {"ambiguous", c.ambiguous},
              {"page_cache", c.page_cache ? json(*c.page_cache) : json(nullptr)},
              {"submit_ns", latency_json(c.submit)},
              {"complete_ns", latency_json(c.complete)}};
    if (!c.skipped.empty())
        j["skipped"] = c.skipped;
    if (!c.error.empty())
        j["error"] = c.error;
    return j;
}

}  // namespace

json matrix_json(const model::MatrixReport& r)
{
    json systems = json::array();
    for (const auto& fs : r.file_systems) {
        json scenarios = json::array();
        for (const auto& s : fs.scenarios) {
            json cells = json::array();
            for (const auto& c : s.cells)
                cells.push_back(cell_json(c));
            scenarios.push_back({{"id", s.id},
                                 {"op", s.op},
                                 {"mode", s.mode},
                                 {"size", s.size},
                                 {"size_of", s.size_of},
                                 {"depth", s.depth},
                                 {"dsync", s.dsync},
                                 {"nowait", s.nowait},
                                 {"fsqual", s.fsqual},
                                 {"cells", cells}});
        }
        json j = {{"id", fs.id},
                  {"fstype", fs.fstype},
                  {"mkfs", fs.mkfs},
                  {"mount_options", fs.mount_options},
                  {"why", fs.why},
                  {"backing", fs.backing},
                  {"block_size", fs.block_size},
                  {"sector_size", fs.sector_size},
                  {"elapsed_s", fs.elapsed_s},
                  {"scenarios", scenarios}};
        if (!fs.skipped.empty())
            j["skipped"] = fs.skipped;
        if (!fs.error.empty())
            j["error"] = fs.error;
        systems.push_back(std::move(j));
    }
    // The run's own facts, so that a document re-rendered or compared later
    // (whose header is then the later command's) still says where it ran.
    const json measured = {
        {"kernel", r.kernel_release}, {"machine", r.machine}, {"host", r.host}, {"start_time", r.started}};
    return {{"matrix",
             {{"measured", measured},
              {"requests_per_cell", r.requests},
              {"threshold", model::kMatrixThreshold},
              {"interrupted", r.interrupted},
              {"elapsed_s", r.elapsed_s},
              {"file_systems", systems}}}};
}

namespace {

template <typename T> T get_or(const json& j, const char* key, T fallback)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    return it->get<T>();
}

}  // namespace

model::MatrixReport matrix_from_json(const json& doc)
{
    if (!doc.is_object() || !doc.contains("matrix") || !doc["matrix"].is_object())
        throw UsageError("not an aio-audit matrix JSON document (no \"matrix\" object)",
                         "write one with: aio-audit matrix --json -o FILE");
    model::MatrixReport r;
    try {
        if (doc.contains("kernel") && doc["kernel"].is_object()) {
            r.kernel_release = get_or<std::string>(doc["kernel"], "release", "");
            r.machine = get_or<std::string>(doc["kernel"], "machine", "");
        }
        r.host = get_or<std::string>(doc, "host", "");
        r.started = get_or<std::string>(doc, "start_time", "");
        const json& m = doc["matrix"];
        if (m.contains("measured") && m["measured"].is_object()) {
            const json& w = m["measured"];
            r.kernel_release = get_or<std::string>(w, "kernel", r.kernel_release);
            r.machine = get_or<std::string>(w, "machine", r.machine);
            r.host = get_or<std::string>(w, "host", r.host);
            r.started = get_or<std::string>(w, "start_time", r.started);
        }
        r.requests = get_or<unsigned>(m, "requests_per_cell", 0);
        r.interrupted = get_or<bool>(m, "interrupted", false);
        r.elapsed_s = get_or<double>(m, "elapsed_s", 0.0);
        for (const auto& jf : m.at("file_systems")) {
            model::MatrixFs fs;
            fs.id = jf.at("id").get<std::string>();
            fs.fstype = get_or<std::string>(jf, "fstype", "");
            fs.mkfs = get_or<std::string>(jf, "mkfs", "");
            fs.mount_options = get_or<std::string>(jf, "mount_options", "");
            fs.why = get_or<std::string>(jf, "why", "");
            fs.backing = get_or<std::string>(jf, "backing", "");
            fs.block_size = get_or<std::uint32_t>(jf, "block_size", 0);
            fs.sector_size = get_or<std::uint32_t>(jf, "sector_size", 0);
            fs.elapsed_s = get_or<double>(jf, "elapsed_s", 0.0);
            fs.skipped = get_or<std::string>(jf, "skipped", "");
            fs.error = get_or<std::string>(jf, "error", "");
            for (const auto& js : jf.at("scenarios")) {
                model::MatrixScenario s;
                s.id = js.at("id").get<std::string>();
                s.op = js.at("op").get<std::string>();
                s.mode = js.at("mode").get<std::string>();
                s.size = js.at("size").get<std::size_t>();
                s.size_of = get_or<std::string>(js, "size_of", "");
                s.depth = js.at("depth").get<unsigned>();
                s.dsync = get_or<bool>(js, "dsync", false);
                s.nowait = get_or<bool>(js, "nowait", false);
                s.fsqual = get_or<std::string>(js, "fsqual", "");
                for (const auto& jc : js.at("cells")) {
                    model::MatrixCell c;
                    c.engine = jc.at("engine").get<std::string>();
                    for (const auto& [name, n] : jc.at("counts").items()) {
                        const auto v = model::parse_verdict(name);
                        if (!v)
                            throw UsageError("unknown verdict '" + name + "' in the matrix document");
                        c.tally.add(*v, n.get<std::uint64_t>());
                    }
                    if (jc.contains("switches_per_io") && !jc["switches_per_io"].is_null())
                        c.switches_per_io = jc["switches_per_io"].get<double>();
                    if (jc.contains("page_cache") && !jc["page_cache"].is_null())
                        c.page_cache = jc["page_cache"].get<bool>();
                    c.requests = get_or<unsigned>(jc, "requests", 0);
                    c.completed = get_or<unsigned>(jc, "completed", 0);
                    c.eagain = get_or<unsigned>(jc, "eagain", 0);
                    c.refused = get_or<unsigned>(jc, "refused", 0);
                    c.errors = get_or<unsigned>(jc, "errors", 0);
                    c.ambiguous = get_or<unsigned>(jc, "ambiguous", 0);
                    c.skipped = get_or<std::string>(jc, "skipped", "");
                    c.error = get_or<std::string>(jc, "error", "");
                    // Absent from documents written before matrix kept latencies.
                    if (jc.contains("submit_ns"))
                        c.submit = latency_from_json(jc["submit_ns"]);
                    if (jc.contains("complete_ns"))
                        c.complete = latency_from_json(jc["complete_ns"]);
                    s.cells.push_back(std::move(c));
                }
                fs.scenarios.push_back(std::move(s));
            }
            r.file_systems.push_back(std::move(fs));
        }
    } catch (const json::exception& e) {
        throw UsageError(std::string("malformed matrix JSON document: ") + e.what());
    }
    return r;
}

namespace {

std::string run_name(const model::MatrixReport& r)
{
    return r.kernel_release.empty() ? std::string("?") : r.kernel_release;
}

std::string side_text(const model::MatrixCell* c, const model::MatrixScenario& s)
{
    if (!c)
        return "-";
    if (!c->skipped.empty())
        return "not run: " + c->skipped;
    return cell_text(s, *c);
}

}  // namespace

void render_comparison_markdown(std::ostream& out, const model::MatrixComparison& cmp)
{
    const auto& a = *cmp.before;
    const auto& b = *cmp.after;
    out << "# aio-audit matrix: what changed\n\n";
    out << fmt::format("Before: kernel **{}** ({}) on {}, {}.  \nAfter: kernel **{}** ({}) on {}, {}.\n\n",
                       run_name(a), a.machine, a.host, a.started, run_name(b), b.machine, b.host, b.started);
    out << fmt::format(
        "{} cells measured in both runs; {} changed. A change is a different set of headline "
        "verdicts (each of at least 10% of the requests), fsqual's GOOD/BAD flipping (0.1 "
        "switches per I/O), the RWF_NOWAIT refusals crossing 10%, or a cell measured in only one "
        "run.\n",
        cmp.cells_compared, cmp.changes.size());
    if (!cmp.undecided.empty())
        out << fmt::format(
                   "\n{} more cells differ only in requests marked `inline?` (completed before submission "
                   "returned, without a sleep): user space cannot tell an inline copy from a fast device, so "
                   "they are not counted as changes:",
                   cmp.undecided.size())
            <<
            [&] {
                std::string list;
                for (const auto& ch : cmp.undecided)
                    list += fmt::format("{} {} {} {} ({}, depth {})", list.empty() ? "" : ";", ch.fs_id,
                                        scenario_label(*ch.scenario), ch.engine, ch.scenario->size,
                                        ch.scenario->depth);
                return list;
            }()
            << ".\n";
    if (!cmp.changes.empty()) {
        out << "\n| file system | scenario | size | depth | engine | change | before | after |\n"
               "| --- | --- | ---: | ---: | --- | --- | --- | --- |\n";
        for (const auto& ch : cmp.changes) {
            const auto& s = *ch.scenario;
            out << fmt::format("| {} | {} | {} ({}) | {} | {} | {} | {} | {} |\n", ch.fs_id,
                               scenario_label(s), s.size, s.size_of, s.depth, ch.engine, model::name(ch.kind),
                               md_escape(side_text(ch.before, s)), md_escape(side_text(ch.after, s)));
        }
    }
    auto list = [&](const char* what, const std::vector<std::string>& items) {
        if (items.empty())
            return;
        out << "\n" << what << ": ";
        for (std::size_t i = 0; i < items.size(); ++i)
            out << (i ? ", " : "") << items[i];
        out << ".\n";
    };
    list("File systems measured only before", cmp.fs_only_before);
    list("File systems measured only after", cmp.fs_only_after);
    list("Scenarios only before", cmp.scenarios_only_before);
    list("Scenarios only after", cmp.scenarios_only_after);
    // Block sizes or backing that differ make a change less about the kernel.
    for (const auto& fa : b.file_systems)
        for (const auto& fb : a.file_systems)
            if (fa.id == fb.id && fa.scenarios.size() && fb.scenarios.size() &&
                (fa.backing != fb.backing || fa.block_size != fb.block_size ||
                 fa.sector_size != fb.sector_size))
                out << fmt::format(
                    "\nNote: {} was not set up alike: before {}, block {}, granularity {}; after {}, "
                    "block {}, granularity {}.\n",
                    fa.id, fb.backing, fb.block_size, fb.sector_size, fa.backing, fa.block_size,
                    fa.sector_size);
}

json comparison_json(const model::MatrixComparison& cmp)
{
    auto side = [](const model::MatrixReport& r) {
        return json{{"kernel", r.kernel_release},
                    {"machine", r.machine},
                    {"host", r.host},
                    {"start_time", r.started}};
    };
    auto list = [](const std::vector<model::MatrixChange>& items) {
        json out = json::array();
        for (const auto& ch : items)
            out.push_back({{"fs", ch.fs_id},
                           {"scenario", ch.scenario_id},
                           {"label", scenario_label(*ch.scenario)},
                           {"engine", ch.engine},
                           {"kind", model::name(ch.kind)},
                           {"before", ch.before ? cell_json(*ch.before) : json(nullptr)},
                           {"after", ch.after ? cell_json(*ch.after) : json(nullptr)}});
        return out;
    };
    return {{"comparison",
             {{"before", side(*cmp.before)},
              {"after", side(*cmp.after)},
              {"cells_compared", cmp.cells_compared},
              {"changes", list(cmp.changes)},
              {"undecided", list(cmp.undecided)},
              {"fs_only_before", cmp.fs_only_before},
              {"fs_only_after", cmp.fs_only_after},
              {"scenarios_only_before", cmp.scenarios_only_before},
              {"scenarios_only_after", cmp.scenarios_only_after}}}};
}

}  // namespace aio::report
