// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <sstream>

#include "command.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "model/static_finding.h"
#include "output.h"
#include "report/check_report.h"
#include "report/file_rewrite.h"
#include "report/json_header.h"
#include "report/sarif_report.h"
#include "report/scan_report.h"
#include "scan/check.h"
#include "scan/diff.h"

namespace aio::cli {
namespace {

struct CheckOptions {
    std::string diff;       // a file, or "-" for standard input
    std::string git_range;  // A..B
    std::string tree;
    std::string fail_on = model::default_fail_on();
    std::vector<std::string> ignore;
    std::string format = "text";
    bool terse = false;
    bool allow_empty = false;
    std::string output;
    std::string summary_file;
    bool verbose = false;
    unsigned jobs = 0;
};

std::string read_diff(const std::string& where)
{
    std::string text;
    const int fd = where == "-" ? STDIN_FILENO : ::open(where.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    const std::string name = where == "-" ? "standard input" : "'" + where + "'";
    if (fd < 0)
        throw UsageError("cannot read the diff " + name + ": " + errno_text(errno));
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            if (fd != STDIN_FILENO)
                ::close(fd);
            throw UsageError("cannot read the diff " + name + ": " + errno_text(err));
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    if (fd != STDIN_FILENO)
        ::close(fd);
    return text;
}

// --summary-file appends, as $GITHUB_STEP_SUMMARY expects: the file is the
// job's, and other steps write to it too.
void append_summary(const std::string& path, const std::string& text)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0)
        throw UsageError("cannot write the summary to '" + path + "': " + errno_text(errno));
    if (int err = 0; !report::write_all(fd, text, err)) {
        ::close(fd);
        throw UsageError("cannot write the summary to '" + path + "': " + errno_text(err));
    }
    if (::close(fd) != 0)
        throw UsageError("cannot write the summary to '" + path + "': " + errno_text(errno));
}

int run_check(const CheckOptions& opt)
{
    if (opt.diff.empty() == opt.git_range.empty())
        throw UsageError("give exactly one of --diff FILE (or -) and --git-range A..B",
                         "e.g. git diff origin/main | aio-audit check --diff -");
    if (opt.terse && opt.format != "text")
        throw UsageError("--terse is a form of --format text", "drop --terse, or use --format text");
    scan::CheckSettings settings;
    settings.policy = scan::parse_fail_on(opt.fail_on);
    settings.ignore = scan::parse_ignore(opt.ignore);
    settings.base.jobs = opt.jobs;
    if (const std::string note = scan::jobs_note(opt.jobs); !note.empty())
        std::cerr << "aio-audit: note: " << note << '\n';
    ReportOutput out(opt.output);
    std::ostream& os = out.stream();

    std::string text;
    std::string tree = opt.tree.empty() ? "." : opt.tree;
    scan::GitRangeInput git;
    if (!opt.git_range.empty()) {
        git = scan::git_range_input(tree, opt.git_range);
        text = git.diff;
        tree = git.tree;
    } else {
        text = read_diff(opt.diff);
    }
    const scan::DiffTouches touches = scan::parse_unified_diff(text);
    const scan::CheckReport rep = scan::check_diff(touches, tree, settings);

    report::CheckOutcome outcome;
    outcome.c_files = rep.c_files.size();
    outcome.dirs_scanned = rep.dirs_scanned;
    outcome.fops_scanned = rep.fops_scanned;
    outcome.fops_touched = rep.fops.size();
    outcome.fail_on = opt.fail_on;
    outcome.empty = rep.empty();
    outcome.allow_empty = opt.allow_empty;
    outcome.failed = rep.failed();
    outcome.exit_code = scan::check_exit_code(rep, opt.allow_empty);

    if (opt.format == "sarif") {
        report::SarifRun run{AIO_AUDIT_VERSION, outcome.exit_code, !(rep.empty() && !opt.allow_empty), rep.warnings,
                             &run_info()};
        if (rep.empty())
            run.notifications.push_back("nothing was checked: the diff changes no .c or .h file");
        os << report::check_sarif(rep.findings, run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
           << '\n';
    } else if (opt.format == "github") {
        report::render_check_github(os, rep.findings, outcome);
    } else if (opt.format == "codeclimate") {
        os << report::check_codeclimate(rep.findings).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
           << '\n';
    } else if (opt.format == "json") {
        auto j = report::scan_json(rep.fops, model::summarize(rep.fops), rep.warnings);
        j.update(report::check_json(rep.findings, outcome, rep.c_files));
        os << report::stamped(j, run_info()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        if (opt.verbose)
            report::render_scan_text(os, rep.fops, true);
        if (opt.terse)
            report::render_check_terse(os, rep.findings, outcome);
        else
            report::render_check_text(os, rep.findings, outcome);
    }
    out.finish();
    if (!opt.summary_file.empty()) {
        std::ostringstream md;
        report::render_check_markdown(md, rep.findings, outcome);
        append_summary(opt.summary_file, md.str());
    }
    for (const auto& w : rep.warnings)
        std::cerr << "aio-audit: warning: " << w << '\n';
    if (rep.empty() && !opt.allow_empty)
        std::cerr << "aio-audit: error: nothing was checked: the diff changes no .c or .h file "
                     "(--allow-empty passes such a diff)\n";
    return outcome.exit_code;
}

}  // namespace

void add_check(Command& program)
{
    auto opt = std::make_shared<CheckOptions>();
    Command cmd =
        program.subcommand("check", "CI gate for driver patches: scan only the file_operations whose "
                                    "initializer or handler paths a diff touches");
    cmd.option("--diff", opt->diff, "A unified diff (git diff, git format-patch, diff -u); - for stdin")
        .type_name("FILE");
    cmd.option("--git-range", opt->git_range,
               "Check the commits A..B (or A...B) of the repository at --tree, reading B from git")
        .type_name("A..B");
    cmd.option("--tree", opt->tree, "The source tree the diff applies to, after the change (default: .)")
        .type_name("DIR");
    cmd.option("--fail-on", opt->fail_on,
               "Exit 1 when a finding matches: verdicts (fake-async, blocking, unknown, ...: that one and "
               "every more severe), rule names, 'contract', error|warning|note, or none")
        .capture_default_str()
        .type_name("LIST");
    cmd.option("--ignore", opt->ignore,
               "Leave out findings of these rules (comma-separated, repeatable); see docs/rules.md")
        .type_name("RULE")
        .take_all();
    cmd.option("--format", opt->format,
               "text (checkpatch style), github (Actions annotations), sarif (code scanning), "
               "codeclimate (GitLab Code Quality), json")
        .one_of({"text", "github", "sarif", "codeclimate", "json"})
        .capture_default_str();
    cmd.flag("--terse", opt->terse, "One line per finding (path:line: LEVEL:TYPE: message)");
    cmd.flag("--allow-empty", opt->allow_empty,
             "Pass a diff that changes no .c or .h file (by default that is exit 2: nothing was checked)");
    add_output_option(cmd, opt->output);
    cmd.option("--summary-file", opt->summary_file,
               "Also append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)")
        .type_name("FILE");
    cmd.flag("-v,--verbose", opt->verbose, "Also print the touched fops with their evidence chains");
    cmd.option("-j,--jobs", opt->jobs, "Worker threads (default and 0: one per core; at most 4 per core)");
    cmd.footer(
        footer(
            "  git diff origin/main | aio-audit check --diff -\n"
            "  aio-audit check --git-range origin/main...HEAD --format github --summary-file "
            "\"$GITHUB_STEP_SUMMARY\"\n"
            "  aio-audit check --diff 0001-usb-gadget.patch --tree ~/linux --fail-on blocking,contract\n"
            "  aio-audit check --git-range v6.1..HEAD --format sarif -o check.sarif\n"
            "  aio-audit check --git-range \"$BASE...HEAD\" --format codeclimate -o gl-code-quality.json\n") +
        "  check: 0 clean, 1 a finding matches --fail-on, 2 usage or input error (also: nothing was "
        "checked).\n"
        "  Suppress a finding in the source: /* aio-audit: ignore no-cancel */ on the fops's line or the "
        "line\n"
        "  before it. Rules and their rationale: docs/rules.md.\n");
    cmd.run([opt] { return run_check(*opt); });
}

}  // namespace aio::cli
