// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "command.h"
#include "matrix/fs_catalog.h"
#include "matrix/matrix_runner.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "output.h"
#include "probe/prober.h"
#include "report/html_matrix.h"
#include "report/json_header.h"
#include "report/matrix_report.h"
#include "stop_signals.h"

namespace aio::cli {
namespace {

struct MatrixCliOptions {
    std::vector<std::string> dirs;
    std::string fs;  // comma-separated; a string, not a vector (see probe.cpp)
    std::string engines;
    unsigned requests = 64;
    std::string scratch;
    unsigned timeout_ms = 5000;
    bool json = false;
    std::string output;
    std::string html;
    std::string compare;
    std::string load;
    bool list = false;
};

model::MatrixReport load_report(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw UsageError(path + ": cannot read: " + errno_text(errno));
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(path + ": not JSON: " + e.what());
    }
    try {
        return report::matrix_from_json(doc);
    } catch (const Error& e) {
        throw UsageError(path + ": " + e.what(), e.hint());
    }
}

int list_configurations(std::ostream& out)
{
    for (const auto& c : matrix::catalog()) {
        const auto why_not = matrix::unavailable_reason(c);
        out << fmt::format("{:<18} {:<7} {:<14} {}\n", c.id, c.fstype,
                           c.mount_options.empty() ? "defaults" : c.mount_options,
                           why_not.empty() ? "can be made here" : "not here: " + why_not);
    }
    return kExitOk;
}

int run_matrix_cli(const MatrixCliOptions& cli)
{
    if (cli.list) {
        ReportOutput out(cli.output);
        list_configurations(out.stream());
        out.finish();
        return kExitOk;
    }
    matrix::MatrixOptions opts;
    opts.only = split_list(cli.fs);
    matrix::check_selection(opts.only);
    opts.dirs = cli.dirs;
    if (!opts.dirs.empty() && !opts.only.empty())
        throw UsageError(
            "--fs selects file systems to make; directories are measured as they are: give one or "
            "the other");
    if (!cli.engines.empty()) {
        opts.engines.clear();
        for (const auto& e : split_list(cli.engines)) {
            auto k = probe::parse_engine(e);
            if (!k)
                throw UsageError("unknown engine '" + e + "' (libaio, io_uring, posix)");
            opts.engines.push_back(*k);
        }
    }
    opts.requests = cli.requests;
    opts.timeout = std::chrono::milliseconds(cli.timeout_ms);
    if (!cli.scratch.empty())
        opts.scratch_parent = cli.scratch;
    else if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp)
        opts.scratch_parent = tmp;

    // Read what is compared with before spending minutes measuring.
    std::optional<model::MatrixReport> before;
    if (!cli.compare.empty())
        before = load_report(cli.compare);

    ReportOutput out(cli.output);
    std::optional<ReportOutput> html;
    open_html(html, cli.html);
    model::MatrixReport report;
    if (!cli.load.empty()) {
        report = load_report(cli.load);
    } else {
        record_stop_signals({SIGINT, SIGTERM, SIGHUP});
        const bool show_progress = ::isatty(STDERR_FILENO);
        matrix::ProgressFn progress;
        if (show_progress)
            progress = [](const std::string& what) { std::cerr << "\r\033[K" << what << std::flush; };
        report = matrix::run_matrix(opts, progress);
        if (show_progress)
            std::cerr << "\r\033[K" << std::flush;
        const auto& info = run_info();
        report.kernel_release = info.kernel_release;
        report.machine = info.machine;
        report.host = info.host;
        report.started = report::rfc3339_utc(info.start);
    }

    std::optional<model::MatrixComparison> cmp;
    if (before)
        cmp = model::compare(*before, report);
    if (cli.json) {
        nlohmann::json doc = report::matrix_json(report);
        if (cmp)
            doc.update(report::comparison_json(*cmp));
        out.stream() << report::stamped(doc, run_info()).dump(2) << '\n';
    } else {
        report::render_matrix_markdown(out.stream(), report);
        if (cmp) {
            out.stream() << '\n';
            report::render_comparison_markdown(out.stream(), *cmp);
        }
    }
    out.finish();
    write_html(html, [&](std::ostream& os) {
        report::render_matrix_html(os, report, report::page_facts(run_info(), "aio-audit matrix"));
    });

    if (report.interrupted)
        return exit_for_signal(stop_signal_caught() ? stop_signal_caught() : SIGINT);
    bool partial = false;
    for (const auto& fs : report.file_systems) {
        // Asked for by name and not made, or made and failed.
        const bool asked = std::find(opts.only.begin(), opts.only.end(), fs.id) != opts.only.end();
        partial |= !fs.error.empty() || (asked && !fs.skipped.empty());
        for (const auto& s : fs.scenarios)
            for (const auto& c : s.cells)
                partial |= c.errors > 0;
    }
    return partial ? kExitPartial : kExitOk;
}

}  // namespace

void add_matrix(Command& program)
{
    auto opt = std::make_shared<MatrixCliOptions>();
    Command cmd = program.subcommand("matrix", "Make file systems on loop devices and tabulate which AIO "
                                               "patterns block on each (fsqual's scenarios)");
    cmd.option(
        "DIR", opt->dirs,
        "Measure the file systems these directories are on, as mounted, instead of making any (no root "
        "needed; temp files of our own only)");
    cmd.option("--fs", opt->fs,
               "Configurations to make, comma-separated (default: every one this machine can make; "
               "--list shows them)")
        .take_last();
    cmd.option("-e,--engine", opt->engines, "Engines: libaio, io_uring, posix (default: all)").take_last();
    cmd.option("-n,--requests", opt->requests,
               "Requests per cell (at least twice the scenario's depth are sent)")
        .capture_default_str()
        .range(1u, 100000u);
    cmd.option(
        "--scratch", opt->scratch,
        "Directory in which the scratch directory (images, mount points) is made (default: $TMPDIR, else "
        "/var/tmp)");
    cmd.option("--timeout", opt->timeout_ms, "Milliseconds to wait for a batch to complete")
        .capture_default_str()
        .range(1u, 3600000u);
    cmd.flag("--json", opt->json, "Machine-readable output (what --compare and --load read)");
    add_output_option(cmd, opt->output);
    add_html_option(cmd, opt->html);
    cmd.option("--compare", opt->compare,
               "A saved --json run (another kernel or machine): also show what changed since it");
    cmd.option("--load", opt->load, "Render (or --compare) a saved --json run instead of measuring");
    cmd.flag("--list", opt->list, "List the configurations and whether each can be made here, then exit");
    cmd.footer(
        footer("  sudo aio-audit matrix                       every file system this machine can make\n"
               "  sudo aio-audit matrix --fs ext4,xfs,btrfs,tmpfs --json -o $(uname -r).json\n"
               "  sudo aio-audit matrix --compare 6.1.json    what changed since that kernel\n"
               "  aio-audit matrix --load new.json --compare old.json   two saved runs, no root\n"
               "  aio-audit matrix /dev/shm /data             the file systems already there, no root\n") +
        "  matrix: 3 when not root (and no DIR given), 4 when a file system asked for by --fs could not\n"
        "  be made or a cell failed, 130 on SIGINT, 143 on SIGTERM (everything made is removed first).\n");
    cmd.run([opt] { return run_matrix_cli(*opt); });
}

}  // namespace aio::cli
