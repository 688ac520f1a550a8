// SPDX-License-Identifier: GPL-2.0-only
#include "report/probe_conclusion.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/format.h"

namespace aio::report {
namespace {

using model::Verdict;

std::string join_words(const std::vector<std::string>& items)
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += i + 1 == items.size() ? " and " : ", ";
        out += items[i];
    }
    return out;
}

// Before an operation noun: "O_DIRECT appends", "buffered reads".
// Items that contain commas themselves: "a, which x, and b, which y".
std::string join_clauses(const std::vector<std::string>& items)
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += i + 1 == items.size() ? ", and " : ", ";
        out += items[i];
    }
    return out;
}

std::string mode_display(const std::string& mode)
{
    return mode == "direct" ? "O_DIRECT" : mode;
}

// As a subject on its own: "O_DIRECT is async", "buffered I/O blocks".
std::string mode_subject(const std::string& mode)
{
    return mode == "direct" ? "O_DIRECT" : mode + " I/O";
}

// "append+dsync" -> "O_DSYNC appends"; "*" (every operation) -> "I/O".
std::string op_noun(const std::string& label)
{
    if (label == "*")
        return "I/O";
    const auto plus = label.find('+');
    const std::string op = label.substr(0, plus);
    const std::string variant = plus == std::string::npos ? "" : label.substr(plus + 1);
    static const std::map<std::string, std::string> nouns = {
        {"read", "reads"},           {"overwrite", "overwrites"}, {"append", "appends"},
        {"fill-holes", "hole fills"}, {"fill-prealloc", "preallocated fills"}, {"write", "writes"},
    };
    const auto it = nouns.find(op);
    std::string noun = it != nouns.end() ? it->second : op + "s";
    if (variant == "dsync")
        noun = "O_DSYNC " + noun;
    else if (variant == "nowait")
        noun = "RWF_NOWAIT " + noun;
    return noun;
}

std::string ops_phrase(const std::vector<std::string>& labels)
{
    std::vector<std::string> nouns;
    for (const auto& l : labels)
        nouns.push_back(op_noun(l));
    return join_words(nouns);
}

