// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "command.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "model/probe_rules.h"
#include "output.h"
#include "probe/prober.h"
#include "report/html_probe.h"
#include "report/json_header.h"
#include "report/probe_report.h"
#include "stop_signals.h"

namespace aio::cli {
namespace {

struct ProbeCliOptions {
    std::vector<std::string> targets;
    // Comma-separated lists; an option given twice adds to the list
    // ("-o append -o fill" runs both). Strings joined with ',' rather than
    // vectors: CLI11 2.1 lets a vector option swallow the TARGET that follows
    // it ("-o read /dev/zero").
    std::string engines;
    std::string ops;
    std::string modes;
    std::string expect;
    bool dsync = false;
    bool nowait = false;
    unsigned requests = 64;
    unsigned depth = 0;     // -q
    unsigned inflight = 0;  // --inflight
    std::uint64_t size = 4096;
    bool write = false;
    bool destructive = false;
    unsigned timeout_ms = 5000;
    bool hist = false;
    bool json = false;
    std::optional<double> tolerance;
    double threshold = model::kHeadlineThreshold;
    std::string output;
    std::string html;
};

template <typename T, typename Parse>
std::vector<T> parse_list(const std::string& text, Parse parse, std::string_view what)
{
    std::vector<T> out;
    for (const auto& w : split_list(text)) {
        auto v = parse(w);
        if (!v)
            throw UsageError(fmt::format("unknown {} '{}'", what, w));
        out.push_back(*v);
    }
    return out;
}

// Each name once, in the order first given.
template <typename T>
std::vector<T> unique(std::vector<T> v)
{
    std::vector<T> out;
    for (const T& x : v)
        if (std::find(out.begin(), out.end(), x) == out.end())
            out.push_back(x);
    return out;
}

std::vector<probe::Op> parse_ops(const std::string& text)
{
    std::vector<probe::Op> out;
    for (const auto& w : split_list(text)) {
        auto ops = probe::parse_op(w);
        if (!ops)
            throw UsageError(fmt::format("unknown operation '{}' (read, overwrite, append, fill-holes, "
                                         "fill-prealloc, fill = both fills, write)",
                                         w));
        out.insert(out.end(), ops->begin(), ops->end());
    }
    return unique(std::move(out));
}

std::optional<probe::Mode> parse_mode(std::string_view s)
{
    if (s == "buffered")
        return probe::Mode::buffered;
    if (s == "direct" || s == "odirect" || s == "O_DIRECT")
        return probe::Mode::direct;
    return std::nullopt;
}

int run_probe(const ProbeCliOptions& cli)
{
    probe::ProbeOptions opts;
    if (!cli.engines.empty())
        opts.engines = unique(parse_list<probe::EngineKind>(cli.engines, probe::parse_engine, "engine"));
    if (!cli.ops.empty())
        opts.ops = parse_ops(cli.ops);
    if (!cli.modes.empty())
        opts.modes = unique(parse_list<probe::Mode>(cli.modes, parse_mode, "mode"));
    const auto expect = unique(parse_list<model::Verdict>(cli.expect, model::parse_verdict, "verdict"));
    if (cli.tolerance && expect.empty())
        throw UsageError("--tolerance applies to --expect: give the verdicts you expect");
    const double tolerance = cli.tolerance.value_or(model::kExpectTolerance);
    if (cli.dsync)
        opts.variants.push_back(probe::Variant::dsync);
    if (cli.nowait)
        opts.variants.push_back(probe::Variant::nowait);
    if (cli.size == 0 || cli.size > (64u << 20))
        throw UsageError("--size must be between 1 byte and 64 MiB");
    opts.requests = cli.requests;
    if (cli.depth && cli.inflight)
        throw UsageError("-q (requests per submitting call) and --inflight (requests kept in flight) are two ways "
                         "of queueing: give one");
    opts.depth = cli.inflight ? cli.inflight : cli.depth ? cli.depth : 1;
    opts.depth_kind = cli.inflight ? probe::DepthKind::inflight : probe::DepthKind::batch;
    opts.size = static_cast<std::size_t>(cli.size);
    opts.write = cli.write;
    opts.destructive = cli.destructive;
    opts.timeout = std::chrono::milliseconds(cli.timeout_ms);

    ReportOutput out(cli.output);
    std::optional<ReportOutput> html;
    open_html(html, cli.html);
    std::vector<probe::TargetSpec> specs;
    if (cli.targets.empty())
        specs = probe::default_targets();
    for (const auto& t : cli.targets)
        specs.push_back({probe::target_label(t), t, false});

    record_stop_signals({SIGINT, SIGTERM});

    // Progress only where someone watches: a terminal on stderr.
    const bool show_progress = ::isatty(STDERR_FILENO) && !cli.json;
    probe::ProgressFn progress;
    if (show_progress)
        progress = [](const std::string& what) { std::cerr << "\r\033[K" << what << std::flush; };
    const model::ProbeReport report = probe::probe_all(specs, opts, progress);
    if (show_progress)
        std::cerr << "\r\033[K" << std::flush;

    if (model::nothing_to_do(report))
        throw UsageError(report::nothing_to_do_line(report));

    if (cli.json)
        out.stream() << report::stamped(report::probe_json(report, cli.threshold), run_info()).dump(2) << '\n';
    else
        report::render_probe_text(out.stream(), report, {.histograms = cli.hist, .threshold = cli.threshold});
    out.finish();
    write_html(html, [&](std::ostream& os) {
        report::render_probe_html(os, report, report::page_facts(run_info(), "aio-audit probe"), cli.threshold);
    });

    if (report.interrupted)
        return exit_for_signal(stop_signal_caught() ? stop_signal_caught() : SIGINT);
    bool partial = false;
    for (const auto& t : report.targets) {
        partial |= !t.error.empty();
        for (const auto& c : t.cases)
            partial |= c.errors > 0;
    }
    bool unmet = false;
    if (!expect.empty()) {
        const model::RunExpectation verdict = model::check_expectation(report, expect, tolerance);
        const std::string expected = fmt::format("{}", fmt::join(split_list(cli.expect), " or "));
        for (const auto& f : verdict.failures)
            std::cerr << "aio-audit: " << report::expect_failure_line(expected, f, tolerance, cli.threshold) << '\n';
        if (verdict.judged == 0)
            std::cerr << "aio-audit: --expect: no case was measured\n";
        unmet = !verdict.met();
    }
    if (unmet)
        return kExitFindings;
    return partial ? kExitPartial : kExitOk;
}

}  // namespace

void add_probe(Command& program)
{
    auto opt = std::make_shared<ProbeCliOptions>();
    Command cmd = program.subcommand(
        "probe", "Issue AIO (libaio, io_uring, POSIX AIO) against files and devices and classify each case");
    cmd.option("TARGET", opt->targets,
               "A directory (a temp file of our own is made there and removed), a regular file (read "
               "only), a block device (read only unless --destructive), a char device (reads; writes "
               "with --write), or a FIFO. Default: a temp file in ., tmpfs, /dev/zero, a FIFO");
    cmd.option("-e,--engine", opt->engines, "Engines: libaio, io_uring, posix (default: all)").join(',');
    cmd.option("-o,--op", opt->ops,
               "Operations: read, overwrite, append, fill-holes (into a sparse file's holes, as fsqual's "
               "fill), fill-prealloc (into fallocate'd space), fill (both fills), write (default: all the "
               "target allows)")
        .join(',');
    cmd.option("-m,--mode", opt->modes, "Modes: buffered, direct (default: both)").join(',');
    cmd.flag("--dsync", opt->dsync, "Also run every write with O_DSYNC");
    cmd.flag("--nowait", opt->nowait,
             "Also run every case with RWF_NOWAIT: the EAGAIN rate is reported, and each EAGAIN is retried "
             "at once without RWF_NOWAIT, as applications do, and classified (libaio, io_uring)");
    cmd.option("-n,--requests", opt->requests, "Requests per case").capture_default_str().range(1u, 1000000u);
    cmd.option("-q,--depth", opt->depth,
               "Batches: N requests per submitting call (one io_submit), the next batch when all completed "
               "(default 1)")
        .range(1u, 1024u);
    cmd.option("--inflight", opt->inflight,
               "Keep N requests in flight, submitting as many as completed each time (fsqual's and fio's "
               "iodepth)")
        .range(1u, 1024u);
    cmd.option("-s,--size", opt->size, "Bytes per request; k and m suffixes (4k, 1m)")
        .capture_default_str()
        .size_suffixes();
    cmd.flag("--write", opt->write, "Allow writes to char devices and to FIFOs aio-audit did not create");
    cmd.flag("--destructive", opt->destructive, "Allow writes to block devices: DESTROYS THEIR DATA");
    cmd.option("--timeout", opt->timeout_ms,
               "Milliseconds to wait for completions before cancelling what is in flight")
        .capture_default_str()
        .range(1u, 3600000u);
    cmd.flag("--hist", opt->hist, "Add log2 histograms of submission and completion latency");
    cmd.flag("--json", opt->json, "Machine-readable output");
    add_output_option(cmd, opt->output, false);  // -o is --op
    add_html_option(cmd, opt->html);
    cmd.option("--expect", opt->expect,
               "Exit 1 when, in some measured case, more than --tolerance of the requests got a verdict not "
               "listed here (async, sync, blocking, fake-async, thread-async, unsupported)")
        .join(',');
    cmd.option("--tolerance", opt->tolerance,
               "Share of a case's requests that may disagree with --expect (default 0.1: the headline "
               "threshold, so a verdict the headline names fails the check)")
        .range(0.0, 1.0);
    cmd.option("--threshold", opt->threshold,
               "Share of a case's requests at which its headline names a verdict (default 0.1, fsqual's "
               "BAD threshold of 0.1 context switches per I/O)")
        .capture_default_str()
        .range(0.0, 1.0);
    cmd.footer(footer("  aio-audit probe                          the built-in default targets\n"
                      "  aio-audit probe /mnt/xfs -m direct       O_DIRECT on that filesystem\n"
                      "  aio-audit probe /data -e libaio --dsync --nowait   fsqual-style write checks\n"
                      "  aio-audit probe /dev/nvme0n1 -o read -s 64k -q 8   device reads, batches of 8\n"
                      "  aio-audit probe /dev/shm -e libaio --expect sync --json\n"
                      "  aio-audit probe /mnt/ext4 -e libaio -m direct -o fill-holes -s 512 --inflight 1 \\\n"
                      "      --expect async --tolerance 0.1      fsqual's 512-byte fill, as a CI check\n") +
               "  probe: 1 when --expect is not met, 2 when no asked operation applies to any target,\n"
               "  4 when a target or case could not be measured, 130 on SIGINT, 143 on SIGTERM (what was\n"
               "  measured is still printed).\n");
    cmd.run([opt] { return run_probe(*opt); });
}

}  // namespace aio::cli
