// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
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
#include "output.h"
#include "report/json_header.h"
#include "report/trace_report.h"

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
    std::string backend;
    std::string syscall_hooks;
    bool no_driver_hooks = false;
    bool no_posix = false;
    unsigned ringbuf_kb = 256;
    std::vector<std::string> command;
};

std::atomic<bool> stop{false};

void on_signal(int)
{
    stop.store(true);
}

// A child that execs COMMAND once the parent says the probes are attached,
// so its first request is already traced.
struct Child {
    pid_t pid = -1;
    int go_fd = -1;
    int status = 0;
    bool exited = false;

    explicit Child(const std::vector<std::string>& argv)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            throw EnvironmentError("pipe: " + errno_text(errno));
        pid = ::fork();
        if (pid < 0)
            throw EnvironmentError("fork: " + errno_text(errno));
        if (pid == 0) {
            ::close(fds[1]);
            char c;
            if (::read(fds[0], &c, 1) != 1)
                ::_exit(127);  // the parent gave up before tracing started
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            std::fprintf(stderr, "aio-audit: error: cannot run '%s': %s\n", args[0], std::strerror(errno));
            ::_exit(127);
        }
        ::close(fds[0]);
        go_fd = fds[1];
    }
    void release()
    {
        if (go_fd >= 0) {
            (void)!::write(go_fd, "g", 1);
            ::close(go_fd);
            go_fd = -1;
        }
    }
    bool poll_exit()
    {
        if (!exited && ::waitpid(pid, &status, WNOHANG) == pid)
            exited = true;
        return exited;
    }
    ~Child()
    {
        if (go_fd >= 0)
            ::close(go_fd);  // the child sees EOF and exits without running COMMAND
        if (pid > 0 && !exited)
            ::waitpid(pid, &status, 0);
    }
};

void print(std::ostream& os, const model::TraceReport& r, const TraceCliOptions& opt)
{
    if (opt.json)
        os << report::stamped(report::trace_json(r), run_info()).dump(opt.interval > 0 ? -1 : 2) << std::endl;
    else
        report::render_trace_text(os, r, {.histograms = opt.hist, .stacks = opt.stacks, .stacks_per_op = 3});
    os.flush();  // -i: each report is read as it comes
}

int run_trace(const TraceCliOptions& opt)
{
    if (!opt.folded.empty()) {
        struct stat st {};
        if (::stat(opt.folded.c_str(), &st) == 0)
            throw UsageError("--folded " + opt.folded + ": the file exists and aio-audit does not overwrite files",
                             "remove it or choose another name");
    }
    if (opt.ringbuf_kb < 4 || (opt.ringbuf_kb & (opt.ringbuf_kb - 1)))
        throw UsageError("--ringbuf-kb must be a power of two, at least 4");
    std::optional<model::Backend> forced;
    if (!opt.backend.empty())
        forced = model::parse_backend(opt.backend);
    ReportOutput out(opt.output);

    const auto [caps, plan] = plan_for_this_kernel(true, collector::kFeatureProbeKernelTarget, forced);
    if (!model::has(caps, "priv.bpf"))
        throw EnvironmentError("trace needs CAP_BPF and CAP_PERFMON (or root) to load BPF programs",
                               "run it with sudo; `aio-audit probe` needs no privileges");
    if (plan.backend == model::Backend::none)
        throw EnvironmentError("no trace backend can run: " + plan.why, "run `aio-audit doctor` to see why");

    std::unique_ptr<Child> child;
    if (!opt.command.empty())
        child = std::make_unique<Child>(opt.command);

    collector::TraceOptions topts;
    topts.plan = plan;
    topts.caps = caps;
    topts.tgid = child ? static_cast<std::uint32_t>(child->pid) : static_cast<std::uint32_t>(opt.pid);
    topts.follow_children = static_cast<bool>(child);
    topts.comm = opt.comm;
    topts.stacks = true;
    topts.ringbuf_bytes = opt.ringbuf_kb * 1024;
    topts.driver_hooks = !opt.no_driver_hooks;
    topts.posix_uprobes = !opt.no_posix;
    if (!opt.syscall_hooks.empty())
        topts.syscall_hooks = model::parse_syscall_hooks(opt.syscall_hooks);
    collector::TraceSession session(topts);

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    if (!opt.json)
        std::cerr << fmt::format("Tracing with the {} backend{}... {}\n", model::name(plan.backend),
                                 topts.tgid ? fmt::format(" (pid {})", topts.tgid) : "",
                                 child ? "until the command exits" : "Ctrl-C to stop");
    if (child)
        child->release();

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto next_report = start + std::chrono::duration<double>(opt.interval);
    auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
    while (!stop.load()) {
        session.poll(100);
        if (opt.duration > 0 && elapsed() >= opt.duration)
            break;
        if (child && child->poll_exit())
            break;
        if (opt.interval > 0 && clock::now() >= next_report) {
            print(out.stream(), session.snapshot(elapsed()), opt);
            next_report += std::chrono::duration<double>(opt.interval);
        }
    }

    const model::TraceReport report = session.snapshot(elapsed());
    print(out.stream(), report, opt);
    out.finish();
    if (!opt.folded.empty()) {
        std::ofstream folded(opt.folded);
        report::render_folded(folded, report);
        if (!folded)
            throw EnvironmentError("cannot write " + opt.folded + ": " + errno_text(errno));
    }
    if (child && child->exited && (!WIFEXITED(child->status) || WEXITSTATUS(child->status) != 0))
        std::cerr << fmt::format("aio-audit: the traced command exited with status {}\n",
                                 WIFEXITED(child->status) ? WEXITSTATUS(child->status)
                                                          : 128 + WTERMSIG(child->status));
    return kExitOk;
}

}  // namespace

