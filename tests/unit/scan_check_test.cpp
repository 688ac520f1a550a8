// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "model/errors.h"
#include "scan/check.h"
#include "scan/diff.h"

using namespace aio;
using model::Contract;
using model::Verdict;

namespace {

const std::string kFixtures = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan";

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

scan::CheckReport check(const std::string& diff_file, std::string_view fail_on = scan::kDefaultFailOn)
{
    const auto touches = scan::parse_unified_diff(slurp(kFixtures + "/diffs/" + diff_file));
    return scan::check_diff(touches, kFixtures, scan::parse_fail_on(fail_on));
}

std::vector<std::string> rules(const scan::CheckReport& r)
{
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        out.push_back(f.rule + (f.fails ? "!" : ""));
    return out;
}

}  // namespace

TEST(ScanDiff, GitDiffLinesAndPatchLines)
{
    const auto d = scan::parse_unified_diff("diff --git a/x.c b/x.c\n"
                                            "index 1..2 100644\n"
                                            "--- a/x.c\n"
                                            "+++ b/x.c\n"
                                            "@@ -10,3 +10,4 @@ static int f(void)\n"
                                            " a\n"
                                            "+b\n"
                                            " c\n"
                                            "-d\n"
                                            "+e\n"
                                            "@@ -40,2 +41,0 @@\n"
                                            "-gone\n"
                                            "-gone too\n");
    ASSERT_EQ(d.files.size(), 1u);
    const auto& f = d.files.at("x.c");
    ASSERT_EQ(f.lines.size(), 5u);
    EXPECT_EQ(f.lines[0].line, 11u);  // +b
    EXPECT_EQ(f.lines[0].patch_line, 7u);
    EXPECT_EQ(f.lines[1].line, 13u);  // -d touches the line that follows it
    EXPECT_EQ(f.lines[2].line, 13u);  // +e
    EXPECT_EQ(f.lines[3].line, 42u);  // a pure deletion after line 41
}

TEST(ScanDiff, NewDeletedAndPlainDiffU)
{
    const auto d =
        scan::parse_unified_diff("--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+x\n+y\n"
                                 "--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
                                 "--- drivers/u.c\t2024-01-01 00:00:00\n+++ drivers/u.c\t2024-01-02\n"
                                 "@@ -5 +5 @@\n-p\n+q\n");
    EXPECT_EQ(d.files.at("new.c").lines.size(), 2u);
    EXPECT_TRUE(d.files.at("old.c").deleted);
    EXPECT_EQ(d.files.at("drivers/u.c").lines.back().line, 5u);
}

TEST(ScanDiff, FormatPatchSeriesAndGarbage)
{
    const auto d = scan::parse_unified_diff(slurp(kFixtures + "/diffs/series.patch"));
    EXPECT_EQ(d.files.size(), 2u);
    EXPECT_EQ(d.files.count("legacy26/fake_aio.c"), 1u);
    EXPECT_NO_THROW(scan::parse_unified_diff(""));
    EXPECT_THROW(scan::parse_unified_diff(slurp(kFixtures + "/diffs/not_a_diff.txt")), UsageError);
    EXPECT_THROW(scan::parse_unified_diff("--- a/x.c\n+++ b/x.c\n@@ bogus @@\n"), UsageError);
    EXPECT_THROW(scan::parse_unified_diff("@@ -1 +1 @@\n+x\n"), UsageError);
}

