// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include "model/static_verdict.h"

using namespace aio::model;

namespace {

StaticEvidence queued_and_completed()
{
    StaticEvidence e;
    e.queues = true;
    e.deferred_completion = true;
    e.cancel = true;
    return e;
}

}  // namespace

TEST(StaticVerdict, DecisionTable)
{
    StaticEvidence none;
    none.present = false;
    EXPECT_EQ(classify_static(none), Verdict::unsupported);

    StaticEvidence unseen;
    unseen.resolved = false;
    unseen.queues = true;
    EXPECT_EQ(classify_static(unseen), Verdict::unknown);

    StaticEvidence e = queued_and_completed();
    EXPECT_EQ(classify_static(e), Verdict::async);
    e.waits = true;  // sleeps on another path (the mixed gadget's inline branch)
    EXPECT_EQ(classify_static(e), Verdict::async);
    e.waits_on_queued_path = true;  // backpressure before the queue
    EXPECT_EQ(classify_static(e), Verdict::blocking);
    e.waits_after_queueing = true;
    EXPECT_EQ(classify_static(e), Verdict::fake_async);

    StaticEvidence lost;
    lost.queues = true;
    EXPECT_EQ(classify_static(lost), Verdict::unknown);

    StaticEvidence dio;
    dio.delegates_direct_io = true;
    dio.buffered_io = true;
    EXPECT_EQ(classify_static(dio), Verdict::odirect_async);

    StaticEvidence fwd;
    fwd.forwards = true;
    fwd.waits = true;
    EXPECT_EQ(classify_static(fwd), Verdict::unknown);

    StaticEvidence buffered;
    buffered.buffered_io = true;
    EXPECT_EQ(classify_static(buffered), Verdict::blocking);

    StaticEvidence ready;
    ready.readiness_wait = true;
    EXPECT_EQ(classify_static(ready), Verdict::sync);
    EXPECT_EQ(classify_static(StaticEvidence{}), Verdict::sync);
}

TEST(StaticVerdict, ContractFindings)
{
    StaticEvidence lost;
    lost.queues = true;
    EXPECT_EQ(contract_findings(lost), (std::vector<Contract>{Contract::queued_without_completion}));

    StaticEvidence e = queued_and_completed();
    EXPECT_TRUE(contract_findings(e).empty());
    e.cancel = false;
    EXPECT_EQ(contract_findings(e), (std::vector<Contract>{Contract::no_cancel}));
    e.cancel = true;
    e.double_completion = true;
    EXPECT_EQ(contract_findings(e), (std::vector<Contract>{Contract::double_completion}));

    // FMODE_NOWAIT is a promise only the file that makes it can break.
    StaticEvidence sleeper;
    sleeper.waits = true;
    EXPECT_TRUE(contract_findings(sleeper).empty());
    sleeper.nowait_advertised = true;
    EXPECT_EQ(contract_findings(sleeper), (std::vector<Contract>{Contract::nowait_ignored}));
    sleeper.nowait_checked = true;
    EXPECT_TRUE(contract_findings(sleeper).empty());

    StaticEvidence unseen;
    unseen.resolved = false;
    unseen.queues = true;
    EXPECT_TRUE(contract_findings(unseen).empty());
}

TEST(StaticVerdict, CombineTakesTheWorstHandler)
{
    EXPECT_EQ(combine_static({}), Verdict::unsupported);
    EXPECT_EQ(combine_static({Verdict::async, Verdict::sync}), Verdict::sync);
    EXPECT_EQ(combine_static({Verdict::async, Verdict::fake_async}), Verdict::fake_async);
    EXPECT_EQ(combine_static({Verdict::odirect_async, Verdict::unknown}), Verdict::unknown);
    EXPECT_EQ(combine_static({Verdict::unsupported, Verdict::async}), Verdict::async);
}

TEST(StaticVerdict, NamesAndSeverities)
{
    for (Contract c : kAllContracts) {
        EXPECT_EQ(parse_contract(name(c)), c);
        EXPECT_FALSE(meaning(c).empty());
    }
    EXPECT_FALSE(parse_contract("contract").has_value());
    EXPECT_EQ(severity(Verdict::fake_async), Severity::error);
    EXPECT_EQ(severity(Verdict::blocking), Severity::warning);
    EXPECT_EQ(severity(Verdict::async), Severity::none);
    EXPECT_EQ(severity(Contract::double_completion), Severity::error);
    EXPECT_EQ(severity(Contract::no_cancel), Severity::warning);
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
