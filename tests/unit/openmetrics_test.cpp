// SPDX-License-Identifier: GPL-2.0-only
//
// `trace --listen`: the exposition of a trace's running totals, its format
// chosen by the scraper's Accept header, and the ops the exporter keeps
// (folded over dropped labels, capped).
#include <gtest/gtest.h>

#include <sstream>

#include "model/errors.h"
#include "report/openmetrics.h"
#include "serve/exported_ops.h"
#include "serve/metrics_exporter.h"
#include "trace_sample.h"

namespace aio::report::openmetrics_test {
namespace {

model::TraceOp op(const std::string& symbol, std::uint32_t minor, const std::string& dev_name = "loop0")
{
    model::TraceOp o = test::trace_op(symbol, model::FileKind::regular, true, 7, minor, dev_name);
    o.requests = 4;
    o.syscalls = 4;
    o.slept_in_submission = 3;
    o.completed_after = 4;
    o.tally.add(model::Verdict::blocking, 3);
    o.tally.add(model::Verdict::async, 1);
    o.contexts[model::CompletionContext::other_task] = 4;
    // 500 ns (below the first bucket), 1.5 µs, 3 s, 20 s (above the last).
    for (const std::uint64_t ns : {500ull, 1500ull, 3000000000ull, 20000000000ull})
        o.complete.add(ns);
    return o;
}

model::TraceReport report(std::vector<model::TraceOp> ops)
{
    model::TraceReport r = test::trace_report(std::move(ops), 12.5);
    r.lost["stacks_not_captured"] = 2;
    return r;
}

std::string render(const model::TraceReport& r, MetricsFormat f, unsigned dropped = 0)
{
    MetricsContext ctx;
    ctx.version = "0.1.0";
    ctx.kernel_release = "6.18.4";
    ctx.start_time_s = 1700000000.5;
    ctx.dropped_labels = dropped;
    ctx.max_ops = 500;
    std::string out;
    render_metrics(out, r, ctx, f);
    return out;
}

// The line of `name{labels...}` whose labels contain every one of `parts`.
std::string line_of(const std::string& text, const std::string& name, const std::vector<std::string>& parts = {})
{
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l.rfind(name + "{", 0) != 0 && l.rfind(name + " ", 0) != 0)
            continue;
        bool all = true;
        for (const auto& p : parts)
            all = all && l.find(p) != std::string::npos;
        if (all)
            return l;
    }
    return {};
}

std::string value_of(const std::string& text, const std::string& name, const std::vector<std::string>& parts = {})
{
    const std::string l = line_of(text, name, parts);
    return l.empty() ? "(absent)" : l.substr(l.rfind(' ') + 1);
}

TEST(OpenMetrics, HistogramBucketsAreCumulativeLog2SlotsWithInfAndCount)
{
    const std::string t = render(report({op("blkdev_read_iter", 0)}), MetricsFormat::prometheus_text);
    const std::string name = "aio_audit_completion_seconds_bucket";
    // The first bucket (slot 9, ≤ 1023 ns) holds what is below it too.
    EXPECT_EQ(value_of(t, name, {"le=\"1.023e-06\""}), "1");
    EXPECT_EQ(value_of(t, name, {"le=\"2.047e-06\""}), "2");
    EXPECT_EQ(value_of(t, name, {"le=\"2.147483647\""}), "2");
    EXPECT_EQ(value_of(t, name, {"le=\"4.294967295\""}), "3");
    EXPECT_EQ(value_of(t, name, {"le=\"8.589934591\""}), "3");  // the last: 20 s is above it
    EXPECT_EQ(value_of(t, name, {"le=\"+Inf\""}), "4");
    EXPECT_EQ(value_of(t, "aio_audit_completion_seconds_count"), "4");
    // _sum: the exact sum of the values (the kernel keeps it next to the
    // slots), in seconds: 500 ns + 1.5 us + 3 s + 20 s.
    EXPECT_EQ(value_of(t, "aio_audit_completion_seconds_sum"), "23.000002");
    // An empty histogram (no driver call seen) is not exported at all.
    EXPECT_EQ(line_of(t, "aio_audit_driver_call_seconds_bucket"), "");
}