void add_trace(CLI::App& app, Runner& run)
{
    auto opt = std::make_shared<TraceCliOptions>();
    auto* cmd = app.add_subcommand(
        "trace", "Live eBPF audit: follow each AIO request from submission through the driver to its "
                 "completion, per driver op (needs root)");
    cmd->add_option("-p,--pid", opt->pid, "Trace only this process (and its threads)")->check(CLI::PositiveNumber);
    cmd->add_option("-c,--comm", opt->comm, "Trace only threads with this name");
    cmd->add_option("-d,--duration", opt->duration, "Stop after this many seconds")->check(CLI::PositiveNumber);
    cmd->add_option("-i,--interval", opt->interval, "Also print the (cumulative) report every INTERVAL seconds")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--hist", opt->hist, "Add log2 histograms per op");
    cmd->add_flag("--stacks", opt->stacks, "Show the top kernel stacks where submitters slept");
    cmd->add_option("--folded", opt->folded, "Write off-CPU stacks in FlameGraph folded format to FILE");
    cmd->add_flag("--json", opt->json, "Machine-readable output");
    add_output_option(cmd, opt->output);
    cmd->add_option("--backend", opt->backend, "Force a backend instead of the best that works")
        ->check(CLI::IsMember({"fentry", "kprobe", "tracepoint"}));
    cmd->add_option("--syscall-hooks", opt->syscall_hooks,
                    "How io_submit/io_getevents/io_uring_enter are hooked: fentry (on the syscall functions; "
                    "the fentry backend's default), raw (tp_btf sys_enter/sys_exit; the default elsewhere where "
                    "it loads) or event (one tracepoint per syscall)")
        ->check(CLI::IsMember({"fentry", "raw", "event"}));
    cmd->add_flag("--no-driver-hooks", opt->no_driver_hooks,
                  "Do not hook the return of each driver function seen (fentry/kprobe backends)");
    cmd->add_flag("--no-posix", opt->no_posix, "Do not put uprobes on glibc's POSIX AIO functions");
    cmd->add_option("--ringbuf-kb", opt->ringbuf_kb, "Ring buffer for sleep samples, KiB (power of two)")
        ->capture_default_str();
    cmd->add_option("command", opt->command,
                    "COMMAND [ARGS...] after --: run it and trace it, its threads and the processes it forks");
    cmd->footer(footer("  sudo aio-audit trace -d 10                 system-wide for 10 s\n"
                       "  sudo aio-audit trace -p 1234 --stacks      one process, where it slept\n"
                       "  sudo aio-audit trace --json -- fio job.fio trace a command from its first request\n"
                       "  sudo aio-audit trace --folded out.folded -d 30 && flamegraph.pl out.folded\n") +
                "  trace: 3 when not privileged or no backend can run (see `aio-audit doctor`).\n"
                "  The backend is chosen at run time: fentry, else kprobe, else tracepoints; the report says\n"
                "  which one measured it and what it could not see.\n");
    cmd->callback([opt, &run] {
        if (opt->pid && !opt->command.empty())
            throw CLI::ValidationError("--pid", "cannot be combined with a command");
        run = [opt] { return run_trace(*opt); };
    });
}

}  // namespace aio::cli
