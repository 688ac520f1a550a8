// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "capabilities.h"
#include "collector/feature_probe.h"
#include "collector/trace_session.h"
#include "command.h"
#include "model/errors.h"
#include "model/exit_codes.h"
#include "model/trace_delta.h"
#include "output.h"
#include "report/file_rewrite.h"
#include "report/html_trace.h"
#include "report/json_header.h"
#include "report/trace_interval.h"
#include "report/trace_report.h"
#include "serve/metrics_exporter.h"
#include "stop_signals.h"
#include "traced_process.h"

namespace aio::cli {
namespace {

struct TraceCliOptions {
    int pid = 0;
    std::string comm;
    double duration = 0;
    double interval = 0;
    bool hist = false;
    bool stacks = false;
    std::string folded;
    bool json = false;
    std::string output;
    std::string html;
    std::string backend;
    std::string syscall_hooks;
    bool no_driver_hooks = false;
    bool no_posix = false;
    unsigned stack_storage = 8192;
    unsigned op_storage = 0;  // 0: sized for this machine
    unsigned sample = 1;
    std::string listen;  // --listen: serve /metrics (docs/fleet.md)
    std::size_t max_ops = 500;
    std::vector<std::string> drop_labels;
    std::vector<std::string> command;
};

// -o /dev/stdout (or /proc/self/fd/1) is standard output too.
bool is_standard_output(const ReportOutput& out, const std::string& path)
{
    if (out.is_stdout())
        return true;
    struct stat file {}, std_out {};
    return ::stat(path.c_str(), &file) == 0 && ::fstat(STDOUT_FILENO, &std_out) == 0 &&
           file.st_dev == std_out.st_dev && file.st_ino == std_out.st_ino;
}

// Prints reports as the trace goes: once at the end, or with -i each
// interval's difference from the last one and the total at the end.
class Printer {
public:
    Printer(std::ostream& os, const TraceCliOptions& opt, std::chrono::system_clock::time_point start)
        : os_(os), opt_(opt), start_(start), last_time_(start)
    {
    }

    void interval(const model::TraceReport& now, std::chrono::system_clock::time_point at)
    {
        const model::TraceInterval iv{model::TraceInterval::Kind::interval, ++index_, last_time_, at};
        write(model::delta(last_, now), iv);
        last_ = now;
        last_time_ = at;
    }
    void total(const model::TraceReport& now, std::chrono::system_clock::time_point at)
    {
        if (opt_.interval > 0) {
            // The last, partial interval, so the intervals add up to the total.
            interval(now, at);
            write(now, {model::TraceInterval::Kind::total, 0, start_, at});
        } else if (opt_.json) {
            os_ << report::stamped(report::trace_json(now), run_info()).dump(2) << '\n';
        } else {
            report::render_trace_text(os_, now, text_options());
        }
    }

private:
    report::TraceTextOptions text_options() const
    {
        return {.histograms = opt_.hist, .stacks = opt_.stacks, .stacks_per_op = 3};
    }
    void write(const model::TraceReport& r, const model::TraceInterval& iv)
    {
        if (opt_.json)
            os_ << report::trace_interval_json(r, iv, run_info()).dump(-1) << '\n';
        else
            report::render_trace_interval_text(os_, r, iv, text_options());
        os_.flush();  // each interval is read as it comes
    }

