// SPDX-License-Identifier: GPL-2.0-only
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "command.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "output.h"
#include "report/json_header.h"
#include "report/scan_report.h"
#include "scan/check.h"
#include "scan/diff.h"

namespace aio::cli {
namespace {

struct CheckOptions {
    std::string diff;       // a file, or "-" for standard input
    std::string git_range;  // A..B
    std::string tree;
    std::string fail_on = std::string(scan::kDefaultFailOn);
    std::string format = "text";
    std::string output;
    bool verbose = false;
    unsigned jobs = 0;
};

std::string read_diff(const std::string& where)
{
    if (where == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(where, std::ios::binary);
    if (!in)
        throw UsageError("cannot read the diff '" + where + "'");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int run_check(const CheckOptions& opt)
{
    if (opt.diff.empty() == opt.git_range.empty())
        throw UsageError("give exactly one of --diff FILE (or -) and --git-range A..B",
                         "e.g. git diff origin/main | aio-audit check --diff -");
    const scan::FailPolicy policy = scan::parse_fail_on(opt.fail_on);
    ReportOutput out(opt.output);
    std::ostream& os = out.stream();

    std::string text;
    std::string tree = opt.tree.empty() ? "." : opt.tree;
    scan::GitRangeInput git;
    if (!opt.git_range.empty()) {
        git = scan::git_range_input(tree, opt.git_range);
        text = git.diff;
        tree = git.tree;
        for (const auto& w : git.warnings)
            std::cerr << "aio-audit: warning: " << w << '\n';
    } else {
        text = read_diff(opt.diff);
    }
    const scan::DiffTouches touches = scan::parse_unified_diff(text);

    scan::ScanOptions base;
    base.jobs = opt.jobs;
    const scan::CheckReport rep = scan::check_diff(touches, tree, policy, base);

    if (opt.format == "sarif") {
        os << report::check_sarif(rep.findings, {AIO_AUDIT_VERSION})
                         .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << '\n';
    } else if (opt.format == "github") {
        report::render_check_github(os, rep.findings);
    } else if (opt.format == "json") {
        auto j = report::scan_json(rep.fops, model::summarize(rep.fops), rep.warnings);
        j["findings"] = nlohmann::json::array();
        for (const auto& f : rep.findings)
            j["findings"].push_back({{"severity", model::name(f.severity)},
                                     {"rule", f.rule},
                                     {"fops", f.fops},
                                     {"file", f.at.file},
                                     {"line", f.at.line},
                                     {"patch_line", f.patch_line},
                                     {"message", f.message},
                                     {"fails", f.fails}});
        j["failed"] = rep.failed();
        os << report::stamped(j, run_info()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        if (opt.verbose)
            report::render_scan_text(os, rep.fops, true);
        report::render_check_text(os, rep.findings, rep.fops.size());
    }
    out.finish();
    for (const auto& w : rep.warnings)
        std::cerr << "aio-audit: warning: " << w << '\n';
    return rep.failed() ? kExitFindings : kExitOk;
}

}  // namespace

void add_check(CLI::App& app, Runner& run)
{
    auto opt = std::make_shared<CheckOptions>();
    auto* cmd = app.add_subcommand("check", "CI gate for driver patches: scan only the file_operations whose "
                                            "initializer or handler paths a diff touches");
    cmd->add_option("--diff", opt->diff, "A unified diff (git diff, git format-patch, diff -u); - for stdin")
        ->type_name("FILE");
    cmd->add_option("--git-range", opt->git_range, "Check the commits A..B of the repository at --tree")
        ->type_name("A..B");
    cmd->add_option("--tree", opt->tree, "The source tree the diff applies to, after the change (default: .)")
        ->type_name("DIR");
    cmd->add_option(
           "--fail-on", opt->fail_on,
           "Exit 1 when a finding is at or above: verdicts (fake-async, blocking, unknown, ...: that one "
           "and every more severe), contract kinds, 'contract', error|warning|note, or none")
        ->capture_default_str()
        ->type_name("LIST");
    cmd->add_option("--format", opt->format,
                    "text (checkpatch style), github (Actions annotations), sarif, json")
        ->check(CLI::IsMember({"text", "github", "sarif", "json"}))
        ->capture_default_str();
    add_output_option(cmd, opt->output);
    cmd->add_flag("-v,--verbose", opt->verbose, "Also print the touched fops with their evidence chains");
    cmd->add_option("-j,--jobs", opt->jobs, "Worker threads (default: one per core)");
    cmd->footer(
        footer("  git diff origin/main | aio-audit check --diff -\n"
               "  aio-audit check --git-range origin/main..HEAD --format github\n"
               "  aio-audit check --diff 0001-usb-gadget.patch --tree ~/linux --fail-on blocking,contract\n"
               "  aio-audit check --git-range v6.1..HEAD --format sarif > check.sarif\n") +
        "  check: 0 clean, 1 a finding at or above --fail-on, 2 usage or input error.\n");
    cmd->callback([opt, &run] { run = [opt] { return run_check(*opt); }; });
}

}  // namespace aio::cli
