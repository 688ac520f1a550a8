// SPDX-License-Identifier: GPL-2.0-only
#include "model/probe_rules.h"

#include <algorithm>
#include <map>

namespace aio::model {
namespace {

bool names_blocking(const std::vector<Verdict>& named)
{
    return std::any_of(named.begin(), named.end(),
                       [](Verdict v) { return v == Verdict::blocking || v == Verdict::fake_async; });
}

bool has(const std::vector<Verdict>& named, Verdict v)
{
    return std::find(named.begin(), named.end(), v) != named.end();
}

bool measured(const CaseResult& c)
{
    return c.ran() && c.tally.total() > 0;
}

std::vector<Verdict> case_headline(const CaseResult& c, double threshold)
{
    return named_verdicts(c.tally, threshold);
}

// Groups a mode's cases by the set of verdicts their headlines name; the
// group's order of verdicts follows their summed counts, and the minority
// range spans its cases' shares of every verdict after the first. The
// largest group is the usual one (on a tie, the one that came first).
ModeSummary summarize_mode(const std::string& mode, const std::vector<const CaseResult*>& cases, double threshold)
{
    struct Group {
        std::vector<Verdict> set;  // sorted
        std::vector<const CaseResult*> cases;
        VerdictTally sum;
    };
    std::vector<Group> groups;
    for (const CaseResult* c : cases) {
        auto set = case_headline(*c, threshold);
        std::sort(set.begin(), set.end());
        auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.set == set; });
        if (it == groups.end()) {
            groups.push_back({set, {}, {}});
            it = std::prev(groups.end());
        }
        it->cases.push_back(c);
        it->sum.merge(c->tally);
    }
    std::vector<OpGroup> out;
    for (const auto& g : groups) {
        OpGroup o;
        for (const auto& [v, share] : g.sum.shares())
            if (std::find(g.set.begin(), g.set.end(), v) != g.set.end())
                o.named.push_back(v);
        double lo = 1, hi = 0;
        for (const CaseResult* c : g.cases) {
            o.ops.push_back(op_label(*c));
            for (std::size_t i = 1; i < o.named.size(); ++i) {
                lo = std::min(lo, c->tally.share(o.named[i]));
                hi = std::max(hi, c->tally.share(o.named[i]));
            }
        }
        if (o.named.size() > 1) {
            o.minority_low = lo;
            o.minority_high = hi;
        }
        out.push_back(std::move(o));
    }
    ModeSummary m;
    m.mode = mode;
    if (out.empty())
        return m;
    const auto usual = std::max_element(out.begin(), out.end(), [](const OpGroup& a, const OpGroup& b) {
        return a.ops.size() < b.ops.size();
    });
    m.usual = *usual;
    for (auto it = out.begin(); it != out.end(); ++it)
        if (it != usual)
            m.exceptions.push_back(*it);
    return m;
}

bool same_shape(const OpGroup& a, const OpGroup& b)
{
    return a.ops == b.ops && a.named == b.named;
}

bool same_shape(const ModeSummary& a, const ModeSummary& b)
{
    if (!same_shape(a.usual, b.usual) || a.exceptions.size() != b.exceptions.size())
        return false;
    for (std::size_t i = 0; i < a.exceptions.size(); ++i)
        if (!same_shape(a.exceptions[i], b.exceptions[i]))
            return false;
    return true;
}

bool same_behaviour(const EngineSummary& a, const EngineSummary& b)
{
    if (a.never_blocks != b.never_blocks || a.all_threaded != b.all_threaded || a.threaded != b.threaded || a.nowait_refused != b.nowait_refused ||
        a.modes.size() != b.modes.size())
        return false;
    for (std::size_t i = 0; i < a.modes.size(); ++i)
        if (a.modes[i].mode != b.modes[i].mode || !same_shape(a.modes[i], b.modes[i]))
            return false;
    return true;
}

bool is_write_label(const std::string& label)
{
    return label.rfind("read", 0) != 0;
}