    std::ostream& os_;
    const TraceCliOptions& opt_;
    std::size_t index_ = 0;
    model::TraceReport last_;  // empty: the first interval is everything since the start
    std::chrono::system_clock::time_point start_;
    std::chrono::system_clock::time_point last_time_;
};

std::string signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal " + std::to_string(sig);
}

std::unique_ptr<serve::MetricsExporter> start_exporter(const TraceCliOptions& opt)
{
    serve::ExporterOptions eo;
    eo.listen = serve::parse_listen_address(opt.listen);
    eo.max_ops = opt.max_ops;
    for (const auto& l : opt.drop_labels)
        eo.dropped_labels |= report::parse_metrics_label(l);
    eo.context.version = AIO_AUDIT_VERSION;
    eo.context.kernel_release = run_info().kernel_release;
    eo.context.start_time_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto e = std::make_unique<serve::MetricsExporter>(eo);
    std::cerr << fmt::format("Serving metrics on http://{}/metrics\n", e->address());
    return e;
}

int run_trace(const TraceCliOptions& opt)
{
    if (!opt.folded.empty()) {
        struct stat st {};
        if (::stat(opt.folded.c_str(), &st) == 0)
            throw UsageError("--folded " + opt.folded + ": the file exists and aio-audit does not overwrite files",
                             "remove it or choose another name");
    }
    std::optional<model::Backend> forced;
    if (!opt.backend.empty())
        forced = model::parse_backend(opt.backend);
    // Before anything is loaded: a wrong PID is a one-line usage error.
    std::optional<WatchedProcess> watched;
    if (opt.pid)
        watched.emplace(static_cast<pid_t>(opt.pid));
    ReportOutput out(opt.output);
    std::optional<ReportOutput> html;
    open_html(html, opt.html);

    const auto [caps, plan] = plan_for_this_kernel(true, collector::kFeatureProbeKernelTarget, forced);
    if (!model::has(caps, "priv.bpf"))
        throw EnvironmentError("trace needs CAP_BPF and CAP_PERFMON (or root) to load BPF programs",
                               "run it with sudo; `aio-audit probe` needs no privileges");
    if (plan.backend == model::Backend::none)
        throw EnvironmentError("no trace backend can run: " + plan.why, "run `aio-audit doctor` to see why");

    std::unique_ptr<TracedCommand> child;
    if (!opt.command.empty())
        child = std::make_unique<TracedCommand>(opt.command, is_standard_output(out, opt.output));

    collector::TraceOptions topts;
    topts.plan = plan;
    topts.caps = caps;
    topts.tgid = child ? static_cast<std::uint32_t>(child->pid()) : static_cast<std::uint32_t>(opt.pid);
    topts.follow_children = static_cast<bool>(child);
    topts.comm = opt.comm;
    topts.stack_storage = opt.stack_storage;
    topts.op_storage = opt.op_storage;
    topts.sample_every = opt.sample;
    topts.driver_hooks = !opt.no_driver_hooks;
    topts.posix_uprobes = !opt.no_posix;
    if (!opt.syscall_hooks.empty())
        topts.syscall_hooks = model::parse_syscall_hooks(opt.syscall_hooks);
    // Bound before anything is loaded: a port in use is one line, at once.
    std::unique_ptr<serve::MetricsExporter> exporter;
    if (!opt.listen.empty())
        exporter = start_exporter(opt);
    collector::TraceSession session(topts);

    record_stop_signals({SIGINT, SIGTERM});

    if (!opt.json)
        std::cerr << fmt::format("Tracing with the {} backend{}... {}\n", model::name(plan.backend),
                                 topts.tgid ? fmt::format(" (pid {})", topts.tgid) : "",
                                 child ? "until the command exits" : "Ctrl-C to stop");
    int exec_error = 0;
    if (child && (exec_error = child->release()) != 0)
        std::cerr << fmt::format("aio-audit: error: cannot run '{}': {}\n", opt.command.front(),
                                 std::strerror(exec_error));

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto wall_start = std::chrono::system_clock::now();
    Printer printer(out.stream(), opt, wall_start);
    auto next_report = start + std::chrono::duration<double>(opt.interval);
    auto html_of = [](const model::TraceReport& r) {
        return [&r](std::ostream& os) {
            report::render_trace_html(os, r, report::page_facts(run_info(), "aio-audit trace"));
        };
    };
    // With -i, --html is rewritten each interval (FILE.tmp renamed over it).
    std::optional<report::FileRewriter> live_html;
    auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
    // A snapshot and the wall-clock time it stands for, from one reading of
    // the clock (reading the maps takes a while).
    auto take = [&] {
        const double s = elapsed();
        const auto at = wall_start + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                         std::chrono::duration<double>(s));
        return std::pair{session.snapshot(s), at};
    };
    while (!stop_signal_caught() && !exec_error) {
        session.poll(100);
        if (exporter && exporter->wanted())
            exporter->publish(take().first);
        if (opt.duration > 0 && elapsed() >= opt.duration)
            break;
        if (child && child->poll_exit())
            break;
        if (watched && watched->exited()) {
            std::cerr << fmt::format("aio-audit: process {} exited after {:.1f}s; the trace ends with it\n",
                                     opt.pid, elapsed());
            break;
        }
        if (opt.interval > 0 && clock::now() >= next_report) {
            const auto [now, at] = take();
            printer.interval(now, at);
            next_report += std::chrono::duration<double>(opt.interval);
            if (html && !live_html) {
                html->finish();  // the empty file made at the start; replaced by the first version
                live_html.emplace(opt.html);
            }
            if (live_html)
                if (const auto error = live_html->refresh(html_of(now)); !error.empty())
                    std::cerr << "aio-audit: warning: cannot update the HTML report: " << error << '\n';
        }
    }
    // The command lives as long as its trace: a signal that stopped the
    // trace is passed on to it; at the end of -d it gets SIGTERM.
    const int sig = stop_signal_caught();
    const bool child_ran_on = child && !exec_error && !child->poll_exit();
    if (child_ran_on) {
        child->signal(sig ? sig : SIGTERM);
        if (!sig)
            std::cerr << fmt::format("aio-audit: -d {} is over: sent SIGTERM to the traced command (pid {})\n",
                                     opt.duration, child->pid());
    }