TEST(OpenMetrics, CountersSharesLostEventsAndBuildInfo)
{
    const std::string t = render(report({op("blkdev_read_iter", 0)}), MetricsFormat::prometheus_text);
    const std::string labels =
        "{op=\"blkdev_read_iter\",module=\"\",kind=\"read_iter\",api=\"libaio\",file=\"file\",mode=\"direct\","
        "dev=\"7:0\",dev_name=\"loop0\"}";
    EXPECT_EQ(line_of(t, "aio_audit_requests_total"), "aio_audit_requests_total" + labels + " 4");
    EXPECT_EQ(value_of(t, "aio_audit_requests_slept_in_submission_total"), "3");
    EXPECT_EQ(value_of(t, "aio_audit_requests_completed_total", {"when=\"after\""}), "4");
    EXPECT_EQ(value_of(t, "aio_audit_requests_completed_total", {"when=\"in_syscall\""}), "0");
    EXPECT_EQ(value_of(t, "aio_audit_requests_by_verdict_total", {"verdict=\"blocking\""}), "3");
    EXPECT_EQ(value_of(t, "aio_audit_requests_by_verdict_total", {"verdict=\"fake-async\""}), "0");
    EXPECT_EQ(value_of(t, "aio_audit_verdict_ratio", {"verdict=\"blocking\""}), "0.75");
    EXPECT_EQ(value_of(t, "aio_audit_completions_by_context_total", {"context=\"other_task\""}), "4");
    EXPECT_EQ(value_of(t, "aio_audit_lost_events_total", {"cause=\"stacks_not_captured\""}), "2");
    EXPECT_EQ(value_of(t, "aio_audit_lost_events_total", {"cause=\"sleep_table_full\""}), "0");
    // Not observed: absent, never zeros.
    EXPECT_EQ(line_of(t, "aio_audit_driver_returns_total"), "");
    EXPECT_EQ(line_of(t, "aio_audit_build_info"),
              "aio_audit_build_info{version=\"0.1.0\",backend=\"tracepoint\",syscall_hooks=\"raw\","
              "kernel=\"6.18.4\"} 1");
    EXPECT_EQ(value_of(t, "aio_audit_start_time_seconds"), "1700000000.5");
    EXPECT_NE(t.find("# TYPE aio_audit_requests_total counter\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE aio_audit_completion_seconds histogram\n"), std::string::npos);
    EXPECT_EQ(t.find("# EOF"), std::string::npos);
}

TEST(OpenMetrics, OpenMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEof)
{
    const std::string t = render(report({op("blkdev_read_iter", 0)}), MetricsFormat::openmetrics);
    EXPECT_NE(t.find("# TYPE aio_audit_requests counter\n"), std::string::npos);
    EXPECT_EQ(t.find("# TYPE aio_audit_requests_total"), std::string::npos);
    EXPECT_NE(t.find("# TYPE aio_audit_build info\n"), std::string::npos);
    EXPECT_EQ(value_of(t, "aio_audit_requests_total"), "4");  // samples keep _total
    ASSERT_GE(t.size(), 6u);
    EXPECT_EQ(t.substr(t.size() - 6), "# EOF\n");
}

