// SPDX-License-Identifier: GPL-2.0-only
//
// The static rules of analyzers/model/static_rules.cpp on evidence made by
// hand: what each kind of wait does to a verdict, the O_DIRECT split and its
// `otherwise`, relays, unseen code, the contract findings, and how a fops
// combines its handlers.
#include <gtest/gtest.h>

#include "model/static_verdict.h"

namespace scan_static_verdict_test {

using namespace aio::model;

namespace {

// Both views the same: no O_DIRECT test anywhere.
StaticEvidence both(const PathFacts& p)
{
    StaticEvidence e;
    e.direct = p;
    e.other = p;
    return e;
}

PathFacts queued_and_completed()
{
    PathFacts p;
    p.queues = p.deferred_completion = p.reached = true;
    return p;
}

Verdict v(const StaticEvidence& e)
{
    return classify_static(e).verdict;
}

}  // namespace

TEST(StaticRules, QueueAndCompletionIsAsyncWhateverMaySleep)
{
    StaticEvidence e = both(queued_and_completed());
    EXPECT_EQ(v(e), Verdict::async);
    // Locks, resources, readiness, preemption: evidence, not verdicts.
    e.may_sleep = e.readiness_wait = true;
    EXPECT_EQ(v(e), Verdict::async);
    // Another path waits inline (the mixed driver): still async.
    e.direct.io_wait = e.other.io_wait = true;
    EXPECT_EQ(v(e), Verdict::async);
}

TEST(StaticRules, WhatTheQueuedPathWaitsFor)
{
    PathFacts p = queued_and_completed();
    p.io_wait_queued = true;  // a synchronous metadata read before queueing
    EXPECT_EQ(v(both(p)), Verdict::blocking);
    p.engine_wait_queued = true;  // waits for the very transfer it queued
    EXPECT_EQ(v(both(p)), Verdict::fake_async);
}

TEST(StaticRules, WaitsWithoutQueueing)
{
    PathFacts engine;
    engine.engine_wait = engine.reached = true;  // RPC or daemon request started, then waited for
    EXPECT_EQ(v(both(engine)), Verdict::fake_async);
    PathFacts io;
    io.io_wait = io.reached = true;  // usb_bulk_msg, a page-cache miss from a device
    EXPECT_EQ(v(both(io)), Verdict::blocking);
    EXPECT_EQ(v(both(PathFacts{})), Verdict::sync);
}

TEST(StaticRules, LostCompletionAndUnseenCode)
{
    PathFacts lost;
    lost.queues = lost.reached = true;
    EXPECT_EQ(v(both(lost)), Verdict::unknown);
    // "Nothing waits" needs every callee seen; a wait seen is enough to block.
    StaticEvidence unseen = both(PathFacts{});
    unseen.resolved = false;
    EXPECT_EQ(v(unseen), Verdict::unknown);
    PathFacts io;
    io.io_wait = true;
    StaticEvidence seen_wait = both(io);
    seen_wait.resolved = false;
    EXPECT_EQ(v(seen_wait), Verdict::blocking);
}

TEST(StaticRules, Relays)
{
    PathFacts fwd;
    fwd.forwards = fwd.reached = true;
    EXPECT_EQ(v(both(fwd)), Verdict::unknown);  // as asynchronous as the lower file
    PathFacts sync_fwd;
    sync_fwd.sync_forward = sync_fwd.reached = true;
    EXPECT_EQ(v(both(sync_fwd)), Verdict::blocking);
    // The relay's transfer is the lower file's: an upcall on the way is not it.
    sync_fwd.engine_wait = true;
    EXPECT_EQ(v(both(sync_fwd)), Verdict::blocking);
}

TEST(StaticRules, ODirectOnlyNamesItsCondition)
{
    StaticEvidence e;
    e.direct.direct_engine = e.direct.reached = true;  // iomap_dio_rw
    e.other.io_wait = e.other.reached = true;          // filemap_read from a device
    const StaticVerdict sv = classify_static(e);
    EXPECT_EQ(sv.verdict, Verdict::odirect_async);
    EXPECT_EQ(sv.condition, "o_direct");
    EXPECT_EQ(sv.otherwise, Verdict::blocking);
    EXPECT_EQ(verdict_text(sv), "odirect-async (O_DIRECT only; buffered: blocking)");

    // The subsystem's own O_DIRECT engine (block, nfs): the same verdict.
    StaticEvidence own;
    own.direct = queued_and_completed();
    EXPECT_EQ(classify_static(own).verdict, Verdict::odirect_async);
    EXPECT_EQ(classify_static(own).otherwise, Verdict::sync);

    // `otherwise` is the worst the other requests can meet: a cache mode
    // that goes unbuffered does not hide the page cache's waits.
    StaticEvidence mixed;
    mixed.direct = queued_and_completed();
    mixed.other = queued_and_completed();
    mixed.other.io_wait = true;
    EXPECT_EQ(classify_static(mixed).verdict, Verdict::odirect_async);
    EXPECT_EQ(classify_static(mixed).otherwise, Verdict::blocking);

    // Worse under O_DIRECT than without: the worse, under its condition.
    StaticEvidence worse;
    worse.direct.engine_wait = worse.direct.reached = true;  // orangefs ->direct_IO
    worse.other.io_wait = true;
    EXPECT_EQ(classify_static(worse), (StaticVerdict{Verdict::fake_async, "o_direct", Verdict::blocking}));
    // Worse without O_DIRECT: no condition to name.
    StaticEvidence better;
    better.direct.io_wait = true;
    better.other.engine_wait = true;
    EXPECT_EQ(classify_static(better), (StaticVerdict{Verdict::fake_async, "", std::nullopt}));
}

TEST(StaticRules, ContractFindings)
{
    StaticEvidence lost;
    lost.other.queues = true;
    EXPECT_EQ(contract_findings(lost, classify_static(lost)),
              (std::vector<Contract>{Contract::queued_without_completion}));
    // A callee nobody saw that is handed the kiocb may complete it.
    lost.unseen_gets_kiocb = true;
    EXPECT_TRUE(contract_findings(lost, classify_static(lost)).empty());

    StaticEvidence e = both(queued_and_completed());
    e.cancel = true;
    EXPECT_TRUE(contract_findings(e, classify_static(e)).empty());
    e.cancel = false;
    EXPECT_EQ(contract_findings(e, classify_static(e)), (std::vector<Contract>{Contract::no_cancel}));
    e.cancel = true;
    e.double_completion = true;
    EXPECT_EQ(contract_findings(e, classify_static(e)), (std::vector<Contract>{Contract::double_completion}));

    // io_cancel reaches only queued requests: a fake-async that never queues
    // has nothing to cancel.
    PathFacts engine;
    engine.engine_wait = true;
    StaticEvidence rpc = both(engine);
    EXPECT_TRUE(contract_findings(rpc, classify_static(rpc)).empty());

    // FMODE_NOWAIT is a promise only the file that makes it can break.
    StaticEvidence sleeper = both(PathFacts{});
    sleeper.sleeps_unchecked = true;
    EXPECT_TRUE(contract_findings(sleeper, classify_static(sleeper)).empty());
    sleeper.nowait_advertised = true;
    EXPECT_EQ(contract_findings(sleeper, classify_static(sleeper)), (std::vector<Contract>{Contract::nowait_ignored}));
    sleeper.nowait_checked = true;
    EXPECT_TRUE(contract_findings(sleeper, classify_static(sleeper)).empty());

    StaticEvidence none;
    none.present = false;
    EXPECT_EQ(v(none), Verdict::unsupported);
    EXPECT_TRUE(contract_findings(none, classify_static(none)).empty());
}

TEST(StaticRules, CombineTakesTheWorstHandlerAndKeepsItsCondition)
{
    EXPECT_EQ(combine_static(std::vector<Verdict>{}), Verdict::unsupported);
    EXPECT_EQ(combine_static(std::vector<Verdict>{Verdict::async, Verdict::sync}), Verdict::sync);
    EXPECT_EQ(combine_static(std::vector<Verdict>{Verdict::async, Verdict::fake_async}), Verdict::fake_async);
    EXPECT_EQ(combine_static(std::vector<Verdict>{Verdict::unsupported, Verdict::async}), Verdict::async);

    const StaticVerdict odirect{Verdict::odirect_async, "o_direct", Verdict::blocking};
    const StaticVerdict odirect_sync{Verdict::odirect_async, "o_direct", Verdict::sync};
    const StaticVerdict async{Verdict::async, "", std::nullopt};
    EXPECT_EQ(combine_static(std::vector<StaticVerdict>{odirect, odirect_sync}), odirect);
    EXPECT_EQ(combine_static(std::vector<StaticVerdict>{odirect_sync, async}), odirect_sync);
    // A handler worse than O_DIRECT-only decides, with no condition.
    const StaticVerdict blocking{Verdict::blocking, "", std::nullopt};
    EXPECT_EQ(combine_static(std::vector<StaticVerdict>{odirect, blocking}), blocking);
}

TEST(StaticRules, ConditionText)
{
    EXPECT_EQ(condition_text("o_direct"), "O_DIRECT only");
    EXPECT_EQ(condition_text("o_direct+mount:cache=none"), "O_DIRECT only and mount option cache=none");
    EXPECT_EQ(condition_text("protocol:fuse-async-dio"), "protocol fuse-async-dio");
    EXPECT_EQ(verdict_text({Verdict::fake_async, "mount:cache=none", Verdict::blocking}),
              "fake-async (mount option cache=none; otherwise: blocking)");
    EXPECT_EQ(verdict_text({Verdict::sync, "", std::nullopt}), "sync");
}

TEST(StaticVerdict, NamesAndSeverities)
{
    for (Contract c : kAllContracts) {
        EXPECT_EQ(parse_contract(name(c)), c);
        EXPECT_FALSE(meaning(c).empty());
    }
    EXPECT_FALSE(parse_contract("contract").has_value());
    EXPECT_TRUE(is_may_sleep(EvidenceKind::lock_wait));
    EXPECT_TRUE(is_may_sleep(EvidenceKind::readiness_wait));
    EXPECT_FALSE(is_may_sleep(EvidenceKind::engine_wait));
    EXPECT_FALSE(is_may_sleep(EvidenceKind::wait));
}

TEST(StaticVerdict, Summarize)
{
    std::vector<FopsReport> fops(3);
    fops[0].at.file = "a.c";
    fops[0].verdict = Verdict::async;
    fops[0].findings = {Contract::no_cancel};
    fops[1].at.file = "a.c";
    fops[1].verdict = Verdict::unsupported;
    fops[2].at.file = "b.c";
    fops[2].verdict = Verdict::async;
    const StaticSummary s = summarize(fops);
    EXPECT_EQ(s.fops, 3u);
    EXPECT_EQ(s.files_with_fops, 2u);
    EXPECT_EQ(s.verdicts.count(Verdict::async), 2u);
    EXPECT_EQ(s.contract_total, 1u);
    EXPECT_EQ(s.contracts[static_cast<std::size_t>(Contract::no_cancel)], 1u);
}

TEST(StaticRules, EngineWaitBesideARelayIsStillFakeAsync)
{
    // fuse: one branch relays to the backing file (passthrough), another
    // sends the request to the daemon and waits for it.
    PathFacts p;
    p.sync_forward = p.engine_wait = p.reached = true;
    EXPECT_EQ(worst_path(p, true), Verdict::blocking);
    p.engine_wait_apart = true;
    EXPECT_EQ(worst_path(p, true), Verdict::fake_async);
}

TEST(StaticRules, GatedQueueNamesItsFeature)
{
    StaticEvidence e;
    e.direct = queued_and_completed();
    e.direct.queue_gate = "protocol:fuse-async-dio";
    e.direct.engine_wait = e.direct.engine_wait_apart = true;
    e.other.reached = true;
    const StaticVerdict v = classify_static(e);
    EXPECT_EQ(v.verdict, Verdict::odirect_async);
    EXPECT_EQ(v.condition, "o_direct+protocol:fuse-async-dio");
    ASSERT_TRUE(v.otherwise.has_value());
    EXPECT_EQ(*v.otherwise, Verdict::fake_async);
    // The same view for every request: async under the feature alone.
    const StaticVerdict w = classify_static(both(e.direct));
    EXPECT_EQ(w.verdict, Verdict::async);
    EXPECT_EQ(w.condition, "protocol:fuse-async-dio");
}

}  // namespace scan_static_verdict_test