    const auto [report, at] = take();
    printer.total(report, at);
    out.finish();
    if (live_html)
        live_html->finish(html_of(report));
    else
        write_html(html, html_of(report));
    if (!opt.folded.empty()) {
        std::ofstream folded(opt.folded);
        report::render_folded(folded, report);
        if (!folded)
            throw EnvironmentError("cannot write " + opt.folded + ": " + errno_text(errno));
    }
    if (child_ran_on && !child->wait_exit(5))
        std::cerr << fmt::format("aio-audit: the traced command (pid {}) ignored {} for 5s: killed\n",
                                 child->pid(), sig ? signal_name(sig) : "SIGTERM");

    if (sig)
        return exit_for_signal(sig);
    if (exec_error)
        return exec_error == ENOENT ? kExitCommandNotFound : kExitCommandNotExecutable;
    if (child && !child_ran_on && child->exit_code() != 0) {
        std::cerr << fmt::format("aio-audit: the traced command exited with status {}\n", child->exit_code());
        return child->exit_code();
    }
    return kExitOk;
}

}  // namespace

void add_trace(Command& program)
{
    auto opt = std::make_shared<TraceCliOptions>();
    Command cmd = program.subcommand(
        "trace", "Live eBPF audit: follow each AIO request from submission through the driver to its "
                 "completion, per driver op (needs root)");
    cmd.option("-p,--pid", opt->pid,
               "Trace only this process (and its threads); the trace ends when it exits")
        .positive();
    cmd.option("-c,--comm", opt->comm, "Trace only threads with this name");
    cmd.option("-d,--duration", opt->duration, "Stop after this many seconds").positive();
    cmd.option("-i,--interval", opt->interval,
               "Also print what happened in each INTERVAL seconds (counts, shares, histograms of that "
               "interval, under a timestamp), then the total at the end; with --json, JSON Lines; with --html, "
               "the HTML file is rewritten each interval with the totals so far")
        .positive();
    cmd.flag("--hist", opt->hist, "Add log2 histograms per op");
    cmd.flag("--stacks", opt->stacks, "Show the top kernel stacks where submitters slept");
    cmd.option("--folded", opt->folded, "Write off-CPU stacks in FlameGraph folded format to FILE");
    cmd.flag("--json", opt->json, "Machine-readable output");
    add_output_option(cmd, opt->output);
    add_html_option(cmd, opt->html);
    cmd.option("--backend", opt->backend, "Force a backend instead of the best that works")
        .one_of({"fentry", "kprobe", "tracepoint"});
    cmd.option("--syscall-hooks", opt->syscall_hooks,
               "How io_submit/io_getevents/io_uring_enter are hooked: fentry (on the syscall functions; "
               "the fentry backend's default), raw (tp_btf sys_enter/sys_exit; the default elsewhere where "
               "it loads) or event (one tracepoint per syscall)")
        .one_of({"fentry", "raw", "event"});
    cmd.flag("--no-driver-hooks", opt->no_driver_hooks,
             "Do not hook the return of each driver function seen (fentry/kprobe backends)");
    cmd.flag("--no-posix", opt->no_posix, "Do not put uprobes on glibc's POSIX AIO functions");
    cmd.option("--sample", opt->sample,
               "Follow 1 io_submit call in N in full (ops, verdicts, stacks) and only count the others, "
               "for less overhead on busy systems; the report says it sampled")
        .range(1u, 1u << 30);
    cmd.option("--stack-storage", opt->stack_storage,
               "Distinct kernel stacks (and op, stack pairs) the kernel keeps for sleeps in submission; "
               "sleeps beyond it are counted as lost")
        .range(1u, 1u << 20)
        .capture_default_str();
    cmd.option("--op-storage", opt->op_storage,
               "Distinct ops (driver function, file type, O_DIRECT or not, device) the kernel keeps "
               "statistics for; requests of ops beyond it are counted as lost (op_table_full). Default: "
               "1024, fewer where the table (~2.1 KB per op for each possible CPU) would pass 64 MiB")
        .range(1u, 1u << 16);
    cmd.option(
        "--listen", opt->listen,
        "[ADDR:]PORT: serve the running totals at http://ADDR:PORT/metrics for Prometheus (text "
        "format or OpenMetrics); ADDR defaults to 127.0.0.1, PORT 0 picks a free one. See docs/fleet.md");
    cmd.option("--max-ops", opt->max_ops,
               "With --listen: export at most N ops (the first seen); the rest are counted as dropped")
        .positive()
        .capture_default_str();
    cmd.option("--drop-labels", opt->drop_labels,
               "With --listen: leave these per-op labels out, adding up the ops that differ only in them "
               "(module, kind, file, mode, dev; dev takes dev_name with it)")
        .delimiter(',')
        .one_of({"module", "kind", "file", "mode", "dev"});
    cmd.option("command", opt->command,
               "COMMAND [ARGS...] after --: run it and trace it, its threads and the processes it forks; "
               "while the report goes to standard output, the command's standard output goes to standard "
               "error. It ends with the trace (at the end of -d: SIGTERM; SIGINT and SIGTERM are passed "
               "on) and is killed if aio-audit dies");
    cmd.footer(
        footer("  sudo aio-audit trace -d 10                 system-wide for 10 s\n"
               "  sudo aio-audit trace -p 1234 --stacks      one process, where it slept\n"
               "  sudo aio-audit trace --json -- fio job.fio trace a command from its first request\n"
               "  sudo aio-audit trace -i 1 --json | jq -c 'select(.kind == \"interval\") | .ops'\n"
               "  sudo aio-audit trace --folded out.folded -d 30 && flamegraph.pl out.folded\n"
               "  sudo aio-audit trace --listen 9435         a Prometheus exporter on localhost:9435\n") +
        "  trace: 3 when not privileged or no backend can run (see `aio-audit doctor`); 130 on SIGINT,\n"
        "  143 on SIGTERM (the report is still printed). With -- COMMAND, the command's own status when\n"
        "  it fails: its exit code, 128+N when killed by signal N, 127 not found, 126 not executable.\n"
        "  The backend is chosen at run time: fentry, else kprobe, else tracepoints; the report says\n"
        "  which one measured it and what it could not see.\n");
    cmd.validate([opt, cmd] {
        if (opt->pid && !opt->command.empty())
            throw UsageError("--pid: cannot be combined with a command");
        if (opt->listen.empty() && (!opt->drop_labels.empty() || cmd.given("--max-ops")))
            throw UsageError("--max-ops/--drop-labels: need --listen");
        if (!opt->listen.empty())
            serve::parse_listen_address(opt->listen);  // a usage error before anything runs
    });
    cmd.run([opt] { return run_trace(*opt); });
}

}  // namespace aio::cli
