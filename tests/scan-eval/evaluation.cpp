// SPDX-License-Identifier: GPL-2.0-only
#include "evaluation.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace aio::scan_eval {
namespace {

using nlohmann::json;

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

std::string need_string(const json& obj, const char* key, const std::string& where)
{
    if (!obj.contains(key) || !obj[key].is_string() || obj[key].get<std::string>().empty())
        throw std::runtime_error(where + ": missing or empty \"" + key + "\"");
    return obj[key].get<std::string>();
}

Expectation parse_expectation_fields(const json& obj, const std::string& where, bool is_accept)
{
    Expectation x;
    if (obj.is_string()) {  // accept shorthand: a verdict, any condition
        x.verdict = obj.get<std::string>();
        x.compare_condition = false;
        return x;
    }
    if (!obj.is_object())
        throw std::runtime_error(where + ": expected an object");
    x.verdict = need_string(obj, "verdict", where);
    if (is_accept && !obj.contains("condition"))
        x.compare_condition = false;
    else
        x.condition = parse_condition(obj.value("condition", json()));
    if (obj.contains("otherwise") && obj["otherwise"].is_string())
        x.otherwise = obj["otherwise"].get<std::string>();
    return x;
}

const std::set<std::string> verdicts = {"async", "odirect-async", "sync",        "blocking",
                                        "fake-async", "thread-async", "unsupported", "unknown"};

void check_vocabulary(const Expectation& x, const std::string& where)
{
    if (!verdicts.count(x.verdict))
        throw std::runtime_error(where + ": unknown verdict \"" + x.verdict + "\"");
    if (x.otherwise && !verdicts.count(*x.otherwise))
        throw std::runtime_error(where + ": unknown verdict \"" + *x.otherwise + "\" in otherwise");
    static const std::regex condition(R"(o_direct|(mount|protocol):[A-Za-z0-9_.=,-]+|config:CONFIG_[A-Z0-9_]+)");
    for (const auto& c : x.condition)
        if (!std::regex_match(c, condition))
            throw std::runtime_error(where + ": condition \"" + c + "\" is not in the vocabulary");
}

Expectation parse_expectation(const json& obj, const std::string& where, bool is_accept)
{
    Expectation x = parse_expectation_fields(obj, where, is_accept);
    check_vocabulary(x, where);
    return x;
}

bool matches(const Expectation& x, const Observed& o)
{
    if (x.verdict != o.verdict)
        return false;
    if (x.compare_condition && x.condition != o.condition)
        return false;
    if (x.otherwise && o.otherwise != x.otherwise)
        return false;
    return true;
}

std::string join(const std::vector<std::string>& parts, const char* sep)
{
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : sep) + p;
    return out;
}

std::string key_of(const std::string& file, const std::string& name)
{
    return file + '\t' + name;
}

std::string shorten(std::string s, std::size_t max)
{
    if (s.size() > max)
        s = s.substr(0, max - 3) + "...";
    return s;
}

