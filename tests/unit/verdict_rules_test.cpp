// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include "model/verdict_rules.h"

namespace verdict_rules_test {

using namespace aio::model;

namespace {

RequestEvidence seen(CompletionContext ctx, CompletionTime when, Tri slept_call, Tri slept_sub)
{
    RequestEvidence e;
    e.context = ctx;
    e.completed = when;
    e.slept_in_driver_call = slept_call;
    e.slept_in_submission = slept_sub;
    return e;
}

}  // namespace

TEST(VerdictNames, RoundTripEveryVerdict)
{
    for (Verdict v : kAllVerdicts) {
        auto parsed = parse_verdict(name(v));
        ASSERT_TRUE(parsed.has_value()) << name(v);
        EXPECT_EQ(*parsed, v);
        EXPECT_FALSE(meaning(v).empty());
    }
    EXPECT_EQ(parse_verdict("fake_async"), Verdict::fake_async);
    EXPECT_FALSE(parse_verdict("asynchronous").has_value());
}

TEST(Classify, RefusedIsUnsupportedWhateverElse)
{
    RequestEvidence e = seen(CompletionContext::hardirq, CompletionTime::after_syscall, Tri::no, Tri::no);
    e.refused = true;
    EXPECT_EQ(classify(e), Verdict::unsupported);
}

TEST(Classify, PuntToWorkerIsThreadAsync)
{
    RequestEvidence e;
    e.punted = true;
    e.slept_in_submission = Tri::no;
    EXPECT_EQ(classify(e), Verdict::thread_async);
    EXPECT_EQ(classify(seen(CompletionContext::helper_thread, CompletionTime::after_syscall, Tri::unknown,
                            Tri::no)),
              Verdict::thread_async);
}

TEST(Classify, InlineCopyWithoutSleepIsSync)
{
    EXPECT_EQ(classify(seen(CompletionContext::submitter, CompletionTime::in_driver_call, Tri::no, Tri::no)),
              Verdict::sync);
}

TEST(Classify, InlineAfterSleepingIsBlocking)
{
    // Buffered read from disk: slept in the driver call, completed inline.
    EXPECT_EQ(classify(seen(CompletionContext::submitter, CompletionTime::in_syscall, Tri::yes, Tri::yes)),
              Verdict::blocking);
}

TEST(Classify, IrqCompletionWithoutSleepIsAsyncEvenBeforeSyscallReturn)
{
    // A fast device interrupting on the submitter's CPU before io_submit returns.
    EXPECT_EQ(classify(seen(CompletionContext::hardirq, CompletionTime::in_syscall, Tri::no, Tri::no)),
              Verdict::async);
    EXPECT_EQ(classify(seen(CompletionContext::other_task, CompletionTime::after_syscall, Tri::no, Tri::no)),
              Verdict::async);
}

TEST(Classify, WaitingForOwnRequestInDriverCallIsFakeAsync)
{
    EXPECT_EQ(classify(seen(CompletionContext::other_task, CompletionTime::in_driver_call, Tri::yes, Tri::yes)),
              Verdict::fake_async);
}

TEST(Classify, BackpressureIsBlockingNotFakeAsync)
{
    // Slept in submission (full tag queue) but this request completed later.
    EXPECT_EQ(classify(seen(CompletionContext::hardirq, CompletionTime::after_syscall, Tri::yes, Tri::yes)),
              Verdict::blocking);
    // Slept in the syscall but outside this request's driver call, completed before return.
    EXPECT_EQ(classify(seen(CompletionContext::softirq, CompletionTime::in_syscall, Tri::no, Tri::yes)),
              Verdict::blocking);
}

TEST(Classify, TaskWorkCompletionAfterReturnIsAsync)
{
    EXPECT_EQ(classify(seen(CompletionContext::submitter, CompletionTime::after_syscall, Tri::unknown, Tri::no)),
              Verdict::async);
}

TEST(Classify, UserSpaceViewWithoutContext)
{
    // What probe sees: ring tail and voluntary context switches only.
    auto e = seen(CompletionContext::unknown, CompletionTime::after_syscall, Tri::unknown, Tri::no);
    EXPECT_EQ(classify(e), Verdict::async);
    EXPECT_FALSE(ready_at_return_ambiguous(e));

    e = seen(CompletionContext::unknown, CompletionTime::in_syscall, Tri::unknown, Tri::no);
    EXPECT_EQ(classify(e), Verdict::sync);
    EXPECT_TRUE(ready_at_return_ambiguous(e));

    // Fake-async seen from user space: ready at return after sleeping.
    e = seen(CompletionContext::unknown, CompletionTime::in_syscall, Tri::unknown, Tri::yes);
    EXPECT_EQ(classify(e), Verdict::blocking);
    EXPECT_FALSE(ready_at_return_ambiguous(e));

    e = seen(CompletionContext::unknown, CompletionTime::after_syscall, Tri::unknown, Tri::yes);
    EXPECT_EQ(classify(e), Verdict::blocking);
}

// A batch that sleeps for a free tag: the sleep falls in the window of
// whichever iocb found none, but the call was blocked for every request of
// that op (DESIGN.md: backpressure is blocking).
TEST(Classify, ACallThatSleptForTheOpIsBlockingForEachOfItsRequests)
{
    auto e = seen(CompletionContext::hardirq, CompletionTime::after_syscall, Tri::no, Tri::no);
    e.call_slept = Tri::no;
    EXPECT_EQ(classify(e), Verdict::async);
    e.call_slept = Tri::yes;
    EXPECT_EQ(classify(e), Verdict::blocking);
    // Inline requests of a call that slept for their op: the caller waited.
    auto inl = seen(CompletionContext::submitter, CompletionTime::in_driver_call, Tri::no, Tri::no);
    inl.call_slept = Tri::yes;
    EXPECT_EQ(classify(inl), Verdict::blocking);
    // The call's sleep is the only sleep fact measured: it decides alone.
    RequestEvidence only_call;
    only_call.context = CompletionContext::other_task;
    only_call.completed = CompletionTime::after_syscall;
    only_call.call_slept = Tri::no;
    EXPECT_EQ(classify(only_call), Verdict::async);
    // Not fake-async: its own driver call did not sleep.
    auto own = seen(CompletionContext::other_task, CompletionTime::in_driver_call, Tri::no, Tri::no);
    own.call_slept = Tri::yes;
    EXPECT_EQ(classify(own), Verdict::blocking);
}

// ext4 on a loop device: the submitter is preempted by the loop worker, which
// completes the readahead it issued; back on CPU it finds the page ready and
// completes inline without a voluntary switch. It waited for the device.
TEST(Classify, InlineAfterWaitingForTheDeviceOffCpuIsBlockingNotSync)
{
    auto e = seen(CompletionContext::submitter, CompletionTime::in_driver_call, Tri::no, Tri::no);
    e.call_slept = Tri::no;
    e.waited_for_device = Tri::no;
    EXPECT_EQ(classify(e), Verdict::sync);
    e.waited_for_device = Tri::yes;
    EXPECT_EQ(classify(e), Verdict::blocking);
    // Not measured (no block hooks, user space): the sleep facts decide.
    e.waited_for_device = Tri::unknown;
    EXPECT_EQ(classify(e), Verdict::sync);

    // Tracepoint backend: ready at return, context not seen.
    auto tp = seen(CompletionContext::unknown, CompletionTime::in_syscall, Tri::unknown, Tri::no);
    tp.waited_for_device = Tri::yes;
    EXPECT_EQ(classify(tp), Verdict::blocking);
    EXPECT_FALSE(ready_at_return_ambiguous(tp)) << "it waited: not an inline copy";
    tp.waited_for_device = Tri::no;
    EXPECT_EQ(classify(tp), Verdict::sync);
    EXPECT_TRUE(ready_at_return_ambiguous(tp));

    // A device completion from another context is async even when the
    // submitter was off CPU meanwhile: the rule is about inline completions.
    auto dev = seen(CompletionContext::other_task, CompletionTime::in_syscall, Tri::no, Tri::no);
    dev.waited_for_device = Tri::yes;
    EXPECT_EQ(classify(dev), Verdict::async);
}

// Tracepoint backend: an event posted while the submitter was off CPU was
// posted by another context, whichever it was.
TEST(Classify, PostedElsewhereIsDeferred)
{
    auto e = seen(CompletionContext::elsewhere, CompletionTime::in_syscall, Tri::unknown, Tri::no);
    EXPECT_EQ(classify(e), Verdict::async);
    EXPECT_FALSE(ready_at_return_ambiguous(e));
    e.slept_in_submission = Tri::yes;
    EXPECT_EQ(classify(e), Verdict::blocking);
    EXPECT_EQ(name(CompletionContext::elsewhere), "elsewhere");
}

TEST(Classify, NeverGuessesUnmeasuredFacts)
{
    EXPECT_EQ(classify(RequestEvidence{}), Verdict::unknown);
    EXPECT_EQ(classify(seen(CompletionContext::hardirq, CompletionTime::after_syscall, Tri::unknown,
                            Tri::unknown)),
              Verdict::unknown);
    EXPECT_EQ(classify(seen(CompletionContext::unknown, CompletionTime::unknown, Tri::unknown, Tri::no)),
              Verdict::unknown);
}

TEST(Tally, SharesAndDominant)
{
    VerdictTally t;
    EXPECT_EQ(t.dominant(), Verdict::unknown);
    EXPECT_FALSE(t.mixed());
    t.add(Verdict::async, 7);
    t.add(Verdict::blocking, 3);
    EXPECT_EQ(t.total(), 10u);
    EXPECT_EQ(t.dominant(), Verdict::async);
    EXPECT_TRUE(t.mixed());
    EXPECT_DOUBLE_EQ(t.share(Verdict::blocking), 0.3);
    auto s = t.shares();
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].first, Verdict::async);
    EXPECT_EQ(s[1].first, Verdict::blocking);
}

TEST(Tally, TieGoesToTheMoreSevereVerdict)
{
    VerdictTally t;
    t.add(Verdict::async, 5);
    t.add(Verdict::fake_async, 5);
    EXPECT_EQ(t.dominant(), Verdict::fake_async);
    VerdictTally u;
    u.add(Verdict::sync, 2);
    u.add(Verdict::blocking, 2);
    EXPECT_EQ(u.dominant(), Verdict::blocking);
}

TEST(Tally, Merge)
{
    VerdictTally a, b;
    a.add(Verdict::sync, 2);
    b.add(Verdict::sync, 1);
    b.add(Verdict::unsupported);
    a.merge(b);
    EXPECT_EQ(a.count(Verdict::sync), 3u);
    EXPECT_EQ(a.total(), 4u);
}

}  // namespace verdict_rules_test
