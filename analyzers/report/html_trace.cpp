// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_trace.h"

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_facts_table.h"
#include "report/html_histogram.h"
#include "report/html_share_bar.h"

namespace aio::report {
namespace {

std::string dev_key(const model::TraceOp& op)
{
    return fmt::format("{}:{}", op.dev_major, op.dev_minor);
}

bool belongs(const model::TraceStack& st, const model::TraceOp& op)
{
    return st.op == op.display() && st.dev == dev_key(op) && st.api == op.api;
}

// The same cut as render_folded's: the function name without offset or module.
std::string frame_name(std::string f)
{
    if (const auto plus = f.find('+'); plus != std::string::npos)
        f.erase(plus);
    if (const auto sp = f.find(' '); sp != std::string::npos)
        f.erase(sp);
    return f;
}

std::string quantiles(const model::Log2Hist& h)
{
    if (h.count() == 0)
        return {};
    return fmt::format("p50 ≤ {}, p99 ≤ {}", format_ns(h.quantile_upper_bound(0.5)),
                       format_ns(h.quantile_upper_bound(0.99)));
}

std::string op_title(const model::TraceOp& op)
{
    return fmt::format("{} — {} {} {}, device {}", op.display(), model::name(op.api), model::name(op.file),
                       op.direct ? "direct" : "buffered",
                       op.dev_name.empty() ? dev_key(op) : op.dev_name + " (" + dev_key(op) + ")");
}

void render_op(std::ostream& out, const model::TraceReport& r, const model::TraceOp& op, std::size_t i)
{
    const std::string title = op_title(op);
    out << "<section class=\"card op\" data-op=\"" << i << "\">\n<h3>" << html_escape(title);
    if (op.tally.total())
        out << " — <span class=\"headline\">" << html_escape(format_shares(op.tally))
            << (op.ambiguous ? " (inline?)" : "") << "</span>";
    out << "</h3>\n";
    const std::string attr = fmt::format("data-op=\"{}\"", i);
    render_share_bar(out, verdict_segments(op.tally), "verdicts", attr);
    out << "<div class=\"grid\">\n";
    render_log2_overlay(out,
                        {{"submission", "submit", &op.submit, quantiles(op.submit)},
                         {"completion", "complete", &op.complete, quantiles(op.complete)}},
                        "submission and completion latency of " + op.display());
    const std::uint64_t judged = op.tally.total() >= op.refused ? op.tally.total() - op.refused : 0;
    std::string returned = op.driver_returned_unseen.empty() ? "" : "not observed: " + op.driver_returned_unseen;
    if (op.driver_returned)
        returned = fmt::format("-EIOCBQUEUED {}, bytes {}, error {}", op.driver_returned->queued,
                               op.driver_returned->bytes, op.driver_returned->error);
    FactRows rows{
        {"requests", std::to_string(op.requests)},
        {"submitting calls", std::to_string(op.syscalls)},
        {"inline (completed before submission returned)",
         count_share(op.completed_in_call + op.completed_in_syscall, judged)},
        {"deferred (completed after submission returned)", count_share(op.completed_after, judged)},
        {"slept in submission", count_share(op.slept_in_submission, judged)},
        {"submitting calls that slept", count_share(op.syscalls_slept, op.syscalls)},
        {"waited for the device without sleeping", op.waited_for_device ? count_share(op.waited_for_device, judged) : ""},
        {"ready at return, context not seen (inline?)", op.ambiguous ? count_share(op.ambiguous, judged) : ""},
        {"punted to a worker thread", op.punted ? count_share(op.punted, judged) : ""},
        {"refused", op.refused ? std::to_string(op.refused) : ""},
        {"errors", op.errors ? std::to_string(op.errors) : ""},
        {"the driver function returned", returned},
    };
    out << "<div>";
    render_fact_rows(out, rows);
    std::vector<ShareSegment> ctx;
    int colour = 0;
    for (const auto& [c, n] : op.contexts)
        ctx.push_back({std::string(model::name(c)), fmt::format("c-{}", colour++ % 7), n});
    out << "<h4>completed in</h4>\n";
    if (ctx.empty())
        out << "<p class=\"muted\">no completion context recorded</p>\n";
    else
        render_share_bar(out, ctx, "contexts", attr);
    out << "</div>\n</div>\n";
    const auto stacks = op_flame_stacks(r, op);
    out << "<h4>where submitters slept</h4>\n";
    if (stacks.empty())
        out << "<p class=\"muted\">no off-CPU stacks for this op</p>\n";
    else
        render_flame(out, flame_layout(stacks), "off-CPU flame graph of " + op.display(), attr);
    out << "</section>\n";
}

}  // namespace

std::vector<WeightedStack> op_flame_stacks(const model::TraceReport& r, const model::TraceOp& op)
{
    std::vector<WeightedStack> out;
    for (const auto& st : r.stacks) {
        if (!belongs(st, op))
            continue;
        WeightedStack w{{op.display()}, st.offcpu_ns};
        for (auto it = st.frames.rbegin(); it != st.frames.rend(); ++it)
            w.frames.push_back(frame_name(*it));
        out.push_back(std::move(w));
    }
    return out;
}

void render_trace_html(std::ostream& out, const model::TraceReport& r, PageFacts facts)
{
    facts.backend = fmt::format("trace, {} backend ({})", model::name(r.backend), r.backend_why);
    facts.unseen = r.unseen;
    facts.extra.emplace_back("traced", fmt::format("{:.1f}s, {}", r.duration_s,
                                                   r.tgid ? fmt::format("pid {}", r.tgid)
                                                          : r.comm.empty() ? std::string("system-wide")
                                                                           : "comm " + r.comm));
    facts.extra.emplace_back("syscalls hooked with", std::string(model::describe(r.syscall_hooks)));
    std::string lost;
    for (const auto& [k, n] : r.lost)
        if (n)
            lost += fmt::format("{}{} {}", lost.empty() ? "" : ", ", k, n);
    facts.extra.emplace_back("lost events", lost.empty() ? "none" : lost);
    if (r.unfinished)
        facts.extra.emplace_back("unfinished requests", std::to_string(r.unfinished));
    page_begin(out, facts);
    for (const auto& n : r.notes)
        out << "<p class=\"muted\">" << html_escape(n) << "</p>\n";
    if (r.ops.empty())
        out << "<p>No asynchronous I/O requests seen (io_submit, io_uring reads/writes, glibc aio_*).</p>\n";
    for (std::size_t i = 0; i < r.ops.size(); ++i)
        render_op(out, r, r.ops[i], i);
    page_end(out);
}

}  // namespace aio::report
