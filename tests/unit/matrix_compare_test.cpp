// SPDX-License-Identifier: GPL-2.0-only
//
// The one rule for what `matrix --compare` calls a change, and the headline
// that names a blocking minority.
#include <gtest/gtest.h>

#include "model/matrix_result.h"

namespace matrix_compare_test {

using namespace aio::model;

namespace {

MatrixCell cell(const std::string& engine, std::initializer_list<std::pair<Verdict, unsigned>> counts,
                std::optional<double> switches = 0.0, unsigned eagain = 0)
{
    MatrixCell c;
    c.engine = engine;
    for (auto [v, n] : counts)
        c.tally.add(v, n);
    c.requests = static_cast<unsigned>(c.tally.total()) + eagain;
    c.completed = static_cast<unsigned>(c.tally.total());
    c.switches_per_io = switches;
    c.eagain = eagain;
    return c;
}

MatrixReport report(const std::string& kernel, std::vector<MatrixCell> cells, bool nowait = false)
{
    MatrixScenario s;
    s.id = nowait ? "direct/fill-holes/block/q1/nowait" : "direct/append/block/q1";
    s.op = nowait ? "fill-holes" : "append";
    s.mode = "direct";
    s.size = 4096;
    s.nowait = nowait;
    s.cells = std::move(cells);
    MatrixFs fs;
    fs.id = "ext4";
    fs.fstype = "ext4";
    fs.scenarios.push_back(std::move(s));
    MatrixReport r;
    r.kernel_release = kernel;
    r.file_systems.push_back(std::move(fs));
    return r;
}

}  // namespace

TEST(MatrixHeadline, NamesEveryVerdictAboveTheThreshold)
{
    VerdictTally t;
    t.add(Verdict::async, 87);
    t.add(Verdict::blocking, 13);
    EXPECT_EQ(headline_verdicts(t), (std::vector<Verdict>{Verdict::async, Verdict::blocking}));
    VerdictTally quiet;
    quiet.add(Verdict::async, 95);
    quiet.add(Verdict::blocking, 5);
    EXPECT_EQ(headline_verdicts(quiet), (std::vector<Verdict>{Verdict::async}));
    EXPECT_TRUE(headline_verdicts(VerdictTally{}).empty());
    // Exactly at the threshold counts, as fsqual's "rate < 0.1 is GOOD".
    VerdictTally edge;
    edge.add(Verdict::async, 9);
    edge.add(Verdict::blocking, 1);
    EXPECT_EQ(headline_verdicts(edge).size(), 2u);
}

TEST(MatrixCompare, SameBehaviourIsNoChange)
{
    const auto a = report("6.1", {cell("libaio", {{Verdict::blocking, 64}}, 1.0)});
    const auto b = report("6.18", {cell("libaio", {{Verdict::blocking, 60}, {Verdict::async, 4}}, 0.95)});
    const auto cmp = compare(a, b);
    EXPECT_EQ(cmp.cells_compared, 1u);
    EXPECT_TRUE(cmp.changes.empty());
}

TEST(MatrixCompare, VerdictChangeIsReportedWithBothCells)
{
    const auto a = report(
        "6.1", {cell("libaio", {{Verdict::blocking, 64}}, 1.0), cell("io_uring", {{Verdict::async, 64}})});
    const auto b =
        report("6.18", {cell("libaio", {{Verdict::async, 64}}), cell("io_uring", {{Verdict::async, 64}})});
    const auto cmp = compare(a, b);
    ASSERT_EQ(cmp.changes.size(), 1u);
    const auto& ch = cmp.changes.front();
    EXPECT_EQ(ch.kind, MatrixChange::Kind::verdict);
    EXPECT_EQ(ch.fs_id, "ext4");
    EXPECT_EQ(ch.engine, "libaio");
    ASSERT_TRUE(ch.before && ch.after);
    EXPECT_EQ(ch.before->verdict(), Verdict::blocking);
    EXPECT_EQ(ch.after->verdict(), Verdict::async);
    EXPECT_EQ(cmp.cells_compared, 2u);
}

TEST(MatrixCompare, AMinorityCrossingTheThresholdIsAChange)
{
    const auto a = report("a", {cell("libaio", {{Verdict::async, 64}})});
    const auto b = report("b", {cell("libaio", {{Verdict::async, 54}, {Verdict::blocking, 10}})});
    const auto cmp = compare(a, b);
    ASSERT_EQ(cmp.changes.size(), 1u);
    EXPECT_EQ(cmp.changes[0].kind, MatrixChange::Kind::verdict);
}

TEST(MatrixCompare, FsqualGoodBadFlipIsAChange)
{
    // Same verdict, but the submitter now sleeps often enough for fsqual to
    // call it BAD: io_uring's caller never sleeps, a worker did.
    const auto a = report("a", {cell("libaio", {{Verdict::thread_async, 64}}, 0.02)});
    const auto b = report("b", {cell("libaio", {{Verdict::thread_async, 64}}, 0.3)});
    const auto cmp = compare(a, b);
    ASSERT_EQ(cmp.changes.size(), 1u);
    EXPECT_EQ(cmp.changes[0].kind, MatrixChange::Kind::fsqual);
    // Unknown switches on one side: nothing to compare there.
    const auto c = report("c", {cell("libaio", {{Verdict::thread_async, 64}}, std::nullopt)});
    EXPECT_TRUE(compare(a, c).changes.empty());
}

TEST(MatrixCompare, NowaitRefusalsCrossingTheThresholdAreAChange)
{
    const auto a = report("a", {cell("libaio", {{Verdict::async, 64}}, 0.0, 0)}, true);
    const auto b = report("b", {cell("libaio", {{Verdict::async, 64}}, 0.0, 64)}, true);
    const auto cmp = compare(a, b);
    ASSERT_EQ(cmp.changes.size(), 1u);
    EXPECT_EQ(cmp.changes[0].kind, MatrixChange::Kind::eagain);
}

TEST(MatrixCompare, MeasuredOnOneSideOnly)
{
    auto skipped = cell("libaio", {});
    skipped.skipped = "open: EINVAL";
    const auto a = report("6.1", {skipped});
    const auto b = report("6.18", {cell("libaio", {{Verdict::sync, 64}})});
    const auto cmp = compare(a, b);
    ASSERT_EQ(cmp.changes.size(), 1u);
    EXPECT_EQ(cmp.changes[0].kind, MatrixChange::Kind::measured);
    EXPECT_EQ(cmp.cells_compared, 0u);
}

TEST(MatrixCompare, UnmatchedFileSystemsScenariosAndEngines)
{
    auto a =
        report("a", {cell("libaio", {{Verdict::async, 8}}), cell("posix", {{Verdict::thread_async, 8}})});
    auto b = report("b", {cell("libaio", {{Verdict::async, 8}})});
    MatrixFs only_b;
    only_b.id = "btrfs";
    only_b.scenarios = b.file_systems[0].scenarios;
    b.file_systems.push_back(only_b);
    MatrixFs not_made;
    not_made.id = "f2fs";
    not_made.skipped = "mkfs.f2fs is not installed";
    a.file_systems.push_back(not_made);
    MatrixScenario extra = a.file_systems[0].scenarios[0];
    extra.id = "direct/read/sector/q30";
    a.file_systems[0].scenarios.push_back(extra);

    const auto cmp = compare(a, b);
    EXPECT_TRUE(cmp.changes.empty());  // posix left out of one run (-e) is not a change
    EXPECT_EQ(cmp.fs_only_after, std::vector<std::string>{"btrfs"});
    EXPECT_TRUE(cmp.fs_only_before.empty());  // f2fs was measured in neither
    EXPECT_EQ(cmp.scenarios_only_before, std::vector<std::string>{"ext4/direct/read/sector/q30"});
}

TEST(MatrixCompare, InlineOnlyDifferencesAreUndecidedNotChanges)
{
    // A fast loop device completes before io_submit returns: `sync inline?`
    // on one side, async on the other, nothing else differs.
    auto fast = cell("libaio", {{Verdict::sync, 50}, {Verdict::async, 14}});
    fast.ambiguous = 50;
    const auto a = report("6.1", {fast});
    const auto b = report("6.18", {cell("libaio", {{Verdict::async, 64}})});
    auto cmp = compare(a, b);
    EXPECT_TRUE(cmp.changes.empty());
    ASSERT_EQ(cmp.undecided.size(), 1u);
    EXPECT_EQ(cmp.undecided[0].engine, "libaio");
    // A sync that slept nowhere but was not ready at return is not
    // ambiguous: a real change.
    auto blocking = cell("libaio", {{Verdict::blocking, 50}, {Verdict::async, 14}});
    const auto c = report("6.1", {blocking});
    cmp = compare(c, b);
    EXPECT_EQ(cmp.changes.size(), 1u);
    EXPECT_TRUE(cmp.undecided.empty());
}

}  // namespace matrix_compare_test