TEST(OpenMetrics, LabelValuesAreEscaped)
{
    auto o = op("odd\"name\\", 0, "a\nb");
    const std::string t = render(report({o}), MetricsFormat::prometheus_text);
    EXPECT_NE(line_of(t, "aio_audit_requests_total").find(R"(op="odd\"name\\")"), std::string::npos);
    EXPECT_NE(line_of(t, "aio_audit_requests_total").find(R"(dev_name="a\nb")"), std::string::npos);
}

TEST(OpenMetrics, ContentNegotiation)
{
    // What Prometheus 2.42 sends.
    EXPECT_EQ(negotiate_metrics_format("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                                       "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
              MetricsFormat::openmetrics);
    EXPECT_EQ(negotiate_metrics_format(""), MetricsFormat::prometheus_text);
    EXPECT_EQ(negotiate_metrics_format("*/*"), MetricsFormat::prometheus_text);
    EXPECT_EQ(negotiate_metrics_format("text/plain;version=0.0.4"), MetricsFormat::prometheus_text);
    EXPECT_EQ(negotiate_metrics_format("application/openmetrics-text; q=0.2, text/plain; q=0.5"),
              MetricsFormat::prometheus_text);
    EXPECT_EQ(negotiate_metrics_format("Application/OpenMetrics-Text"), MetricsFormat::openmetrics);
    EXPECT_EQ(content_type(MetricsFormat::openmetrics),
              "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(ExportedOps, DroppedDeviceLabelsAddUpTheOpsOfEachDevice)
{
    serve::ExportedOps ex(500, label_dev);
    const auto folded = ex.apply(report({op("blkdev_read_iter", 0), op("blkdev_read_iter", 1, "loop1")}));
    ASSERT_EQ(folded.ops.size(), 1u);
    EXPECT_EQ(folded.ops[0].requests, 8u);
    EXPECT_EQ(folded.ops[0].tally.count(model::Verdict::blocking), 6u);
    EXPECT_EQ(folded.ops[0].complete.count(), 8u);
    const std::string t = render(folded, MetricsFormat::prometheus_text, label_dev);
    EXPECT_EQ(line_of(t, "aio_audit_requests_total"),
              "aio_audit_requests_total{op=\"blkdev_read_iter\",module=\"\",kind=\"read_iter\",api=\"libaio\","
              "file=\"file\",mode=\"direct\"} 8");
    EXPECT_EQ(parse_metrics_label("dev"), label_dev);
    EXPECT_EQ(parse_metrics_label("op"), 0u);  // never dropped
}

TEST(ExportedOps, CapKeepsTheFirstOpsForGoodAndCountsTheRest)
{
    serve::ExportedOps ex(1, 0);
    auto first = ex.apply(report({op("a_read_iter", 0)}));
    ASSERT_EQ(first.ops.size(), 1u);
    EXPECT_EQ(ex.ops_dropped(), 0u);
    // A later op, listed first, does not push out the one exported before.
    auto b = op("b_read_iter", 0);
    b.requests = 10;
    auto second = ex.apply(report({b, op("a_read_iter", 0)}));
    ASSERT_EQ(second.ops.size(), 1u);
    EXPECT_EQ(second.ops[0].op.symbol, "a_read_iter");
    EXPECT_EQ(ex.ops_dropped(), 1u);
    EXPECT_EQ(ex.requests_dropped(), 10u);
    MetricsContext ctx;
    ctx.max_ops = 1;
    ctx.ops_dropped = ex.ops_dropped();
    ctx.requests_dropped = ex.requests_dropped();
    std::string t;
    render_metrics(t, second, ctx, MetricsFormat::prometheus_text);
    EXPECT_EQ(value_of(t, "aio_audit_exporter_dropped_ops_total"), "1");
    EXPECT_EQ(value_of(t, "aio_audit_exporter_dropped_requests_total"), "10");
    EXPECT_EQ(value_of(t, "aio_audit_exporter_ops"), "1");
}

TEST(ListenAddress, ParsesPortAddressAndBracketedIpv6)
{
    EXPECT_EQ(serve::parse_listen_address("9435").host, "127.0.0.1");
    EXPECT_EQ(serve::parse_listen_address("9435").port, 9435);
    EXPECT_EQ(serve::parse_listen_address("0.0.0.0:80").host, "0.0.0.0");
    EXPECT_EQ(serve::parse_listen_address("[::1]:0").host, "::1");
    EXPECT_EQ(serve::parse_listen_address("[::1]:0").port, 0);
    for (const char* bad : {"", "x", "70000", ":80", "::1:80", "[::1]80", "1.2.3.4:", "-1"})
        EXPECT_THROW(serve::parse_listen_address(bad), aio::Error) << bad;
}

}  // namespace
}  // namespace aio::report::openmetrics_test