std::string pad(const std::string& s, std::size_t width)
{
    return s.size() >= width ? s + ' ' : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::vector<std::string> parse_condition(const json& value)
{
    std::vector<std::string> parts;
    if (!value.is_string())
        return parts;
    std::stringstream in(value.get<std::string>());
    std::string part;
    while (std::getline(in, part, '+'))
        if (auto t = trim(part); !t.empty())
            parts.push_back(t);
    std::sort(parts.begin(), parts.end());
    parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
    return parts;
}

EvaluationSet parse_evaluation(const json& doc)
{
    if (!doc.is_object() || !doc.contains("entries") || !doc["entries"].is_array())
        throw std::runtime_error("not an evaluation set: no \"entries\" array");
    EvaluationSet set;
    set.tree = doc.value("tree", "");
    set.tree_version = doc.value("tree_version", "");
    if (doc.contains("forbidden_findings"))
        set.forbidden_findings = doc["forbidden_findings"].get<std::vector<std::string>>();
    std::set<std::string> seen;
    int index = 0;
    for (const auto& j : doc["entries"]) {
        const std::string where = "entry " + std::to_string(index++);
        Entry e;
        e.file = need_string(j, "file", where);
        e.name = need_string(j, "name", where);
        const std::string here = e.file + " " + e.name;
        if (!seen.insert(key_of(e.file, e.name)).second)
            throw std::runtime_error(here + ": listed twice");
        e.kind = j.value("struct", "file_operations");
        e.expected = parse_expectation(j, here, false);
        if (j.contains("accept")) {
            if (!j["accept"].is_array())
                throw std::runtime_error(here + ": \"accept\" must be an array");
            for (const auto& a : j["accept"])
                e.accept.push_back(parse_expectation(a, here + " accept", true));
        }
        if (j.contains("relay")) {
            if (j["relay"].is_boolean())
                e.relay = j["relay"].get<bool>() ? "kiocb" : "";
            else if (j["relay"].is_string())
                e.relay = j["relay"].get<std::string>();
        }
        if (j.contains("handlers")) {
            if (!j["handlers"].is_object())
                throw std::runtime_error(here + ": \"handlers\" must be an object");
            for (const auto& [op, h] : j["handlers"].items())
                e.handlers[op] = parse_expectation(h, here + " " + op, false);
        }
        if (j.contains("no_findings"))
            e.no_findings = j["no_findings"].get<std::vector<std::string>>();
        e.why = j.value("why", "");
        if (j.contains("evidence")) {
            for (const auto& ev : j["evidence"]) {
                Evidence x;
                x.file = need_string(ev, "file", here + " evidence");
                if (!ev.contains("line") || !ev["line"].is_number_integer() || ev["line"].get<int>() < 1)
                    throw std::runtime_error(here + " evidence " + x.file + ": bad \"line\"");
                x.line = ev["line"].get<int>();
                x.match = ev.value("match", "");
                x.what = ev.value("what", "");
                e.evidence.push_back(std::move(x));
            }
        }
        set.entries.push_back(std::move(e));
    }
    return set;
}

const char* status_name(Status s)
{
    switch (s) {
    case Status::ok:
        return "OK";
    case Status::accepted:
        return "ACCEPTED";
    case Status::wrong:
        return "WRONG";
    case Status::missing:
        return "MISSING";
    }
    return "?";
}

std::map<std::string, json> index_scan(const json& scan)
{
    std::map<std::string, json> index;
    // proc_ops may come in their own array or among the file_operations.
    for (const char* list : {"file_operations", "proc_ops"}) {
        if (!scan.contains(list) || !scan[list].is_array())
            continue;
        for (const auto& o : scan[list]) {
            if (!o.is_object() || !o.contains("file") || !o.contains("name"))
                continue;
            index.emplace(key_of(o["file"].get<std::string>(), o["name"].get<std::string>()), o);
        }
    }
    return index;
}

Observed observe(const json& o)
{
    Observed got;
    got.verdict = o.value("verdict", "");
    got.condition = parse_condition(o.value("condition", json()));
    if (o.contains("otherwise") && o["otherwise"].is_string())
        got.otherwise = o["otherwise"].get<std::string>();
    got.reason = o.value("reason", "");
    got.line = o.value("line", 0);
    auto truthy = [](const json& x, const char* key) {
        return x.contains(key) && !x[key].is_null() && x[key] != false;
    };
    auto add_findings = [&](const json& x) {
        if (!x.contains("findings") || !x["findings"].is_array())
            return;
        for (const auto& f : x["findings"]) {
            if (f.is_string())
                got.findings.push_back(f.get<std::string>());
            else if (f.is_object() && f.contains("kind"))
                got.findings.push_back(f["kind"].get<std::string>());
        }
    };
    add_findings(o);
    got.forwards = truthy(o, "relay");
    if (o.contains("facts") && o["facts"].is_object())
        got.forwards = got.forwards || o["facts"].value("forwards", false);
    if (o.contains("handlers") && o["handlers"].is_array())
        for (const auto& h : o["handlers"]) {
            add_findings(h);
            got.forwards = got.forwards || truthy(h, "relay");
            if (h.contains("facts") && h["facts"].is_object())
                got.forwards = got.forwards || h["facts"].value("forwards", false);
        }
    return got;
}

Judgement judge(const Entry& e, const std::map<std::string, json>& scan)
{
    Judgement j;
    j.entry = &e;
    const auto it = scan.find(key_of(e.file, e.name));
    if (it == scan.end()) {
        j.status = Status::missing;
        j.note = "not in the scan";
        return j;
    }
    j.got = observe(it->second);
    const Observed& got = *j.got;
    if (matches(e.expected, got)) {
        j.status = Status::ok;
    } else if (e.relay == "kiocb" && got.verdict == "unknown" && got.forwards) {
        j.status = Status::ok;
        j.note = "relay: lower file unknown statically";
    } else {
        j.status = Status::wrong;
        for (const auto& a : e.accept)
            if (matches(a, got)) {
                j.status = Status::accepted;
                j.note = "accepted: " + describe(a);
                break;
            }
    }
    if (j.status == Status::wrong)
        return j;
    for (const auto& kind : e.no_findings)
        if (std::find(got.findings.begin(), got.findings.end(), kind) != got.findings.end()) {
            j.status = Status::wrong;
            j.note = "false " + kind + " finding";
            return j;
        }
    // Per-handler expectations, when the entry has them.
    for (const auto& [op, want] : e.handlers) {
        const json* found = nullptr;
        if (it->second.contains("handlers") && it->second["handlers"].is_array())
            for (const auto& h : it->second["handlers"])
                if (h.value("op", "") == op) {
                    found = &h;
                    break;
                }
        if (!found) {
            j.status = Status::wrong;
            j.note = op + ": no such handler in the scan";
            return j;
        }
        const Observed h = observe(*found);
        if (!matches(want, h)) {
            j.status = Status::wrong;
            j.note = op + ": expected " + describe(want) + ", got " + describe(h);
            return j;
        }
    }
    return j;
}

std::vector<std::string> forbidden_hits(const EvaluationSet& set, const json& scan)
{
    std::vector<std::string> hits;
    if (set.forbidden_findings.empty())
        return hits;
    for (const auto& [key, object] : index_scan(scan)) {
        const Observed o = observe(object);
        for (const auto& kind : set.forbidden_findings)
            if (std::find(o.findings.begin(), o.findings.end(), kind) != o.findings.end()) {
                std::string where = key;
                where[where.find('\t')] = ' ';
                hits.push_back(where + ": " + kind);
            }
    }
    return hits;
}

std::string describe(const Expectation& x)
{
    std::string s = x.verdict;
    if (!x.compare_condition)
        s += " (any condition)";
    else if (!x.condition.empty())
        s += " if " + join(x.condition, "+");
    if (x.otherwise)
        s += ", else " + *x.otherwise;
    return s;
}

std::string describe(const Observed& o)
{
    std::string s = o.verdict.empty() ? "(no verdict)" : o.verdict;
    if (!o.condition.empty())
        s += " if " + join(o.condition, "+");
    if (o.otherwise)
        s += ", else " + *o.otherwise;
    if (o.forwards && o.verdict == "unknown")
        s += " (forwards)";
    return s;
}

std::vector<StaleEvidence> check_evidence(const EvaluationSet& set, const std::string& tree_dir)
{
    std::map<std::string, std::vector<std::string>> cache;
    auto lines_of = [&](const std::string& file) -> const std::vector<std::string>& {
        auto [it, fresh] = cache.try_emplace(file);
        if (fresh) {
            std::ifstream in(tree_dir + "/" + file);
            for (std::string line; std::getline(in, line);)
                it->second.push_back(line);
        }
        return it->second;
    };
    std::vector<StaleEvidence> stale;
    for (const auto& e : set.entries)
        for (const auto& ev : e.evidence) {
            const auto& lines = lines_of(ev.file);
            if (ev.line > static_cast<int>(lines.size())) {
                stale.push_back({&e, ev, {}});
                continue;
            }
            const std::string& actual = lines[static_cast<std::size_t>(ev.line - 1)];
            if (!ev.match.empty() && actual.find(ev.match) == std::string::npos)
                stale.push_back({&e, ev, trim(actual)});
        }
    return stale;
}

std::string tree_version(const std::string& tree_dir)
{
    std::ifstream in(tree_dir + "/Makefile");
    std::map<std::string, std::string> v;
    const std::regex assign(R"(^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\S+)\s*$)");
    std::smatch m;
    for (std::string line; std::getline(in, line) && v.size() < 3;)
        if (std::regex_match(line, m, assign))
            v[m[1]] = m[2];
    if (v.size() < 3)
        return {};
    return v["VERSION"] + "." + v["PATCHLEVEL"] + "." + v["SUBLEVEL"];
}

Totals tally(const std::vector<Judgement>& judgements)
{
    Totals t;
    for (const auto& j : judgements) {
        switch (j.status) {
        case Status::ok:
            ++t.ok;
            break;
        case Status::accepted:
            ++t.accepted;
            break;
        case Status::wrong:
            ++t.wrong;
            break;
        case Status::missing:
            ++t.missing;
            break;
        }
        const std::string got = j.got ? j.got->verdict : "missing";
        ++t.confusion[j.entry->expected.verdict][got];
    }
    return t;
}

std::string render(const std::vector<Judgement>& judgements, const Totals& totals)
{
    std::ostringstream out;
    std::size_t w_entry = 5, w_expected = 8;
    for (const auto& j : judgements) {
        w_entry = std::max(w_entry, std::min<std::size_t>(j.entry->file.size() + 1 + j.entry->name.size(), 72));
        w_expected = std::max(w_expected, std::min<std::size_t>(describe(j.entry->expected).size(), 48));
    }
    out << pad("STATUS", 9) << pad("ENTRY", w_entry + 1) << pad("EXPECTED", w_expected + 1) << "GOT\n";
    for (const auto& j : judgements) {
        out << pad(status_name(j.status), 9)
            << pad(shorten(j.entry->file + " " + j.entry->name, 72), w_entry + 1)
            << pad(shorten(describe(j.entry->expected), 48), w_expected + 1)
            << (j.got ? describe(*j.got) : std::string("-"));
        if (!j.note.empty() && j.status != Status::wrong)
            out << "  [" << j.note << "]";
        out << '\n';
    }
    const int n = static_cast<int>(judgements.size());
    out << "\ntotal: " << n << " entries: " << totals.ok << " OK, " << totals.accepted << " ACCEPTED, "
        << totals.wrong << " WRONG, " << totals.missing << " MISSING\n";

    // Confusion summary: rows expected, columns what the scan said.
    std::set<std::string> columns;
    for (const auto& [_, row] : totals.confusion)
        for (const auto& [got, __] : row)
            columns.insert(got);
    out << "\nconfusion (rows: expected verdict, columns: scan verdict)\n" << pad("", 15);
    for (const auto& c : columns)
        out << pad(c, std::max<std::size_t>(c.size(), 4) + 1);
    out << '\n';
    for (const auto& [expected, row] : totals.confusion) {
        out << pad(expected, 15);
        for (const auto& c : columns) {
            const auto it = row.find(c);
            out << pad(it == row.end() ? "." : std::to_string(it->second), std::max<std::size_t>(c.size(), 4) + 1);
        }
        out << '\n';
    }

    bool header = false;
    for (const auto& j : judgements) {
        if (j.status != Status::wrong && j.status != Status::missing)
            continue;
        if (!header) {
            out << "\nfailures (expected vs got, the evaluation's evidence, the scanner's reason):\n";
            header = true;
        }
        const Entry& e = *j.entry;
        out << status_name(j.status) << ' ' << e.file;
        if (j.got && j.got->line > 0)
            out << ':' << j.got->line;
        out << ' ' << e.name << ": expected " << describe(e.expected) << ", got "
            << (j.got ? describe(*j.got) : std::string("nothing"));
        if (!j.note.empty())
            out << " (" << j.note << ")";
        std::string ev;
        for (std::size_t i = 0; i < e.evidence.size() && i < 4; ++i)
            ev += (i ? "; " : "") + e.evidence[i].file + ":" + std::to_string(e.evidence[i].line) + " " +
                  e.evidence[i].what;
        if (!ev.empty())
            out << " | evidence: " << ev;
        if (j.got && !j.got->reason.empty())
            out << " | scanner: " << shorten(j.got->reason, 200);
        out << '\n';
    }
    return out.str();
}

}  // namespace aio::scan_eval
