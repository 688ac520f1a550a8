// SPDX-License-Identifier: GPL-2.0-only
#include "report/trace_report.h"

#include <map>

#include <fmt/format.h>

#include "report/format.h"
#include "report/histogram_text.h"
#include "report/table.h"

namespace aio::report {
namespace {

using model::TraceOp;

std::string pct(std::uint64_t part, std::uint64_t whole)
{
    return whole ? format_percent(static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

// A log2 histogram only bounds a percentile from above.
std::string upper(const model::Log2Hist& h, double q)
{
    return h.count() ? "≤" + format_ns(h.quantile_upper_bound(q)) : "-";
}

std::string dev(const TraceOp& op)
{
    return fmt::format("{}:{}", op.dev_major, op.dev_minor);
}

// "loop0 (7:0)", or "0:44" for a device without a name.
std::string dev_text(const TraceOp& op)
{
    return op.dev_name.empty() ? dev(op) : fmt::format("{} ({})", op.dev_name, dev(op));
}

std::uint64_t judged(const TraceOp& op)
{
    return op.tally.total() - op.refused;
}

std::string context_summary(const TraceOp& op)
{
    std::uint64_t total = 0;
    for (const auto& [ctx, n] : op.contexts)
        total += n;
    std::string out;
    auto name = [](model::CompletionContext c) -> std::string_view {
        switch (c) {
        case model::CompletionContext::submitter: return "submitter";
        case model::CompletionContext::hardirq: return "hardirq";
        case model::CompletionContext::softirq: return "softirq";
        case model::CompletionContext::other_task: return "task";
        case model::CompletionContext::helper_thread: return "helper";
        case model::CompletionContext::elsewhere: return "elsewhere";
        case model::CompletionContext::unknown: return "?";
        }
        return "?";
    };
    for (const auto& [ctx, n] : op.contexts) {
        if (!out.empty())
            out += " ";
        out += fmt::format("{} {}", name(ctx), pct(n, total));
    }
    return out.empty() ? "-" : out;
}

}  // namespace

void render_trace_text(std::ostream& out, const model::TraceReport& r, const TraceTextOptions& opts)
{
    out << fmt::format("Traced {:.1f}s with the {} backend ({}), {}.\n", r.duration_s, model::name(r.backend),
                       r.backend_why,
                       r.tgid ? fmt::format("pid {}", r.tgid)
                              : (r.comm.empty() ? std::string("system-wide") : "comm " + r.comm));
    out << fmt::format("Syscalls hooked with {}.\n", model::describe(r.syscall_hooks));
    if (r.sampling.every > 1)
        out << fmt::format("Sampled: 1 io_submit call in {} followed in full (the libaio rows and their stacks); "
                           "{} calls with {} iocbs in all.\n",
                           r.sampling.every, r.sampling.io_submit_calls, r.sampling.io_submit_iocbs);
    if (!r.unseen.empty()) {
        out << "This backend cannot see:\n";
        for (const auto& u : r.unseen)
            out << "  - " << u << '\n';
    }
    out << '\n';
    render_trace_body(out, r, opts);
}

void render_trace_body(std::ostream& out, const model::TraceReport& r, const TraceTextOptions& opts)
{
    if (r.ops.empty()) {
        out << "No asynchronous I/O requests seen (io_submit, io_uring reads/writes, glibc aio_*).\n";
    } else {
        // The driver's return value is a column where the backend can hook
        // drivers at all; WAITED where any request waited without sleeping.
        const bool any_ret = r.backend != model::Backend::tracepoint;
        bool any_ctx = false, any_waited = false, any_ambiguous = false;
        for (const auto& op : r.ops) {
            any_ctx |= !op.contexts.empty();
            any_waited |= op.waited_for_device > 0;
            any_ambiguous |= op.ambiguous > 0;
        }
        std::vector<Table::Column> cols{{"OP"},
                                        {"API"},
                                        {"FILE"},
                                        {"MODE"},
                                        {"DEV"},
                                        {"REQS", Table::Align::right},
                                        {"INLINE", Table::Align::right},
                                        {"SLEPT", Table::Align::right},
                                        {"CALLS SLEPT", Table::Align::right},
                                        {"PUNTED", Table::Align::right}};
        if (any_waited)
            cols.push_back({"WAITED", Table::Align::right});
        if (any_ret)
            cols.push_back({"EIOCBQ", Table::Align::right});
        cols.insert(cols.end(), {{"SUBMIT p50", Table::Align::right},
                                 {"p99", Table::Align::right},
                                 {"DONE p50", Table::Align::right},
                                 {"p99", Table::Align::right},
                                 {"VERDICT"}});
        if (any_ctx)
            cols.push_back({"COMPLETED IN"});
        Table table(cols);
        for (const auto& op : r.ops) {
            const auto n = judged(op);
            std::vector<std::string> row{op.display(),
                                         std::string(model::name(op.api)),
                                         std::string(model::name(op.file)),
                                         op.direct ? "direct" : "buffered",
                                         dev_text(op),
                                         std::to_string(op.requests),
                                         pct(op.completed_in_call + op.completed_in_syscall, n),
                                         pct(op.slept_in_submission, n),
                                         pct(op.syscalls_slept, op.syscalls),
                                         pct(op.punted, n)};
            if (any_waited)
                row.push_back(pct(op.waited_for_device, n));
            if (any_ret)
                row.push_back(op.driver_returned ? pct(op.driver_returned->queued, op.driver_returned->observed())
                                                 : "n/o");
            row.insert(row.end(), {upper(op.submit, 0.5), upper(op.submit, 0.99), upper(op.complete, 0.5),
                                   upper(op.complete, 0.99),
                                   format_shares(op.tally) + (op.ambiguous ? " inline?" : "")});
            if (any_ctx)
                row.push_back(context_summary(op));
            table.add_row(std::move(row));
        }
        table.render(out);
        if (!opts.brief) {
            out << "\nINLINE = completed before submission returned; SLEPT = the submitter slept (voluntary\n"
                   "switch) in submission; CALLS SLEPT = share of the submitting calls that slept while\n"
                   "submitting this op; PUNTED = handed to a worker thread (io-wq, glibc helper)";
            if (any_waited)
                out << ";\nWAITED = its block I/O was completed elsewhere while the submitter was off CPU";
            if (any_ret)
                out << ";\nEIOCBQ = the driver function itself returned -EIOCBQUEUED (n/o: not observed; --json says why)";
            out << ".\n";
            if (any_ambiguous)
                out << "inline? = ready when submission returned without sleeping, completed by a context this\n"
                       "backend cannot see: an inline copy and a device fast enough to finish first look alike.\n";
            out << "Percentiles come from log2 histograms: upper bounds.\n";
        }
    }

    if (opts.histograms) {
        for (const auto& op : r.ops) {
            const std::pair<const char*, const model::Log2Hist*> hists[] = {
                {"submission (syscall)", &op.submit},
                {"driver call", &op.call},
                {"completion (from submission)", &op.complete},
                {"off-CPU in submissions that slept", &op.offcpu}};
            for (const auto& [title, h] : hists) {
                if (!h->count())
                    continue;
                out << fmt::format("\n{} ({}): {}\n", op.display(), model::name(op.api), title);
                print_log2_hist(out, *h, "usecs", 1000);
            }
        }
    }

    if (opts.stacks && !r.stacks.empty()) {
        out << "\nWhere submitters slept (kernel stacks at switch-out, by off-CPU time):\n";
        std::map<std::string, std::size_t> shown;
        for (const auto& st : r.stacks) {
            if (shown[st.op + st.dev]++ >= opts.stacks_per_op)
                continue;
            out << fmt::format("\n  {} on {} ({}): {} sleeps, {} off-CPU{}\n", st.op,
                               st.dev_name.empty() ? st.dev : st.dev_name, model::name(st.api), st.sleeps,
                               format_ns(st.offcpu_ns), st.in_call ? ", inside the driver call" : "");
            if (st.frames.empty())
                out << "    (stack not captured)\n";
            for (const auto& f : st.frames)
                out << "    " << f << '\n';
        }
    }

    if (!opts.brief) {
        for (const auto& n : r.notes)
            out << "\nnote: " << n;
        if (!r.notes.empty())
            out << '\n';
    }
    std::string lost;
    for (const auto& [what, n] : r.lost)
        if (n)
            lost += fmt::format("{}{} {}", lost.empty() ? "" : ", ", n, what);
    out << "\nlost events: " << (lost.empty() ? "none" : lost) << '\n';
    for (const auto& [prog, n] : r.missed_runs)
        out << fmt::format("  {} runs of {} skipped by the kernel (it fired while another program ran on that CPU)\n",
                           n, prog);
    if (r.unfinished)
        out << fmt::format("{} request(s) unfinished: still in flight, or their completion was not seen\n",
                           r.unfinished);
}

nlohmann::json trace_json(const model::TraceReport& r)
{
    auto hist = [](const model::Log2Hist& h) {
        nlohmann::json slots = nlohmann::json::array();
        int last = -1;
        for (std::size_t i = 0; i < model::Log2Hist::kSlots; ++i)
            if (h.slot(i))
                last = static_cast<int>(i);
        for (int i = 0; i <= last; ++i)
            slots.push_back(h.slot(static_cast<std::size_t>(i)));
        return nlohmann::json{{"count", h.count()},
                              {"sum", h.sum()},
                              {"p50_upper", h.quantile_upper_bound(0.5)},
                              {"p99_upper", h.quantile_upper_bound(0.99)},
                              {"log2_hist", slots}};
    };
    nlohmann::json j;
    j["measured_by"] = "trace";
    j["backend"] = model::name(r.backend);
    j["backend_why"] = r.backend_why;
    j["cannot_see"] = r.unseen;
    j["duration_s"] = r.duration_s;
    j["tgid"] = r.tgid;
    j["comm"] = r.comm;
    j["notes"] = r.notes;
    j["syscall_hooks"] = model::name(r.syscall_hooks);
    j["lost"] = r.lost;
    j["missed_runs"] = r.missed_runs;
    j["requests_unfinished"] = r.unfinished;
    // null: every request followed (no --sample).
    j["sampling"] = r.sampling.every > 1 ? nlohmann::json{{"every", r.sampling.every},
                                                         {"io_submit_calls", r.sampling.io_submit_calls},
                                                         {"io_submit_iocbs", r.sampling.io_submit_iocbs}}
                                         : nlohmann::json();
    j["ops"] = nlohmann::json::array();
    for (const auto& op : r.ops) {
        nlohmann::json shares = nlohmann::json::object();
        for (const auto& [v, share] : op.tally.shares())
            shares[std::string(model::name(v))] = share;
        nlohmann::json oj = {{"op", op.display()},
                             {"symbol", op.op.symbol},
                             {"module", op.op.module},
                             {"kind", model::name(op.op.kind)},
                             {"api", model::name(op.api)},
                             {"file", model::name(op.file)},
                             {"mode", op.direct ? "direct" : "buffered"},
                             {"dev", dev(op)},
                             {"dev_name", op.dev_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(op.dev_name)},
                             {"requests", op.requests},
                             {"syscalls", op.syscalls},
                             {"syscalls_slept", op.syscalls_slept},
                             {"errors", op.errors},
                             {"refused", op.refused},
                             {"completed_in_call", op.completed_in_call},
                             {"completed_in_syscall", op.completed_in_syscall},
                             {"completed_after", op.completed_after},
                             {"slept_in_call", op.slept_in_call},
                             {"slept_in_submission", op.slept_in_submission},
                             {"waited_for_device", op.waited_for_device},
                             {"device_io", op.device_io},
                             {"ambiguous", op.ambiguous},
                             {"punted", op.punted},
                             {"verdict", op.tally.total() ? nlohmann::json(model::name(op.tally.dominant()))
                                                          : nlohmann::json(nullptr)},
                             {"shares", shares},
                             {"submit_ns", hist(op.submit)},
                             {"call_ns", hist(op.call)},
                             {"complete_ns", hist(op.complete)},
                             {"offcpu_ns", hist(op.offcpu)}};
        nlohmann::json ctx_named = nlohmann::json::object();
        for (const auto& [ctx, n] : op.contexts)
            ctx_named[std::string(model::name(ctx))] = n;
        oj["completion_context"] = ctx_named;
        if (op.driver_returned) {
            const auto& d = *op.driver_returned;
            oj["driver_returned"] = {
                {"eiocbqueued", d.queued}, {"bytes", d.bytes}, {"error", d.error}, {"observed", d.observed()}};
        } else {
            oj["driver_returned"] = nullptr;
            oj["driver_returned_not_observed"] = op.driver_returned_unseen;
        }
        j["ops"].push_back(std::move(oj));
    }
    j["stacks"] = nlohmann::json::array();
    for (const auto& st : r.stacks)
        j["stacks"].push_back({{"op", st.op},
                               {"dev", st.dev},
                               {"dev_name", st.dev_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.dev_name)},
                               {"api", model::name(st.api)},
                               {"in_call", st.in_call},
                               {"sleeps", st.sleeps},
                               {"offcpu_ns", st.offcpu_ns},
                               {"comm", st.comm},
                               {"frames", st.frames}});
    return j;
}

void render_folded(std::ostream& out, const model::TraceReport& r)
{
    for (const auto& st : r.stacks) {
        std::string line = st.comm.empty() ? "?" : st.comm;
        line += ";" + st.op;
        for (auto it = st.frames.rbegin(); it != st.frames.rend(); ++it) {
            std::string f = *it;
            // Folded frames may not contain ';' or spaces: keep the function name.
            if (const auto plus = f.find('+'); plus != std::string::npos)
                f.erase(plus);
            if (const auto sp = f.find(' '); sp != std::string::npos)
                f.erase(sp);
            line += ";" + f;
        }
        out << line << ' ' << std::max<std::uint64_t>(st.offcpu_ns / 1000, 1) << '\n';
    }
}

}  // namespace aio::report
