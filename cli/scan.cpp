// SPDX-License-Identifier: GPL-2.0-only
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "command.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "model/static_verdict.h"
#include "output.h"
#include "report/html_scan.h"
#include "report/json_header.h"
#include "report/sarif_report.h"
#include "report/scan_report.h"
#include "scan/scanner.h"

namespace aio::cli {
namespace {

struct ScanOptions {
    std::vector<std::string> paths;
    bool json = false;
    bool sarif = false;
    std::string output;
    std::string html;
    bool verbose = false;
    bool follow_symlinks = false;
    bool no_summary = false;
    unsigned jobs = 0;
    std::string only;
};

std::vector<model::Verdict> parse_only(const std::string& text)
{
    std::vector<model::Verdict> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto comma = text.find(',', pos);
        const std::string item =
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!item.empty()) {
            auto v = model::parse_verdict(item);
            if (!v)
                throw UsageError(
                    "--only: unknown verdict '" + item + "'",
                    "one of async, odirect-async, sync, blocking, fake-async, unsupported, unknown");
            out.push_back(*v);
        }
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

int run_scan(const ScanOptions& opt)
{
    if (opt.json && opt.sarif)
        throw UsageError("--json and --sarif are exclusive");
    scan::ScanOptions so;
    for (const auto& p : opt.paths)
        so.roots.push_back(scan::root_from_argument(p));
    so.follow_symlinks = opt.follow_symlinks;
    so.jobs = opt.jobs;
    if (const std::string note = scan::jobs_note(opt.jobs); !note.empty())
        std::cerr << "aio-audit: note: " << note << '\n';
    const std::vector<model::Verdict> only = parse_only(opt.only);
    ReportOutput out(opt.output);
    std::optional<ReportOutput> html;
    open_html(html, opt.html);

    // Progress only for a person watching: stderr is a terminal and the
    // scan has run for a second.
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    const auto start = std::chrono::steady_clock::now();
    bool shown = false;
    if (tty)
        so.progress = [&](std::uint64_t files, std::uint64_t fops) {
            if (std::chrono::steady_clock::now() - start < std::chrono::seconds(1))
                return;
            std::cerr << "\rscanning: " << files << " C files, " << fops << " file_operations" << std::flush;
            shown = true;
        };
    scan::ScanResult res = scan::run_scan(so);
    if (shown)
        std::cerr << "\r\033[K" << std::flush;

    std::vector<model::FopsReport> shown_fops;
    for (auto& f : res.fops)
        if (only.empty() || std::find(only.begin(), only.end(), f.verdict) != only.end())
            shown_fops.push_back(f);
    const model::StaticSummary summary = model::summarize(res.fops);
    // Unreadable files inside the roots: the report covers the rest, and the
    // exit code says it is incomplete.
    const int code = res.unreadable > 0 ? kExitPartial : kExitOk;

    if (opt.json) {
        auto j = report::scan_json(shown_fops, summary, res.warnings);
        j["summary"]["c_files"] = res.stats.files;
        j["summary"]["c_files_parsed"] = res.stats.candidates;
        j["summary"]["unreadable"] = res.unreadable;
        out.stream() << report::stamped(j, run_info()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                     << '\n';
    } else if (opt.sarif) {
        const report::SarifRun run{AIO_AUDIT_VERSION, code, res.unreadable == 0, res.warnings, &run_info()};
        out.stream() << report::scan_sarif(shown_fops, run).dump(2, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace)
                     << '\n';
    } else {
        report::render_scan_text(out.stream(), shown_fops, opt.verbose);
        if (!opt.no_summary)
            report::render_scan_summary(out.stream(), summary);
    }
    out.finish();
    write_html(html, [&](std::ostream& os) {
        report::render_scan_html(os, shown_fops, summary, res.warnings, report::page_facts(run_info(), "aio-audit scan"));
    });
    if (!opt.json)
        for (const auto& w : res.warnings)
            std::cerr << "aio-audit: warning: " << w << '\n';
    if (res.unreadable > 0)
        std::cerr << "aio-audit: warning: " << res.unreadable
                  << " file(s) or directories could not be read: the report is incomplete (exit 4)\n";
    return code;
}

}  // namespace

void add_scan(Command& program)
{
    auto opt = std::make_shared<ScanOptions>();
    Command cmd = program.subcommand(
        "scan",
        "Static verdicts for every struct file_operations and proc_ops in C source: async, fake-async, "
        "blocking, sync, odirect-async, unsupported or unknown, with the condition they hold under "
        "(O_DIRECT only, a negotiated protocol feature), the evidence (file:line), what may sleep, what the "
        "scan could not see, and AIO contract findings");
    cmd.option("paths", opt->paths,
               "Directories or .c/.h files to scan (each directory is walked). Calls are followed into "
               "everything given: scan a whole kernel tree for callees in mm/, fs/, net/, lib/")
        .required()
        .type_name("PATH...");
    cmd.flag("--json", opt->json, "Machine-readable output: every fops, its handlers, facts and evidence");
    cmd.flag("--sarif", opt->sarif, "SARIF 2.1.0 for code-scanning tools (findings only)");
    add_output_option(cmd, opt->output);
    add_html_option(cmd, opt->html);
    cmd.flag("-v,--verbose", opt->verbose, "Show each handler's evidence chain under its fops");
    cmd.option("--only", opt->only, "Print only these verdicts (comma-separated); the summary counts all")
        .type_name("VERDICTS");
    cmd.flag("--follow-symlinks", opt->follow_symlinks,
             "Follow symlinks that leave the given paths (loops are detected and skipped)");
    cmd.flag("--no-summary", opt->no_summary, "Leave out the summary line");
    cmd.option("-j,--jobs", opt->jobs, "Worker threads (default and 0: one per core; at most 4 per core)");
    cmd.footer(footer("  aio-audit scan .                           every fops of a kernel tree\n"
                      "  aio-audit scan -v --only async,odirect-async .  with each handler's evidence\n"
                      "  aio-audit scan --only fake-async,unknown .  what needs a closer look\n"
                      "  aio-audit scan --sarif drivers > scan.sarif\n") +
               "  scan: 0 when it ran (findings do not change it; see `check`), 2 for a path that does not\n"
               "  exist or cannot be read, 4 when files inside the paths could not be read (each is named;\n"
               "  the report covers the rest).\n");
    cmd.run([opt] { return run_scan(*opt); });
}

}  // namespace aio::cli