// `subset` of `all` (op labels), collapsed to "*" when it is all of them,
// or its writes to "write" when it holds every write and there are two or
// more.
std::vector<std::string> collapse(const std::vector<std::string>& subset, const std::vector<std::string>& all)
{
    auto contains = [](const std::vector<std::string>& v, const std::string& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    if (subset.size() > 1 && std::all_of(all.begin(), all.end(), [&](const auto& l) { return contains(subset, l); }))
        return {"*"};
    std::vector<std::string> writes;
    for (const auto& l : all)
        if (is_write_label(l))
            writes.push_back(l);
    const bool every_write =
        writes.size() > 1 && std::all_of(writes.begin(), writes.end(), [&](const auto& l) { return contains(subset, l); });
    if (!every_write)
        return subset;
    std::vector<std::string> out;
    for (const auto& l : subset)
        if (!is_write_label(l))
            out.push_back(l);
    out.push_back("write");
    return out;
}

// "mode label" items, collapsed per mode against the labels each mode has.
std::vector<std::string> collapse_by_mode(const std::vector<std::string>& items,
                                          const std::vector<const CaseResult*>& cases)
{
    std::vector<std::string> modes;
    for (const auto& item : items) {
        const std::string mode = item.substr(0, item.find(' '));
        if (std::find(modes.begin(), modes.end(), mode) == modes.end())
            modes.push_back(mode);
    }
    std::vector<std::string> out;
    for (const auto& mode : modes) {
        std::vector<std::string> subset, all;
        for (const auto& item : items)
            if (item.substr(0, item.find(' ')) == mode)
                subset.push_back(item.substr(item.find(' ') + 1));
        for (const CaseResult* c : cases)
            if (c->mode == mode && std::find(all.begin(), all.end(), op_label(*c)) == all.end())
                all.push_back(op_label(*c));
        for (const auto& l : collapse(subset, all))
            out.push_back(mode + " " + l);
    }
    return out;
}

EngineSummary summarize_engine(const std::string& engine, const std::vector<const CaseResult*>& cases,
                               double threshold)
{
    EngineSummary e;
    e.engines = {engine};
    e.never_blocks = true;
    e.all_threaded = true;
    std::vector<std::string> modes;
    for (const CaseResult* c : cases) {
        const auto named = case_headline(*c, threshold);
        e.never_blocks &= !names_blocking(named);
        if (has(named, Verdict::thread_async))
            e.threaded.push_back(c->mode + " " + op_label(*c));
        e.all_threaded &= named == std::vector<Verdict>{Verdict::thread_async};
        if (c->variant == "nowait" && c->requests > 0) {
            const double share = static_cast<double>(c->eagain) / static_cast<double>(c->requests);
            if (share >= threshold) {
                e.nowait_refused_low = e.nowait_refused.empty() ? share : std::min(e.nowait_refused_low, share);
                e.nowait_refused_high = std::max(e.nowait_refused_high, share);
                e.nowait_refused.push_back(c->mode + " " + c->op);
            }
        }
        if (std::find(modes.begin(), modes.end(), c->mode) == modes.end())
            modes.push_back(c->mode);
    }
    e.threaded = collapse_by_mode(e.threaded, cases);
    // O_DIRECT first: it is what asynchronous I/O on files is about.
    std::stable_sort(modes.begin(), modes.end(), [](const std::string& a, const std::string& b) {
        return a == "direct" && b != "direct";
    });
    for (const auto& mode : modes) {
        std::vector<const CaseResult*> of_mode;
        for (const CaseResult* c : cases)
            if (c->mode == mode)
                of_mode.push_back(c);
        e.modes.push_back(summarize_mode(mode, of_mode, threshold));
    }
    // Both modes alike: one statement for the engine.
    if (e.modes.size() == 2 && same_shape(e.modes[0], e.modes[1])) {
        ModeSummary all = e.modes[0];
        all.mode.clear();
        all.usual.minority_low = std::min(e.modes[0].usual.minority_low, e.modes[1].usual.minority_low);
        all.usual.minority_high = std::max(e.modes[0].usual.minority_high, e.modes[1].usual.minority_high);
        e.modes = {all};
    }
    return e;
}

std::vector<std::string> engines_in_order(const TargetResult& t)
{
    std::vector<std::string> out;
    for (const auto& c : t.cases)
        if (std::find(out.begin(), out.end(), c.engine) == out.end())
            out.push_back(c.engine);
    return out;
}

}  // namespace

std::string op_label(const CaseResult& c)
{
    return c.variant.empty() ? c.op : c.op + "+" + c.variant;
}