// "direct append", "buffered overwrite+dsync" -> "O_DIRECT appends; buffered
// O_DSYNC overwrites", grouped by mode in the order first seen.
std::string mode_ops_phrase(const std::vector<std::string>& items)
{
    std::vector<std::string> modes;
    std::map<std::string, std::vector<std::string>> ops;
    for (const auto& item : items) {
        const auto space = item.find(' ');
        const std::string mode = item.substr(0, space);
        if (!ops.count(mode))
            modes.push_back(mode);
        ops[mode].push_back(item.substr(space + 1));
    }
    std::vector<std::string> parts;
    for (const auto& m : modes)
        parts.push_back(mode_display(m) + " " + ops_phrase(ops[m]));
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::string verb(Verdict v, bool plural)
{
    switch (v) {
    case Verdict::async: return plural ? "are async" : "is async";
    case Verdict::sync: return plural ? "complete inline" : "completes inline";
    case Verdict::blocking: return plural ? "block" : "blocks";
    case Verdict::fake_async: return plural ? "are fake-async" : "is fake-async";
    case Verdict::thread_async: return plural ? "go to helper threads" : "goes to helper threads";
    case Verdict::unsupported: return plural ? "are refused" : "is refused";
    case Verdict::odirect_async: return plural ? "are async with O_DIRECT" : "is async with O_DIRECT";
    case Verdict::unknown: return plural ? "are undecided" : "is undecided";
    }
    return "?";
}

std::string range(double lo, double hi)
{
    const std::string a = format_percent(lo);
    const std::string b = format_percent(hi);
    return a == b ? a : fmt::format("{}–{}", a.substr(0, a.size() - 1), b);
}

// "is async", "is async, but 12–14% block", "blocks, and 20% complete inline".
std::string behaviour(const model::OpGroup& g, bool plural)
{
    if (g.named.empty())
        return "?";
    std::string out = verb(g.named.front(), plural);
    if (g.named.size() > 1) {
        std::vector<std::string> rest;
        for (std::size_t i = 1; i < g.named.size(); ++i)
            rest.push_back(verb(g.named[i], true));
        out += fmt::format(", but {} {}", range(g.minority_low, g.minority_high), join_words(rest));
    }
    return out;
}

std::string engines_phrase(const std::vector<std::string>& engines)
{
    std::vector<std::string> names;
    for (const auto& e : engines)
        names.push_back(engine_display(e));
    return join_words(names);
}

std::string threads_of(const std::vector<std::string>& engines)
{
    if (engines.size() == 1 && engines[0] == "io_uring")
        return "io-wq threads";
    if (engines.size() == 1 && engines[0] == "posix")
        return "glibc's threads";
    return "helper threads";
}

std::string mode_clause(const std::string& engines, const model::ModeSummary& m, bool first)
{
    const std::string prefix = first ? engines + " " : "";
    const std::string subject = m.mode.empty() ? engines : prefix + mode_subject(m.mode);
    const std::string adjective = m.mode.empty() ? engines : prefix + mode_display(m.mode);
    const std::size_t ops = m.usual.ops.size();
    if (m.exceptions.empty()) {
        if (ops == 1)
            return fmt::format("{} {} {}", adjective, ops_phrase(m.usual.ops), behaviour(m.usual, true));
        return fmt::format("{} {}", subject, behaviour(m.usual, false));
    }
    if (ops < 2) {
        // No behaviour is the usual one: say each.
        std::vector<std::string> parts{fmt::format("{} {}", ops_phrase(m.usual.ops), behaviour(m.usual, true))};
        for (const auto& e : m.exceptions)
            parts.push_back(fmt::format("{} {}", ops_phrase(e.ops), behaviour(e, true)));
        return fmt::format("{} {}", adjective, join_words(parts));
    }
    std::vector<std::string> parts;
    for (const auto& e : m.exceptions) {
        if (e.named.size() > 1 && e.named.front() == m.usual.named.front()) {
            // Mostly the usual behaviour: say only what differs.
            std::vector<std::string> rest;
            for (std::size_t i = 1; i < e.named.size(); ++i)
                rest.push_back(verb(e.named[i], true));
            parts.push_back(fmt::format("{}, of which {} {}", ops_phrase(e.ops), range(e.minority_low, e.minority_high),
                                        join_words(rest)));
        } else {
            parts.push_back(fmt::format("{}, which {}", ops_phrase(e.ops), behaviour(e, true)));
        }
    }
    return fmt::format("{} {} except {}", subject, behaviour(m.usual, false),
                       parts.size() > 1 ? join_clauses(parts) : parts.front());
}

std::string engine_sentence(const model::EngineSummary& e)
{
    const std::string who = engines_phrase(e.engines);
    const bool plural = e.engines.size() > 1;
    std::string s;
    if (e.all_threaded) {
        s = fmt::format("{} never block{} the caller: {} do all of it", who, plural ? "" : "s", threads_of(e.engines));
    } else if (e.never_blocks && !e.threaded.empty()) {
        s = fmt::format("{} never block{} the caller ({} take {})", who, plural ? "" : "s", threads_of(e.engines),
                        mode_ops_phrase(e.threaded));
    } else {
        std::vector<std::string> clauses;
        for (std::size_t i = 0; i < e.modes.size(); ++i)
            clauses.push_back(mode_clause(who, e.modes[i], i == 0));
        s = fmt::format("{}", fmt::join(clauses, "; "));
    }
    if (!e.nowait_refused.empty())
        s += fmt::format("; RWF_NOWAIT gets EAGAIN for {} ({})", mode_ops_phrase(e.nowait_refused),
                         range(e.nowait_refused_low, e.nowait_refused_high));
    return s + ".";
}

std::string subject(const model::TargetResult& t)
{
    switch (t.kind) {
    case model::FileKind::directory:
    case model::FileKind::regular: {
        if (t.fstype.empty())
            return t.label;
        if (t.source.rfind("/dev/", 0) == 0)
            return t.fstype + " on " + t.source.substr(5);
        return t.fstype;
    }
    case model::FileKind::fifo: return "FIFO";
    default: return t.label;
    }
}

}  // namespace

