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
        bool any_ret = false, any_ctx = false;
        for (const auto& op : r.ops) {
            any_ret |= op.ret_queued.has_value();
            any_ctx |= !op.contexts.empty();
        }
        std::vector<Table::Column> cols{{"OP"},
                                        {"API"},
                                        {"FILE"},
                                        {"MODE"},
                                        {"DEV"},
                                        {"REQS", Table::Align::right},
                                        {"INLINE", Table::Align::right},
                                        {"SLEPT", Table::Align::right},
                                        {"PUNTED", Table::Align::right}};
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
                                         dev(op),
                                         std::to_string(op.requests),
                                         pct(op.completed_in_call + op.completed_in_syscall, n),
                                         pct(op.slept_in_submission, n),
                                         pct(op.punted, n)};
            if (any_ret) {
                const auto rets = op.ret_queued ? *op.ret_queued + *op.ret_bytes + *op.ret_error : 0;
                row.push_back(op.ret_queued ? pct(*op.ret_queued, rets) : "-");
            }
            row.insert(row.end(), {upper(op.submit, 0.5), upper(op.submit, 0.99), upper(op.complete, 0.5),
                                   upper(op.complete, 0.99), format_shares(op.tally)});
            if (any_ctx)
                row.push_back(context_summary(op));
            table.add_row(std::move(row));
        }
        table.render(out);
        if (!opts.brief) {
            out << "\nINLINE = completed before submission returned; SLEPT = the submitter slept (voluntary\n"
                   "switch) in submission; PUNTED = handed to a worker thread (io-wq, glibc helper)";
            out << (any_ret ? "; EIOCBQ = the\ndriver function itself returned -EIOCBQUEUED.\n" : ".\n");
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
            if (shown[st.op]++ >= opts.stacks_per_op)
                continue;
            out << fmt::format("\n  {} ({}): {} sleeps, {} off-CPU{}\n", st.op, model::name(st.api), st.sleeps,
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
                             {"requests", op.requests},
                             {"syscalls", op.syscalls},
                             {"errors", op.errors},
                             {"refused", op.refused},
                             {"completed_in_call", op.completed_in_call},
                             {"completed_in_syscall", op.completed_in_syscall},
                             {"completed_after", op.completed_after},
                             {"slept_in_call", op.slept_in_call},
                             {"slept_in_submission", op.slept_in_submission},
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
        if (op.ret_queued)
            oj["driver_returned"] = {{"eiocbqueued", *op.ret_queued}, {"bytes", *op.ret_bytes}, {"error", *op.ret_error}};
        else
            oj["driver_returned"] = nullptr;
        j["ops"].push_back(std::move(oj));
    }
    j["stacks"] = nlohmann::json::array();
    for (const auto& st : r.stacks)
        j["stacks"].push_back({{"op", st.op},
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
