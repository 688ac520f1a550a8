// SPDX-License-Identifier: GPL-2.0-only
//
// scan-eval: runs `aio-audit scan --json` over a kernel tree (or reads a saved
// result) and judges it against a hand-checked evaluation set. Prints a table
// (entry, expected, got, OK/ACCEPTED/WRONG/MISSING), totals, a confusion
// summary and one line per failure. Exit 0: all right; 1: a WRONG or MISSING
// entry, or evidence that does not match a tree of the recorded version;
// 2: usage or input error.
#include "evaluation.h"
#include "subprocess.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace aio::scan_eval;

namespace {

int fail_input(const std::string& message)
{
    std::cerr << "scan-eval: " << message << '\n';
    return 2;
}

std::optional<json> read_json(const std::string& path, std::string& error)
{
    std::ifstream in(path);
    if (!in) {
        error = path + ": cannot read";
        return std::nullopt;
    }
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded()) {
        error = path + ": not valid JSON";
        return std::nullopt;
    }
    return doc;
}

// The directories the entries live in (fs/nfs, block, ...), for --scope entries.
std::vector<std::string> entry_dirs(const EvaluationSet& set, const std::string& tree)
{
    std::set<std::string> dirs;
    for (const auto& e : set.entries) {
        const std::string d = fs::path(e.file).parent_path().string();
        if (fs::is_directory(fs::path(tree) / d))
            dirs.insert(d);
    }
    return {dirs.begin(), dirs.end()};
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Judge `aio-audit scan --json` on a kernel tree against a hand-checked evaluation set."};
    std::string expect_path, tree, aio_audit = AIO_AUDIT_BIN, scan_json, save_scan, scope = "tree";
    int jobs = 0;
    app.add_option("evaluation", expect_path, "evaluation set (tests/scan-eval/linux-*.json)")->required();
    app.add_option("--tree", tree, "the kernel tree the set was read from (scanned, and evidence lines checked)");
    app.add_option("--aio-audit", aio_audit, "the aio-audit binary to run")->capture_default_str();
    app.add_option("--scan-json", scan_json, "judge this saved `scan --json` output instead of running a scan");
    app.add_option("--save-scan", save_scan, "also write the scan's JSON to this file");
    app.add_option("--scope", scope, "what to scan: the whole tree, or only the entries' directories")
        ->check(CLI::IsMember({"tree", "entries"}))
        ->capture_default_str();
    app.add_option("-j", jobs, "passed to aio-audit scan -j (0: its default)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    if (tree.empty() && scan_json.empty())
        return fail_input("give --tree DIR (to scan it) or --scan-json FILE");

    std::string error;
    const auto doc = read_json(expect_path, error);
    if (!doc)
        return fail_input(error);
    EvaluationSet set;
    try {
        set = parse_evaluation(*doc);
    } catch (const std::exception& e) {
        return fail_input(expect_path + ": " + e.what());
    }

    json scan;
    if (!scan_json.empty()) {
        const auto s = read_json(scan_json, error);
        if (!s)
            return fail_input(error);
        scan = *s;
        std::cout << "scan: read from " << scan_json << '\n';
    } else {
        if (!fs::is_directory(tree))
            return fail_input(tree + ": not a directory");
        std::vector<std::string> cmd{aio_audit, "scan", "--json"};
        if (jobs > 0)
            cmd.insert(cmd.end(), {"-j", std::to_string(jobs)});
        // Paths in the scan are relative to where it runs: the tree's top.
        const std::vector<std::string> paths = scope == "tree" ? std::vector<std::string>{"."} : entry_dirs(set, tree);
        cmd.insert(cmd.end(), paths.begin(), paths.end());
        const fs::path here = fs::current_path();
        fs::current_path(tree);
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = aio::test::run(cmd);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fs::current_path(here);
        if (r.exit_code != 0)
            return fail_input("aio-audit scan exited with " + std::to_string(r.exit_code) + ": " +
                              r.err.substr(0, 500));
        scan = json::parse(r.out, nullptr, false);
        if (scan.is_discarded())
            return fail_input("aio-audit scan --json printed something that is not JSON");
        std::printf("scan: %s scan --json over %s (%zu paths) in %.1f s\n", aio_audit.c_str(),
                    scope == "tree" ? "the whole tree" : "the entries' directories", paths.size(), secs);
        if (!save_scan.empty())
            std::ofstream(save_scan) << r.out;
    }

    std::cout << "evaluation: " << expect_path << ", " << set.entries.size() << " entries, " << set.tree << ' '
              << set.tree_version << "\n\n";
    const auto index = index_scan(scan);
    std::vector<Judgement> judgements;
    for (const auto& e : set.entries)
        judgements.push_back(judge(e, index));
    const Totals totals = tally(judgements);
    std::cout << render(judgements, totals);

    int rc = (totals.wrong || totals.missing) ? 1 : 0;
    if (!set.forbidden_findings.empty()) {
        const auto hits = forbidden_hits(set, scan);
        std::cout << "\nforbidden findings (";
        for (std::size_t i = 0; i < set.forbidden_findings.size(); ++i)
            std::cout << (i ? ", " : "") << set.forbidden_findings[i];
        std::cout << ") anywhere in the scan: " << hits.size() << '\n';
        for (const auto& h : hits)
            std::cout << "  FORBIDDEN " << h << '\n';
        if (!hits.empty())
            rc = 1;
    }
    if (!tree.empty()) {
        const std::string version = tree_version(tree);
        const auto stale = check_evidence(set, tree);
        const bool same = !version.empty() && version == set.tree_version;
        if (!stale.empty()) {
            std::cout << "\nevidence lines that do not match the tree (" << (version.empty() ? "unknown" : version)
                      << (same ? ", the recorded version: the evaluation is wrong" : ", not the recorded " +
                                                                                        set.tree_version + ": re-check by hand")
                      << "):\n";
            for (const auto& s : stale)
                std::cout << "  " << s.entry->name << ": " << s.evidence.file << ':' << s.evidence.line << " should contain '"
                          << s.evidence.match << "', has '" << s.actual << "'\n";
            if (same)
                rc = 1;
        } else {
            std::cout << "\nevidence: every line matches the tree (" << version << ")\n";
        }
    }
    return rc;
}