TEST(ScanCheck, FailOnParsing)
{
    auto p = scan::parse_fail_on("fake-async,contract");
    EXPECT_EQ(p.verdict, Verdict::fake_async);
    EXPECT_EQ(p.contracts.size(), 4u);
    p = scan::parse_fail_on("blocking, double-completion");
    EXPECT_EQ(p.verdict, Verdict::blocking);
    EXPECT_EQ(p.contracts, (std::set<Contract>{Contract::double_completion}));
    p = scan::parse_fail_on("warning");
    EXPECT_EQ(p.level, model::Severity::warning);
    p = scan::parse_fail_on("none");
    EXPECT_FALSE(p.verdict || p.level || !p.contracts.empty());
    EXPECT_THROW(scan::parse_fail_on("slow"), UsageError);

    model::CheckFinding f;
    f.severity = model::Severity::warning;
    f.verdict = Verdict::blocking;
    EXPECT_FALSE(scan::fails(scan::parse_fail_on("fake-async,contract"), f));
    EXPECT_TRUE(scan::fails(scan::parse_fail_on("blocking"), f));
    EXPECT_TRUE(scan::fails(scan::parse_fail_on("unknown"), f));  // unknown is less severe: at or above it
    EXPECT_TRUE(scan::fails(scan::parse_fail_on("warning"), f));
    EXPECT_FALSE(scan::fails(scan::parse_fail_on("error"), f));
}

TEST(ScanCheck, FakeAsyncDiffFails)
{
    const auto r = check("fake_async.diff");
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].name, "fake_async_fops");
    EXPECT_EQ(rules(r), (std::vector<std::string>{"fake-async!", "no-cancel!"}));
    EXPECT_EQ(r.findings[0].patch_line, 9u);
    EXPECT_EQ(r.findings[0].at.file, "modern/fake_async.c");
    EXPECT_TRUE(r.failed());
}

TEST(ScanCheck, CleanAsyncDiffPasses)
{
    const auto r = check("async_clean.diff");
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].verdict, Verdict::async);
    EXPECT_TRUE(r.findings.empty());
    EXPECT_FALSE(r.failed());
}

TEST(ScanCheck, BlockingIsAWarningUnlessAsked)
{
    EXPECT_FALSE(check("blocking.diff").failed());
    EXPECT_EQ(rules(check("blocking.diff")), (std::vector<std::string>{"blocking"}));
    EXPECT_TRUE(check("blocking.diff", "blocking").failed());
    EXPECT_FALSE(check("fake_async.diff", "none").failed());
}

TEST(ScanCheck, ContractViolationFailsByDefault)
{
    const auto r = check("lost.diff");
    EXPECT_EQ(rules(r), (std::vector<std::string>{"unknown", "queued-without-completion!"}));
    EXPECT_TRUE(r.failed());
}

TEST(ScanCheck, LinesOffTheHandlerPathsTouchNothing)
{
    const auto r = check("unrelated.diff");
    EXPECT_TRUE(r.fops.empty());
    EXPECT_EQ(r.files_changed, 1u);
    EXPECT_FALSE(r.failed());
}

TEST(ScanCheck, SeriesReportsOnlyTouchedFops)
{
    const auto r = check("series.patch");
    ASSERT_EQ(r.fops.size(), 2u);
    EXPECT_EQ(r.fops[0].name, "fake26_fops");
    EXPECT_EQ(r.fops[1].name, "demo_async_fops");
    EXPECT_TRUE(r.failed());
}

TEST(ScanCheck, ChangeInASiblingFileTouchesTheFops)
{
    // demo_irq.c holds no fops, but demo_split_fops completes there.
    const auto touches = scan::parse_unified_diff("--- a/module/demo_irq.c\n+++ b/module/demo_irq.c\n"
                                                  "@@ -15 +15 @@\n-\t\tiocb->ki_complete(iocb, 0);\n"
                                                  "+\t\tiocb->ki_complete(iocb, readl(dev->regs));\n");
    const auto r = scan::check_diff(touches, kFixtures, scan::parse_fail_on("none"));
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].name, "demo_split_fops");
}

TEST(ScanCheck, FilesMissingFromTheTreeAreWarnings)
{
    const auto touches =
        scan::parse_unified_diff("--- a/nowhere/x.c\n+++ b/nowhere/x.c\n@@ -1 +1 @@\n-a\n+b\n");
    const auto r = scan::check_diff(touches, kFixtures, scan::parse_fail_on("contract"));
    EXPECT_TRUE(r.fops.empty());
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find("nowhere"), std::string::npos);
}
