// SPDX-License-Identifier: GPL-2.0-only
//
// `trace -i`: an interval is the difference of two running totals, field by
// field, and is printed under its timestamp (text) or as one JSON Lines object.
#include <gtest/gtest.h>

#include <sstream>

#include "model/trace_delta.h"
#include "report/trace_interval.h"

namespace aio::model::trace_delta_test {
namespace {

TraceOp op(const std::string& symbol, bool direct = false)
{
    TraceOp o;
    o.op = {symbol, "", OpKind::read_iter};
    o.file = FileKind::regular;
    o.direct = direct;
    o.dev_major = 7;
    o.dev_minor = 1;
    return o;
}

// A running total after `n` requests of which `slept` slept in submission.
TraceOp after(TraceOp o, std::uint64_t n, std::uint64_t slept)
{
    o.requests = n;
    o.syscalls = n;
    o.slept_in_submission = slept;
    o.completed_after = n - slept;
    o.tally.add(Verdict::blocking, slept);
    o.tally.add(Verdict::async, n - slept);
    o.contexts[CompletionContext::other_task] = n;
    for (std::uint64_t i = 0; i < n; ++i)
        o.submit.add(i < slept ? 1 << 20 : 1 << 10);
    o.driver_returned = TraceOp::DriverReturns{n - slept, slept, 0};
    return o;
}

TraceReport report(double duration, std::vector<TraceOp> ops)
{
    TraceReport r;
    r.backend = Backend::tracepoint;
    r.duration_s = duration;
    r.ops = std::move(ops);
    r.lost = {{"stacks_not_captured", 0}, {"sleep_table_full", 0}};
    return r;
}

TEST(TraceDelta, CountsSharesAndHistogramsAreThoseOfTheInterval)
{
    const TraceReport first = report(1.0, {after(op("ext4_file_read_iter"), 10, 10)});
    const TraceReport second = report(2.5, {after(op("ext4_file_read_iter"), 30, 10)});
    const TraceReport d = delta(first, second);
    EXPECT_DOUBLE_EQ(d.duration_s, 1.5);
    ASSERT_EQ(d.ops.size(), 1u);
    const TraceOp& o = d.ops[0];
    EXPECT_EQ(o.requests, 20u);
    EXPECT_EQ(o.syscalls, 20u);
    EXPECT_EQ(o.slept_in_submission, 0u);
    EXPECT_EQ(o.completed_after, 20u);
    // The first interval was all blocking; this one is all async.
    EXPECT_EQ(o.tally.count(Verdict::async), 20u);
    EXPECT_EQ(o.tally.count(Verdict::blocking), 0u);
    EXPECT_EQ(o.tally.dominant(), Verdict::async);
    EXPECT_EQ(o.contexts.at(CompletionContext::other_task), 20u);
    EXPECT_EQ(o.submit.count(), 20u);
    EXPECT_EQ(o.submit.slot(10), 20u);
    EXPECT_EQ(o.submit.slot(20), 0u);
    EXPECT_EQ(o.submit.sum(), 20u << 10);  // the interval's values only
    ASSERT_TRUE(o.driver_returned.has_value());
    EXPECT_EQ(o.driver_returned->queued, 20u);
    EXPECT_EQ(o.driver_returned->bytes, 0u);
}

TEST(TraceDelta, OpsAreMatchedByIdentityAndIdleOnesLeftOut)
{
    const TraceReport first = report(
        1, {after(op("xfs_file_read_iter", true), 8, 0), after(op("xfs_file_read_iter", false), 4, 4)});
    // Same symbol, buffered: idle this interval. Direct: 8 more. A new op appears.
    const TraceReport second =
        report(2, {after(op("xfs_file_read_iter", true), 16, 0), after(op("xfs_file_read_iter", false), 4, 4),
                   after(op("shmem_file_read_iter"), 3, 0)});
    const TraceReport d = delta(first, second);
    ASSERT_EQ(d.ops.size(), 2u);
    EXPECT_EQ(d.ops[0].op.symbol, "xfs_file_read_iter");
    EXPECT_TRUE(d.ops[0].direct);
    EXPECT_EQ(d.ops[0].requests, 8u);
    EXPECT_EQ(d.ops[1].op.symbol, "shmem_file_read_iter");
    EXPECT_EQ(d.ops[1].requests, 3u);  // first seen: all of it is new

    EXPECT_TRUE(delta(second, second).ops.empty());
}

TEST(TraceDelta, DevicesAreDifferentOps)
{
    TraceOp a = op("blkdev_read_iter"), b = op("blkdev_read_iter");
    b.dev_minor = 2;
    EXPECT_FALSE(same_op(a, b));
    EXPECT_TRUE(same_op(a, op("blkdev_read_iter")));
}

TEST(TraceDelta, CompletionsOfEarlierRequestsStillShow)
{
    // The tracepoint backend counts a request at io_submit's exit and times
    // its completion when it is reaped: here, in the next interval. That
    // interval has no new request, but it has the completion times.
    TraceOp submitted = after(op("ext4_file_read_iter", true), 4, 0);
    submitted.complete = {};
    TraceOp reaped = submitted;
    reaped.complete.add(1 << 15, 4);
    const TraceReport d = delta(report(1, {submitted}), report(2, {reaped}));
    ASSERT_EQ(d.ops.size(), 1u);
    EXPECT_EQ(d.ops[0].requests, 0u);
    EXPECT_EQ(d.ops[0].tally.total(), 0u);
    EXPECT_EQ(d.ops[0].complete.count(), 4u);
}

TEST(TraceDelta, DriverHookAttachedDuringTheIntervalCountsFromZero)
{
    TraceOp before = after(op("gadget_read_iter"), 5, 0);
    before.driver_returned.reset();
    TraceOp now = after(op("gadget_read_iter"), 9, 0);
    now.driver_returned = TraceOp::DriverReturns{3, 0, 0};  // hooked for the last 3 requests only
    const TraceReport d = delta(report(1, {before}), report(2, {now}));
    ASSERT_EQ(d.ops.size(), 1u);
    ASSERT_TRUE(d.ops[0].driver_returned.has_value());
    EXPECT_EQ(d.ops[0].driver_returned->queued, 3u);
}

TEST(TraceDelta, StacksAndLostEventsAreDifferences)
{
    TraceReport first = report(1, {});
    TraceReport second = report(2, {});
    TraceStack io;
    io.op = "ext4_file_read_iter";
    io.dev = "7:0";
    io.dev_name = "loop0";
    io.in_call = true;
    io.frames = {"io_schedule+0x1", "filemap_read+0x2"};
    io.sleeps = 5;
    io.offcpu_ns = 5000;
    io.comm = "fio";
    TraceStack lock = io;
    lock.frames = {"rwsem_down_read_slowpath+0x9"};
    first.stacks = {io, lock};
    io.sleeps = 12;
    io.offcpu_ns = 90000;
    second.stacks = {lock, io};  // lock: no new sleep
    first.lost["stacks_not_captured"] = 2;
    second.lost["stacks_not_captured"] = 7;
    const TraceReport d = delta(first, second);
    ASSERT_EQ(d.stacks.size(), 1u);
    EXPECT_EQ(d.stacks[0].frames, io.frames);
    EXPECT_EQ(d.stacks[0].sleeps, 7u);
    EXPECT_EQ(d.stacks[0].offcpu_ns, 85000u);
    EXPECT_EQ(d.lost.at("stacks_not_captured"), 5u);
    EXPECT_EQ(d.lost.at("sleep_table_full"), 0u);  // listed, zero or not

    // The same stack on another device is another stack.
    TraceStack other = io;
    other.dev = "7:1";
    second.stacks.push_back(other);
    EXPECT_EQ(delta(first, second).stacks.size(), 2u);
}

TEST(TraceDelta, SampledCallCountsAreThoseOfTheInterval)
{
    TraceReport first = report(1, {});
    TraceReport second = report(2, {});
    first.sampling = {8, 100, 3200};
    second.sampling = {8, 250, 8000};
    const TraceReport d = delta(first, second);
    EXPECT_EQ(d.sampling.every, 8u);
    EXPECT_EQ(d.sampling.io_submit_calls, 150u);
    EXPECT_EQ(d.sampling.io_submit_iocbs, 4800u);
}

TEST(TraceDelta, ACounterThatWentDownReadsZero)
{
    const TraceReport d = delta(report(2, {after(op("x"), 10, 5)}), report(1, {after(op("x"), 8, 5)}));
    // A wrapped-around counter would be huge and keep the op in the interval.
    EXPECT_TRUE(d.ops.empty());
    EXPECT_EQ(d.duration_s, 0.0);
}

TEST(TraceDelta, FromAnEmptyStartIsTheReportItself)
{
    const TraceReport r = report(3, {after(op("a"), 5, 1), after(op("b"), 2, 0)});
    const TraceReport d = delta(TraceReport{}, r);
    ASSERT_EQ(d.ops.size(), 2u);
    EXPECT_EQ(d.ops[0].requests, 5u);
    EXPECT_EQ(d.ops[1].requests, 2u);
    EXPECT_EQ(d.ops[0].tally.count(Verdict::blocking), 1u);
}

RunInfo info()
{
    RunInfo i;
    i.tool_version = "0.1.0";
    i.subcommand = "trace";
    i.host = "h";
    i.kernel_release = "6.18.0";
    i.machine = "x86_64";
    i.command_line = {"aio-audit", "trace", "-i", "1", "--json"};
    return i;
}

std::chrono::system_clock::time_point at(long long us)
{
    return std::chrono::system_clock::time_point(std::chrono::microseconds(us));
}

TEST(TraceIntervalReport, JsonLineIsStampedAndSaysWhichInterval)
{
    const TraceReport r = report(1.0, {after(op("ext4_file_read_iter"), 4, 0)});
    const auto j = report::trace_interval_json(
        r, {TraceInterval::Kind::interval, 3, at(1'000'000), at(2'000'000)}, info());
    EXPECT_EQ(j["schema_version"], kJsonSchemaVersion);
    EXPECT_EQ(j["subcommand"], "trace");
    EXPECT_EQ(j["kind"], "interval");
    EXPECT_EQ(j["interval"]["index"], 3);
    EXPECT_EQ(j["interval"]["start"], "1970-01-01T00:00:01.000000Z");
    EXPECT_EQ(j["interval"]["end"], "1970-01-01T00:00:02.000000Z");
    EXPECT_EQ(j["ops"][0]["requests"], 4);
    // One line: JSON Lines.
    EXPECT_EQ(j.dump(-1).find('\n'), std::string::npos);

    const auto t =
        report::trace_interval_json(r, {TraceInterval::Kind::total, 0, at(0), at(2'000'000)}, info());
    EXPECT_EQ(t["kind"], "total");
    EXPECT_TRUE(t["interval"]["index"].is_null());
}

TEST(TraceIntervalReport, TextIntervalIsATimestampAndTheTableOnly)
{
    const TraceReport r = report(1.0, {after(op("ext4_file_read_iter"), 4, 0)});
    std::ostringstream out;
    report::render_trace_interval_text(out, r, {TraceInterval::Kind::interval, 2, at(0), at(1'000'000)}, {});
    const std::string text = out.str();
    // "\nHH:MM:SS interval 2, 1.0s since HH:MM:SS\n" in local time.
    EXPECT_NE(text.find(" interval 2, 1.0s since "), std::string::npos) << text;
    EXPECT_EQ(text.find("Traced "), std::string::npos) << text;
    EXPECT_EQ(text.find("INLINE = "), std::string::npos) << text;
    EXPECT_NE(text.find("ext4_file_read_iter"), std::string::npos) << text;
    EXPECT_NE(text.find("lost events: none"), std::string::npos) << text;

    std::ostringstream total;
    report::render_trace_interval_text(total, r, {TraceInterval::Kind::total, 0, at(0), at(1'000'000)}, {});
    EXPECT_NE(total.str().find(" total since "), std::string::npos) << total.str();
    EXPECT_NE(total.str().find("Traced 1.0s with the tracepoint backend"), std::string::npos) << total.str();
    EXPECT_NE(total.str().find("INLINE = "), std::string::npos) << total.str();
}

TEST(TraceIntervalReport, IdleIntervalSaysSo)
{
    std::ostringstream out;
    report::render_trace_interval_text(out, report(1.0, {}), {TraceInterval::Kind::interval, 1, at(0), at(1)},
                                       {});
    EXPECT_NE(out.str().find("No asynchronous I/O requests seen"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace aio::model::trace_delta_test
