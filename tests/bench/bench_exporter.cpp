// SPDX-License-Identifier: GPL-2.0-only
//
// scripts/bench-exporter.sh: what one scrape of `trace --listen` costs the
// exporter with N ops, without the kernel: synthetic running totals (every
// histogram filled, every verdict and context present, the worst case for
// the exposition's size) go through the exporter's fold and cap and the
// renderer, in both formats. Prints one line per format:
//   FORMAT ops=N bytes=B lines=L median_ms=M p90_ms=P cpu_median_ms=C
// (cpu: the thread's CPU time, which a machine shared with other work
// inflates less than the wall-clock time).
//
//   bench_exporter [OPS] [ROUNDS]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "report/openmetrics.h"
#include "serve/exported_ops.h"

namespace {

double thread_cpu_ms()
{
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

aio::model::TraceReport synthetic(std::size_t n)
{
    using namespace aio::model;
    TraceReport r;
    r.backend = Backend::tracepoint;
    r.duration_s = 86400;
    r.lost = {{"sleep_table_full", 0}, {"stacks_not_captured", 3}, {"op_table_full", 0},
              {"requests_table_full", 0}, {"program_runs_missed", 0}};
    for (std::size_t i = 0; i < n; ++i) {
        TraceOp op;
        op.op = {fmt::format("driver{}_file_read_iter", i % 97), i % 3 ? "" : "some_module", OpKind::read_iter};
        op.api = static_cast<Api>(i % 3);
        op.file = FileKind::regular;
        op.direct = i % 2;
        op.dev_major = 259;
        op.dev_minor = static_cast<std::uint32_t>(i);
        op.dev_name = fmt::format("nvme{}n1", i);
        op.requests = 1000000 + i;
        op.syscalls = op.requests;
        op.completed_after = op.requests / 2;
        op.completed_in_syscall = op.requests / 2;
        op.slept_in_submission = i;
        op.contexts = {{CompletionContext::other_task, 1000}, {CompletionContext::hardirq, 10}};
        op.driver_returned = TraceOp::DriverReturns{100, 10, 1};
        for (const auto v : {Verdict::async, Verdict::sync, Verdict::blocking})
            op.tally.add(v, 1000 + i);
        for (std::size_t s = 8; s < 36; ++s) {
            op.submit.add_slot(s, s * 11 + i);
            op.call.add_slot(s, s * 7 + i);
            op.complete.add_slot(s, s * 5 + i);
            op.offcpu.add_slot(s, s + i);
        }
        r.ops.push_back(std::move(op));
    }
    return r;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 50;
    const auto snapshot = synthetic(n);
    aio::serve::ExportedOps exported(n, 0);
    for (const auto format : {aio::report::MetricsFormat::prometheus_text, aio::report::MetricsFormat::openmetrics}) {
        std::vector<double> ms, cpu;
        std::size_t bytes = 0, lines = 0;
        for (int i = 0; i < rounds; ++i) {
            // What the exporter does per scrape: fold and cap the snapshot
            // (the session's thread), render it (the scrape's).
            const auto t0 = std::chrono::steady_clock::now();
            const double c0 = thread_cpu_ms();
            const auto r = exported.apply(snapshot);
            aio::report::MetricsContext ctx;
            ctx.version = "bench";
            ctx.max_ops = n;
            // As the server does: one buffer per thread, kept between scrapes.
            static std::string out;
            out.clear();
            aio::report::render_metrics(out, r, ctx, format);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            cpu.push_back(thread_cpu_ms() - c0);
            bytes = out.size();
            lines = static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
        }
        std::sort(ms.begin(), ms.end());
        std::sort(cpu.begin(), cpu.end());
        std::printf("%s ops=%zu bytes=%zu lines=%zu median_ms=%.2f p90_ms=%.2f cpu_median_ms=%.2f\n",
                    format == aio::report::MetricsFormat::openmetrics ? "openmetrics" : "prometheus_text", n, bytes,
                    lines, ms[ms.size() / 2], ms[ms.size() * 9 / 10], cpu[cpu.size() / 2]);
    }
    return 0;
}