std::vector<Verdict> named_verdicts(const VerdictTally& tally, double threshold)
{
    std::vector<Verdict> out;
    const auto shares = tally.shares();  // largest first, ties by severity
    for (std::size_t i = 0; i < shares.size(); ++i)
        if (i == 0 || shares[i].second >= threshold)
            out.push_back(shares[i].first);
    return out;
}

ExpectOutcome check_expectation(const VerdictTally& tally, const std::vector<Verdict>& allowed, double tolerance)
{
    ExpectOutcome out;
    for (const auto& [v, share] : tally.shares()) {
        if (std::find(allowed.begin(), allowed.end(), v) != allowed.end())
            continue;
        out.disagreeing += share;
        out.offending.push_back(v);
    }
    // Shares are sums of count/total: compare with a little slack so that
    // exactly `tolerance` passes.
    out.met = tally.total() > 0 && out.disagreeing <= tolerance + 1e-9;
    return out;
}

namespace {

// Requests counted `sync` that user space cannot tell from a device's
// interrupt completion (DESIGN.md): ready at return without sleeping, where
// a device could have posted the completion.
std::uint64_t ambiguous_sync(const CaseResult& c, const TargetResult& t)
{
    if (c.ambiguous == 0 || t.memory_only)
        return 0;
    // Served through the page cache: the submitter copied and completed it
    // in the call; no device posted that completion.
    if (served_by_page_cache(c))
        return 0;
    // A buffered write is a copy into the page cache: no device posts its
    // completion (O_DSYNC waits for one, inside the call).
    if (c.mode == "buffered" && c.op != "read" && c.variant != "dsync")
        return 0;
    return std::min<std::uint64_t>(c.tally.count(Verdict::sync), c.ambiguous);
}

// The tally with the ambiguous `sync` requests counted `async` instead.
VerdictTally ambiguous_as_async(const VerdictTally& tally, std::uint64_t moved)
{
    VerdictTally alt;
    for (Verdict v : kAllVerdicts)
        alt.add(v, tally.count(v) - (v == Verdict::sync ? moved : 0));
    alt.add(Verdict::async, moved);
    return alt;
}

bool allows(const std::vector<Verdict>& allowed, Verdict v)
{
    return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

}  // namespace

RunExpectation check_expectation(const ProbeReport& report, const std::vector<Verdict>& allowed, double tolerance)
{
    RunExpectation out;
    for (const auto& t : report.targets) {
        for (const auto& c : t.cases) {
            if (!measured(c))
                continue;
            ++out.judged;
            // What user space cannot tell apart is not held against the
            // expectation: `--expect async` is not failed by requests that
            // a fast device may have completed before the call returned.
            const std::uint64_t moved = allows(allowed, Verdict::async) && !allows(allowed, Verdict::sync)
                                            ? ambiguous_sync(c, t)
                                            : 0;
            ExpectOutcome o = check_expectation(moved ? ambiguous_as_async(c.tally, moved) : c.tally, allowed,
                                                tolerance);
            if (!o.met)
                out.failures.push_back({&t, &c, std::move(o)});
        }
    }
    return out;
}

bool nothing_to_do(const ProbeReport& report)
{
    if (report.interrupted || report.targets.empty())
        return false;
    return std::all_of(report.targets.begin(), report.targets.end(),
                       [](const TargetResult& t) { return t.error.empty() && t.cases.empty(); });
}

bool inline_ambiguity_matters(const CaseResult& c, const TargetResult& t, double threshold)
{
    const std::uint64_t moved = ambiguous_sync(c, t);
    return moved > 0 && named_verdicts(ambiguous_as_async(c.tally, moved), threshold) != named_verdicts(c.tally, threshold);
}

bool read_nothing(const CaseResult& c)
{
    return c.op == "read" && c.completed > 0 && c.empty_reads == c.completed;
}

bool served_by_page_cache(const CaseResult& c)
{
    return c.mode == "direct" && c.completed > 0 && c.page_cache_fallback.value_or(false);
}

DirectIoOutlook direct_io_outlook(const std::string& fstype, const DirectIoFacts& facts, std::size_t size)
{
    DirectIoOutlook o;
    // btrfs checks O_DIRECT against its own sector size and, when the
    // request does not meet it, quietly takes the buffered path
    // (fs/btrfs/direct-io.c, check_direct_IO), whatever the device allows.
    if (fstype == "btrfs" && facts.fs_block) {
        o.alignment = facts.fs_block;
        o.source = "btrfs sector size";
        o.expect = size % facts.fs_block ? DirectIoExpectation::buffered : DirectIoExpectation::direct;
        return o;
    }
    if (facts.statx_offset_align) {
        o.alignment = facts.statx_offset_align;
        o.source = "statx";
    } else if (facts.device_logical_block) {
        o.alignment = facts.device_logical_block;
        o.source = "device";
    } else {
        return o;
    }
    o.expect = size % o.alignment ? DirectIoExpectation::refused : DirectIoExpectation::direct;
    return o;
}

TargetConclusion conclude(const TargetResult& t, double threshold)
{
    TargetConclusion out;
    bool any_read = false;
    bool all_reads_empty = true;
    for (const auto& c : t.cases) {
        if (!measured(c)) {
            out.unmeasured += !c.ran() || c.errors > 0;
            continue;
        }
        if (c.op == "read" && c.completed > 0) {
            any_read = true;
            all_reads_empty &= read_nothing(c);
        }
        if (c.dio && c.mode == "direct") {
            const auto outlook = direct_io_outlook(t.fstype, *c.dio, c.size);
            if (outlook.expect == DirectIoExpectation::buffered) {
                out.direct_misaligned = outlook;
                out.request_size = c.size;
            }
        }
        if (served_by_page_cache(c)) {
            const std::string label = op_label(c);
            if (std::find(out.direct_served_buffered.begin(), out.direct_served_buffered.end(), label) ==
                out.direct_served_buffered.end())
                out.direct_served_buffered.push_back(label);
        }
    }
    out.nothing_read = any_read && all_reads_empty;
    {
        std::vector<std::string> direct;
        for (const auto& c : t.cases)
            if (measured(c) && c.mode == "direct" && std::find(direct.begin(), direct.end(), op_label(c)) == direct.end())
                direct.push_back(op_label(c));
        out.direct_served_buffered = collapse(out.direct_served_buffered, direct);
    }

    for (const auto& engine : engines_in_order(t)) {
        std::vector<const CaseResult*> cases;
        for (const auto& c : t.cases)
            if (c.engine == engine && measured(c))
                cases.push_back(&c);
        if (cases.empty())
            continue;
        EngineSummary e = summarize_engine(engine, cases, threshold);
        auto same = std::find_if(out.engines.begin(), out.engines.end(),
                                 [&](const EngineSummary& o) { return same_behaviour(o, e); });
        if (same != out.engines.end())
            same->engines.push_back(engine);
        else
            out.engines.push_back(std::move(e));
    }
    return out;
}

BottomLine bottom_line(const ProbeReport& report, double threshold)
{
    BottomLine out;
    std::vector<std::string> engines;
    std::map<std::string, bool> blocked_somewhere;
    for (const auto& t : report.targets) {
        if (!t.error.empty()) {
            ++out.failed_targets;
            continue;
        }
        for (const auto& c : t.cases) {
            if (!measured(c)) {
                out.unmeasured_cases += !c.ran() || c.errors > 0;
                continue;
            }
            out.measured_anything = true;
            if (std::find(engines.begin(), engines.end(), c.engine) == engines.end())
                engines.push_back(c.engine);
            if (!names_blocking(named_verdicts(c.tally, threshold))) {
                blocked_somewhere.try_emplace(c.engine, false);
                continue;
            }
            blocked_somewhere[c.engine] = true;
            auto it = std::find_if(out.blocked.begin(), out.blocked.end(), [&](const Blocked& b) {
                return b.engine == c.engine && b.target == t.label;
            });
            if (it == out.blocked.end()) {
                out.blocked.push_back({c.engine, t.label, t.fstype, {}});
                it = std::prev(out.blocked.end());
            }
            it->ops.push_back(c.mode + " " + op_label(c));
        }
    }
    for (const auto& e : engines)
        if (!blocked_somewhere[e])
            out.never_blocked.push_back(e);
    // Grouped by engine, in the order engines were first seen.
    std::stable_sort(out.blocked.begin(), out.blocked.end(), [&](const Blocked& a, const Blocked& b) {
        return std::find(engines.begin(), engines.end(), a.engine) <
               std::find(engines.begin(), engines.end(), b.engine);
    });
    return out;
}

}  // namespace aio::model