std::string engine_display(const std::string& engine)
{
    return engine == "posix" ? "POSIX AIO" : engine;
}

std::string conclusion_text(const model::TargetResult& t, const model::TargetConclusion& c)
{
    if (c.engines.empty())
        return {};
    std::string out = subject(t) + ":";
    for (const auto& e : c.engines)
        out += " " + engine_sentence(e);
    if (c.nothing_read)
        out += " Every read returned 0 bytes (end of file): nothing was read, so the verdicts only say the call "
               "returned at once.";
    if (!c.direct_served_buffered.empty())
        out += fmt::format(" O_DIRECT {} went through the page cache.", ops_phrase(c.direct_served_buffered));
    if (c.direct_misaligned)
        out += fmt::format(" {} serves O_DIRECT requests not aligned to {} bytes ({}) through the page cache; these "
                           "were {} bytes.",
                           t.fstype, c.direct_misaligned->alignment, c.direct_misaligned->source, c.request_size);
    if (c.unmeasured)
        out += fmt::format(" {} case{} not measured (see the table).", c.unmeasured, c.unmeasured == 1 ? " was" : "s were");
    return out;
}

std::string bottom_line_text(const model::BottomLine& b)
{
    if (!b.measured_anything)
        return b.failed_targets ? "Nothing was measured: every target failed (see above)." : "Nothing was measured.";
    std::vector<std::string> parts;
    if (!b.never_blocked.empty())
        parts.push_back(fmt::format("{} never blocked the caller", engines_phrase(b.never_blocked)));
    std::vector<std::string> engines;
    for (const auto& x : b.blocked)
        if (std::find(engines.begin(), engines.end(), x.engine) == engines.end())
            engines.push_back(x.engine);
    for (const auto& e : engines) {
        std::vector<std::string> where;
        for (const auto& x : b.blocked) {
            if (x.engine != e)
                continue;
            const std::string place = x.fstype.empty() || x.fstype == x.target ? x.target
                                                                                 : x.target + " (" + x.fstype + ")";
            where.push_back(fmt::format("on {}: {}", place, mode_ops_phrase(x.ops)));
        }
        parts.push_back(fmt::format("{} blocked {}", engine_display(e), fmt::join(where, "; ")));
    }
    std::string out = fmt::format("{}.", fmt::join(parts, "; "));
    if (b.unmeasured_cases || b.failed_targets) {
        std::vector<std::string> misses;
        if (b.failed_targets)
            misses.push_back(fmt::format("{} target{}", b.failed_targets, b.failed_targets == 1 ? "" : "s"));
        if (b.unmeasured_cases)
            misses.push_back(fmt::format("{} case{}", b.unmeasured_cases, b.unmeasured_cases == 1 ? "" : "s"));
        out += fmt::format(" Not measured: {} (see above).", join_words(misses));
    }
    return out;
}

std::string wrap_hanging(const std::string& first, const std::string& text, std::size_t width)
{
    const std::string indent(display_width(first), ' ');
    std::string out = wrap(text, width, indent);
    if (out.size() >= indent.size())
        out.replace(0, indent.size(), first);
    return out;
}

std::string wrap(const std::string& text, std::size_t width, const std::string& indent)
{
    std::string out;
    std::string line = indent;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find(' ', pos);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(pos, end - pos);
        pos = end + 1;
        if (word.empty())
            continue;
        if (line.size() > indent.size() && display_width(line) + 1 + display_width(word) > width) {
            out += line + "\n";
            line = indent;
        }
        if (line.size() > indent.size())
            line += ' ';
        line += word;
    }
    if (line.size() > indent.size())
        out += line + "\n";
    return out;
}

}  // namespace aio::report
