// SPDX-License-Identifier: GPL-2.0-only
#include "report/openmetrics.h"

#include <array>
#include <cctype>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

namespace aio::report {
namespace {

// The log2 slots exported as `le` buckets: slot 9 (≤ 1.023 µs: everything
// faster lands in it too, buckets being cumulative) to slot 33 (≤ 8.59 s);
// slower requests are counted by +Inf only. A fixed layout, so that buckets
// of many hosts and ops add up with sum by (le).
constexpr std::size_t kFirstBucketSlot = 9;
constexpr std::size_t kLastBucketSlot = 33;

// The verdicts a trace can give (odirect-async is static analysis only).
constexpr std::array kTraceVerdicts{model::Verdict::async,        model::Verdict::sync,
                                    model::Verdict::blocking,     model::Verdict::fake_async,
                                    model::Verdict::thread_async, model::Verdict::unsupported,
                                    model::Verdict::unknown};

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

bool iequals_prefix(std::string_view s, std::string_view prefix)
{
    if (s.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
            return false;
    return true;
}

void append_u64(std::string& out, std::uint64_t n)
{
    const fmt::format_int f(n);
    out.append(f.data(), f.size());
}

void append_double(std::string& out, double d)
{
    char buf[64];
    const auto end = fmt::format_to_n(buf, sizeof buf, "{}", d).out;
    out.append(buf, end);
}

void append_escaped(std::string& out, std::string_view v)
{
    for (const char c : v) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
}

void append_label(std::string& out, std::string_view name, std::string_view value)
{
    if (out.empty() || out.back() != '{')
        out += ',';
    out += name;
    out += "=\"";
    append_escaped(out, value);
    out += '"';
}

// Writes families one after another; every sample of a family follows its
// # TYPE line, as both formats require.
class Writer {
public:
    Writer(std::string& out, MetricsFormat f) : out_(out), om_(f == MetricsFormat::openmetrics) {}

    // A counter's samples are NAME_total; OpenMetrics names the family NAME.
    void counter(std::string_view name, std::string_view help) { family(name, "_total", "counter", help); }
    void gauge(std::string_view name, std::string_view help) { family(name, "", "gauge", help); }
    void histogram(std::string_view name, std::string_view help) { family(name, "", "histogram", help); }
    void info(std::string_view name, std::string_view help)
    {
        // OpenMetrics has an info type (family NAME, sample NAME_info);
        // the Prometheus text format spells it as a gauge of 1.
        if (om_)
            family(name, "", "info", help);
        else
            family(name, "_info", "gauge", help);
    }

    // NAME{LABELS,EXTRA} VALUE: `labels` already "a=\"x\",b=\"y\"" (or empty).
    void sample(std::string_view name, std::string_view suffix, std::string_view labels, std::string_view extra,
                std::uint64_t value)
    {
        head(name, suffix, labels, extra);
        append_u64(out_, value);
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view suffix, std::string_view labels, std::string_view extra,
                double value)
    {
        head(name, suffix, labels, extra);
        append_double(out_, value);
        out_ += '\n';
    }
    void end()
    {
        if (om_)
            out_ += "# EOF\n";
    }

private:
    void family(std::string_view name, std::string_view text_suffix, std::string_view type, std::string_view help)
    {
        const std::string_view suffix = om_ ? std::string_view{} : text_suffix;
        out_ += "# HELP ";
        out_ += name;
        out_ += suffix;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += suffix;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    void head(std::string_view name, std::string_view suffix, std::string_view labels, std::string_view extra)
    {
        out_ += name;
        out_ += suffix;
        if (!labels.empty() || !extra.empty()) {
            out_ += '{';
            out_ += labels;
            if (!labels.empty() && !extra.empty())
                out_ += ',';
            out_ += extra;
            out_ += '}';
        }
        out_ += ' ';
    }

    std::string& out_;
    bool om_;
};

std::string op_labels(const model::TraceOp& op, unsigned dropped)
{
    std::string s = "{";
    append_label(s, "op", op.op.symbol.empty() ? "?" : op.op.symbol);
    if (!(dropped & label_module))
        append_label(s, "module", op.op.module);
    if (!(dropped & label_kind))
        append_label(s, "kind", model::name(op.op.kind));
    append_label(s, "api", model::name(op.api));
    if (!(dropped & label_file))
        append_label(s, "file", model::name(op.file));
    if (!(dropped & label_mode))
        append_label(s, "mode", op.direct ? "direct" : "buffered");
    if (!(dropped & label_dev)) {
        append_label(s, "dev", fmt::format("{}:{}", op.dev_major, op.dev_minor));
        append_label(s, "dev_name", op.dev_name);
    }
    return s.substr(1);
}

// `le="..."` of each exported slot: its inclusive upper bound, in seconds.
const std::vector<std::string>& bucket_labels()
{
    static const std::vector<std::string> labels = [] {
        std::vector<std::string> v;
        for (std::size_t i = kFirstBucketSlot; i <= kLastBucketSlot; ++i)
            v.push_back(fmt::format("le=\"{}\"", static_cast<double>(model::Log2Hist::slot_high(i)) / 1e9));
        return v;
    }();
    return labels;
}

void histogram_samples(Writer& w, std::string_view name, std::string_view labels, const model::Log2Hist& h)
{
    const auto& le = bucket_labels();
    std::uint64_t cumulative = 0;
    std::size_t slot = 0;
    for (std::size_t b = 0; b < le.size(); ++b) {
        for (; slot <= kFirstBucketSlot + b; ++slot)
            cumulative += h.slot(slot);
        w.sample(name, "_bucket", labels, le[b], cumulative);
    }
    const std::uint64_t count = h.count();
    w.sample(name, "_bucket", labels, "le=\"+Inf\"", count);
    // The kernel sums the values next to the slots: exact, in seconds.
    w.sample(name, "_sum", labels, "", static_cast<double>(h.sum()) / 1e9);
    w.sample(name, "_count", labels, "", count);
}

}  // namespace

MetricsFormat negotiate_metrics_format(std::string_view accept)
{
    double om_q = 0, text_q = 0;
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        std::string_view item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
        const auto semi = item.find(';');
        const std::string_view type = trim(item.substr(0, semi));
        double q = 1;
        for (std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi + 1);
             !params.empty();) {
            const auto next = params.find(';');
            const std::string_view p = trim(params.substr(0, next));
            params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
            if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
                q = std::strtod(std::string(p.substr(2)).c_str(), nullptr);
        }
        if (iequals_prefix(type, "application/openmetrics-text"))
            om_q = std::max(om_q, q);
        else if (iequals_prefix(type, "text/plain") || type == "*/*" || type == "text/*")
            text_q = std::max(text_q, q);
    }
    return om_q > 0 && om_q >= text_q ? MetricsFormat::openmetrics : MetricsFormat::prometheus_text;
}

std::string_view content_type(MetricsFormat f)
{
    return f == MetricsFormat::openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                           : "text/plain; version=0.0.4; charset=utf-8";
}

unsigned parse_metrics_label(std::string_view name)
{
    if (name == "module")
        return label_module;
    if (name == "kind")
        return label_kind;
    if (name == "file")
        return label_file;
    if (name == "mode")
        return label_mode;
    if (name == "dev")
        return label_dev;
    return 0;
}

void render_metrics(std::string& out, const model::TraceReport& r, const MetricsContext& ctx,
                    MetricsFormat format)
{
    Writer w(out, format);
    // About 140 lines of ~190 bytes per op: one allocation for the lot
    // (a caller that reuses `out` has it already).
    out.reserve(out.size() + 4096 + r.ops.size() * 27000);

    w.info("aio_audit_build", "aio-audit's version, the trace backend, how syscalls are hooked, the kernel.");
    {
        std::string l = "{";
        append_label(l, "version", ctx.version);
        append_label(l, "backend", model::name(r.backend));
        append_label(l, "syscall_hooks", model::name(r.syscall_hooks));
        append_label(l, "kernel", ctx.kernel_release);
        w.sample("aio_audit_build", "_info", l.substr(1), "", std::uint64_t{1});
    }
    w.gauge("aio_audit_start_time_seconds", "Unix time the trace started (a change is a restart).");
    w.sample("aio_audit_start_time_seconds", "", "", "", ctx.start_time_s);
    w.gauge("aio_audit_traced_seconds", "Seconds traced so far.");
    w.sample("aio_audit_traced_seconds", "", "", "", r.duration_s);

    std::vector<std::string> labels;
    labels.reserve(r.ops.size());
    for (const auto& op : r.ops)
        labels.push_back(op_labels(op, ctx.dropped_labels));

    // One counter family per outcome. They overlap (a request can sleep in
    // submission and complete after it): each is a count over requests.
    struct Plain {
        std::string_view name, help;
        std::uint64_t model::TraceOp::*field;
    };
    static constexpr Plain kPlain[] = {
        {"aio_audit_requests", "Requests submitted to this op.", &model::TraceOp::requests},
        {"aio_audit_requests_slept_in_submission",
         "Requests whose submitter slept (voluntary switch) while submitting them.",
         &model::TraceOp::slept_in_submission},
        {"aio_audit_requests_slept_in_call", "Requests whose submitter slept inside the driver call itself.",
         &model::TraceOp::slept_in_call},
        {"aio_audit_requests_waited_for_device",
         "Requests whose block I/O completed elsewhere while the submitter was off CPU in submission.",
         &model::TraceOp::waited_for_device},
        {"aio_audit_requests_device_io", "Requests whose submission issued block I/O.", &model::TraceOp::device_io},
        {"aio_audit_requests_ambiguous",
         "Requests ready at return without sleeping whose completion context this backend cannot see.",
         &model::TraceOp::ambiguous},
        {"aio_audit_requests_punted", "Requests handed to a worker thread (io-wq, glibc's helper).",
         &model::TraceOp::punted},
        {"aio_audit_requests_refused", "Requests the op refused (-EINVAL, -EOPNOTSUPP, no read_iter/write_iter).",
         &model::TraceOp::refused},
        {"aio_audit_request_errors", "Requests that completed with an error.", &model::TraceOp::errors},
        {"aio_audit_submit_calls", "Submitting syscalls that carried requests of this op.",
         &model::TraceOp::syscalls},
        {"aio_audit_submit_calls_slept", "Submitting syscalls that slept while submitting requests of this op.",
         &model::TraceOp::syscalls_slept},
    };
    for (const auto& p : kPlain) {
        w.counter(p.name, p.help);
        for (std::size_t i = 0; i < r.ops.size(); ++i)
            w.sample(p.name, "_total", labels[i], "", r.ops[i].*p.field);
    }

    w.counter("aio_audit_requests_completed",
              "Requests by when they completed: in_call (before the driver call returned), in_syscall (before "
              "the submitting syscall returned), after (after it returned).");
    for (std::size_t i = 0; i < r.ops.size(); ++i) {
        const auto& op = r.ops[i];
        w.sample("aio_audit_requests_completed", "_total", labels[i], "when=\"in_call\"", op.completed_in_call);
        w.sample("aio_audit_requests_completed", "_total", labels[i], "when=\"in_syscall\"",
                 op.completed_in_syscall);
        w.sample("aio_audit_requests_completed", "_total", labels[i], "when=\"after\"", op.completed_after);
    }

    static const std::vector<std::string> verdict_labels = [] {
        std::vector<std::string> v;
        for (const auto verdict : kTraceVerdicts)
            v.push_back(fmt::format("verdict=\"{}\"", model::name(verdict)));
        return v;
    }();
    w.counter("aio_audit_requests_by_verdict", "Requests by the verdict the model's rules gave each.");
    for (std::size_t i = 0; i < r.ops.size(); ++i)
        for (std::size_t v = 0; v < kTraceVerdicts.size(); ++v)
            w.sample("aio_audit_requests_by_verdict", "_total", labels[i], verdict_labels[v],
                     r.ops[i].tally.count(kTraceVerdicts[v]));
    w.gauge("aio_audit_verdict_ratio",
            "Share of the op's classified requests with each verdict since the trace started (0..1).");
    for (std::size_t i = 0; i < r.ops.size(); ++i) {
        const auto& tally = r.ops[i].tally;
        if (!tally.total())
            continue;  // no share of nothing
        for (std::size_t v = 0; v < kTraceVerdicts.size(); ++v)
            w.sample("aio_audit_verdict_ratio", "", labels[i], verdict_labels[v], tally.share(kTraceVerdicts[v]));
    }

    w.counter("aio_audit_completions_by_context",
              "Completions by the context that posted them (submitter, hardirq, softirq, other_task, "
              "helper_thread, elsewhere, unknown).");
    for (std::size_t i = 0; i < r.ops.size(); ++i)
        for (const auto& [c, n] : r.ops[i].contexts)
            w.sample("aio_audit_completions_by_context", "_total", labels[i],
                     fmt::format("context=\"{}\"", model::name(c)), n);

    w.counter("aio_audit_driver_returns",
              "The driver function's own return values, where they were observed: eiocbqueued, bytes, error.");
    for (std::size_t i = 0; i < r.ops.size(); ++i) {
        const auto& d = r.ops[i].driver_returned;
        if (!d)
            continue;  // not observed: absent, never zeros
        w.sample("aio_audit_driver_returns", "_total", labels[i], "value=\"eiocbqueued\"", d->queued);
        w.sample("aio_audit_driver_returns", "_total", labels[i], "value=\"bytes\"", d->bytes);
        w.sample("aio_audit_driver_returns", "_total", labels[i], "value=\"error\"", d->error);
    }

    struct Hist {
        std::string_view name, help;
        model::Log2Hist model::TraceOp::*field;
    };
    static constexpr Hist kHists[] = {
        {"aio_audit_submit_seconds", "Time in the submitting syscall.", &model::TraceOp::submit},
        {"aio_audit_driver_call_seconds", "Time in the driver call (aio_read/aio_write; fentry, kprobe).",
         &model::TraceOp::call},
        {"aio_audit_completion_seconds",
         "Submission to completion (tracepoint backend: to reaping, for requests completed after the syscall).",
         &model::TraceOp::complete},
        {"aio_audit_offcpu_seconds", "Voluntary off-CPU time in submissions that slept.", &model::TraceOp::offcpu},
    };
    for (const auto& h : kHists) {
        w.histogram(h.name, h.help);
        for (std::size_t i = 0; i < r.ops.size(); ++i)
            if ((r.ops[i].*h.field).count())
                histogram_samples(w, h.name, labels[i], r.ops[i].*h.field);
    }

    w.counter("aio_audit_lost_events", "Events the trace could not record, by cause (docs/trace.md).");
    for (const auto& [cause, n] : r.lost)
        w.sample("aio_audit_lost_events", "_total", "", fmt::format("cause=\"{}\"", cause), n);
    w.counter("aio_audit_program_runs_missed", "Runs of each BPF program the kernel skipped.");
    for (const auto& [prog, n] : r.missed_runs)
        w.sample("aio_audit_program_runs_missed", "_total", "", fmt::format("program=\"{}\"", prog), n);
    w.gauge("aio_audit_requests_unfinished",
            "Requests whose driver call was seen but not yet both their completion and their call's end.");
    w.sample("aio_audit_requests_unfinished", "", "", "", r.unfinished);

    w.gauge("aio_audit_exporter_max_ops", "The most ops exported (--max-ops).");
    w.sample("aio_audit_exporter_max_ops", "", "", "", ctx.max_ops);
    w.gauge("aio_audit_exporter_ops", "Ops exported.");
    w.sample("aio_audit_exporter_ops", "", "", "", static_cast<std::uint64_t>(r.ops.size()));
    w.counter("aio_audit_exporter_dropped_ops", "Ops seen but not exported: over --max-ops.");
    w.sample("aio_audit_exporter_dropped_ops", "_total", "", "", ctx.ops_dropped);
    w.counter("aio_audit_exporter_dropped_requests", "Requests of the ops not exported.");
    w.sample("aio_audit_exporter_dropped_requests", "_total", "", "", ctx.requests_dropped);
    w.end();
}

}  // namespace aio::report
