// SPDX-License-Identifier: GPL-2.0-only
//
// `check`: which fops a diff touches, the default gate and --fail-on,
// --ignore and suppression comments, and every way the gate fails closed
// (a tree that is not the post-image, files missing from it, unreadable
// files, a diff with nothing to check).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/errors.h"
#include "model/static_finding.h"
#include "scan/check.h"
#include "scan/diff.h"

namespace scan_check_test {

using namespace aio;
using model::Contract;
using model::Verdict;
namespace fs = std::filesystem;

const std::string kFixtures = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan";

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

scan::CheckSettings settings(std::string_view fail_on = {}, std::vector<std::string> ignore = {})
{
    scan::CheckSettings s;
    s.policy = scan::parse_fail_on(fail_on.empty() ? model::default_fail_on() : std::string(fail_on));
    s.ignore = scan::parse_ignore(ignore);
    return s;
}

scan::CheckReport check(const std::string& diff_file, std::string_view fail_on = {})
{
    const auto touches = scan::parse_unified_diff(slurp(kFixtures + "/diffs/" + diff_file));
    return scan::check_diff(touches, kFixtures, settings(fail_on));
}

// "rule" for each finding, "!" when it fails the check, "~" when suppressed.
std::vector<std::string> rules(const scan::CheckReport& r)
{
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        out.push_back(std::string(f.rule->name) + (f.fails ? "!" : "") +
                      (f.suppressed != model::Suppression::none ? "~" : ""));
    return out;
}

class Tree : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/aio-check-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override
    {
        ::chmod(root_.c_str(), 0700);
        fs::remove_all(root_);
    }
    void copy(const std::string& fixture, const std::string& rel)
    {
        fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
        fs::copy_file(kFixtures + "/" + fixture, root_ + "/" + rel, fs::copy_options::overwrite_existing);
    }
    void write(const std::string& rel, const std::string& text)
    {
        fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
        std::ofstream(root_ + "/" + rel, std::ios::binary) << text;
    }
    // Puts `text` before line `n` (1-based) of a file.
    void insert_line(const std::string& rel, std::uint32_t n, const std::string& text)
    {
        std::istringstream in(slurp(root_ + "/" + rel));
        std::string out, line;
        for (std::uint32_t i = 1; std::getline(in, line); ++i) {
            if (i == n)
                out += text + "\n";
            out += line + "\n";
        }
        write(rel, out);
    }
    // A diff that rewrites line `n` of `rel` as it is: it touches that line
    // and the tree is its post-image.
    std::string same_line(const std::string& rel, std::uint32_t n)
    {
        std::istringstream in(slurp(root_ + "/" + rel));
        std::string l;
        for (std::uint32_t i = 0; i < n; ++i)
            std::getline(in, l);
        return "--- a/" + rel + "\n+++ b/" + rel + "\n@@ -" + std::to_string(n) + " +" + std::to_string(n) +
               " @@\n-" + l + "\n+" + l + "\n";
    }
    scan::CheckReport run(const std::string& diff, std::string_view fail_on = {}, std::vector<std::string> ignore = {})
    {
        return scan::check_diff(scan::parse_unified_diff(diff), root_, settings(fail_on, std::move(ignore)));
    }
    std::string root_;
};

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
}

TEST(ScanCheck, DefaultGateFailsOnWhatLosesOrBreaksRequestsOnly)
{
    EXPECT_EQ(model::default_fail_on(), "fake-async,queued-without-completion,double-completion");
    const auto p = scan::parse_fail_on(model::default_fail_on());
    auto finding = [](const model::FindingRule* r) {
        model::StaticFinding f;
        f.rule = r;
        return f;
    };
    EXPECT_TRUE(scan::fails(p, finding(model::rule_for(Verdict::fake_async))));
    EXPECT_TRUE(scan::fails(p, finding(&model::rule_for(Contract::queued_without_completion))));
    EXPECT_TRUE(scan::fails(p, finding(&model::rule_for(Contract::double_completion))));
    EXPECT_FALSE(scan::fails(p, finding(&model::rule_for(Contract::no_cancel))));
    EXPECT_FALSE(scan::fails(p, finding(&model::rule_for(Contract::nowait_ignored))));
    EXPECT_FALSE(scan::fails(p, finding(model::rule_for(Verdict::blocking))));
    EXPECT_FALSE(scan::fails(p, finding(model::rule_for(Verdict::unknown))));
    // no-cancel is a note, nowait-ignored a warning: both visible, neither failing.
    EXPECT_EQ(model::rule_for(Contract::no_cancel).level, model::Severity::note);
    EXPECT_EQ(model::rule_for(Contract::nowait_ignored).level, model::Severity::warning);
    EXPECT_FALSE(model::rule_for(Verdict::async));
    EXPECT_FALSE(model::rule_for(Verdict::odirect_async));

    const auto blocking = finding(model::rule_for(Verdict::blocking));
    EXPECT_TRUE(scan::fails(scan::parse_fail_on("blocking"), blocking));
    EXPECT_TRUE(scan::fails(scan::parse_fail_on("unknown"), blocking));  // unknown is less severe: at or above it
    EXPECT_TRUE(scan::fails(scan::parse_fail_on("warning"), blocking));
    EXPECT_FALSE(scan::fails(scan::parse_fail_on("error"), blocking));
}

TEST(ScanCheck, IgnoreAndSuppressionSyntax)
{
    EXPECT_EQ(scan::parse_ignore({"no-cancel", "blocking,unknown"}),
              (std::set<std::string>{"blocking", "no-cancel", "unknown"}));
    EXPECT_THROW(scan::parse_ignore({"no-cancle"}), UsageError);

    std::vector<std::string> unknown;
    EXPECT_EQ(scan::suppression_in("static const struct file_operations f = { /* aio-audit: ignore no-cancel */",
                                   &unknown),
              (std::set<std::string>{"no-cancel"}));
    EXPECT_EQ(scan::suppression_in("// aio-audit: ignore no-cancel, nowait-ignored blocking", &unknown),
              (std::set<std::string>{"blocking", "no-cancel", "nowait-ignored"}));
    EXPECT_EQ(scan::suppression_in("/* aio-audit: ignore all */", &unknown), (std::set<std::string>{"all"}));
    EXPECT_EQ(scan::suppression_in("/* aio-audit:ignore fake-asink */", &unknown), std::set<std::string>{});
    EXPECT_EQ(unknown, (std::vector<std::string>{"fake-asink"}));
    EXPECT_FALSE(scan::suppression_in("/* aio-audit is great */", nullptr));
    EXPECT_FALSE(scan::suppression_in("static int x;", nullptr));
}

TEST(ScanCheck, FakeAsyncDiffFails)
{
    const auto r = check("fake_async.diff");
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].name, "fake_async_fops");
    EXPECT_EQ(rules(r), (std::vector<std::string>{"fake-async!", "no-cancel"}));
    EXPECT_EQ(r.findings[0].patch_line, 9u);
    EXPECT_EQ(r.findings[0].at.file, "modern/fake_async.c");
    EXPECT_EQ(r.findings[0].source_line, "static const struct file_operations fake_async_fops = {");
    EXPECT_FALSE(r.findings[0].line_added);
    EXPECT_FALSE(r.findings[0].paths.empty());
    EXPECT_TRUE(r.failed());
    EXPECT_EQ(scan::check_exit_code(r, false), kExitFindings);
}

TEST(ScanCheck, CleanAsyncDiffPasses)
{
    const auto r = check("async_clean.diff");
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].verdict, Verdict::async);
    EXPECT_FALSE(r.failed());
    EXPECT_EQ(scan::check_exit_code(r, false), kExitOk);
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
    EXPECT_EQ(r.c_files.size(), 1u);
    EXPECT_EQ(r.dirs_scanned, 1u);
    EXPECT_GT(r.fops_scanned, 0u);
    EXPECT_FALSE(r.failed());
    EXPECT_FALSE(r.empty());  // it checked something: nothing was touched
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
    const auto r = scan::check_diff(touches, kFixtures, settings("none"));
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].name, "demo_split_fops");
}

TEST(ScanCheck, NothingToCheckFailsUnlessAllowed)
{
    for (const std::string& diff : {std::string(), std::string("--- a/README\n+++ b/README\n@@ -1 +1 @@\n-a\n+b\n")}) {
        const auto r = scan::check_diff(scan::parse_unified_diff(diff), kFixtures, settings());
        EXPECT_TRUE(r.empty());
        EXPECT_EQ(scan::check_exit_code(r, false), kExitUsage);
        EXPECT_EQ(scan::check_exit_code(r, true), kExitOk);
    }
}

TEST(ScanCheck, FilesMissingFromTheTreeAreErrors)
{
    const auto touches = scan::parse_unified_diff("--- a/nowhere/x.c\n+++ b/nowhere/x.c\n@@ -1 +1 @@\n-a\n+b\n");
    try {
        scan::check_diff(touches, kFixtures, settings());
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("'nowhere/x.c' (changed by the diff) is not in the tree"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_THROW(scan::check_diff(scan::parse_unified_diff(slurp(kFixtures + "/diffs/fake_async.diff")),
                                  "/nonexistent", settings()),
                 UsageError);
}

TEST(ScanCheck, PathsOutsideTheTreeAreErrors)
{
    for (const char* diff : {"--- a/../fixtures/scan/modern/async.c\n+++ b/../fixtures/scan/modern/async.c\n"
                             "@@ -1 +1 @@\n-a\n+b\n",
                             "--- /etc/x.c\n+++ /etc/x.c\n@@ -1 +1 @@\n-a\n+b\n",
                             "diff --git a/modern/x.c b/modern/y.c\nrename from ../x.c\nrename to modern/y.c\n"}) {
        try {
            scan::check_diff(scan::parse_unified_diff(diff), kFixtures, settings());
            ADD_FAILURE() << "no error for " << diff;
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find("which is not inside the tree"), std::string::npos) << e.what();
        }
    }
}

TEST(ScanCheck, ATreeThatIsNotThePostImageIsAnError)
{
    // The diff adds a line the fixture does not have at that place.
    const std::string diff = "--- a/modern/async.c\n+++ b/modern/async.c\n@@ -10,0 +11 @@\n+\tnot in the file\n";
    try {
        scan::check_diff(scan::parse_unified_diff(diff), kFixtures, settings());
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("is not the post-image of the diff: modern/async.c:11"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(Tree, SuppressionCommentsOnTheFopsLineOrTheLineBefore)
{
    copy("modern/fake_async.c", "drv/fake_async.c");
    copy("modern/no_cancel.c", "drv/no_cancel.c");
    // fake_async_fops is at line 53: suppress no-cancel on the line before it.
    insert_line("drv/fake_async.c", 53, "/* aio-audit: ignore no-cancel */");
    const auto r = run(same_line("drv/fake_async.c", 54));
    EXPECT_EQ(rules(r), (std::vector<std::string>{"fake-async!", "no-cancel~"}));
    EXPECT_TRUE(r.failed());

    // A suppressed failing finding no longer fails; `all` covers every rule.
    write("drv/fake_async.c", slurp(kFixtures + "/modern/fake_async.c"));
    insert_line("drv/fake_async.c", 53, "// aio-audit: ignore all -- reviewed, see the commit message");
    const auto all = run(same_line("drv/fake_async.c", 54));
    EXPECT_EQ(rules(all), (std::vector<std::string>{"fake-async!~", "no-cancel~"}));
    EXPECT_FALSE(all.failed());

    // Two lines up is too far.
    write("drv/fake_async.c", slurp(kFixtures + "/modern/fake_async.c"));
    insert_line("drv/fake_async.c", 53, "/* aio-audit: ignore fake-async */");
    insert_line("drv/fake_async.c", 54, "");
    EXPECT_EQ(rules(run(same_line("drv/fake_async.c", 55))), (std::vector<std::string>{"fake-async!", "no-cancel"}));

    // On the fops's own line, and a comment two lines up does not count.
    std::string text = slurp(kFixtures + "/modern/no_cancel.c");
    const std::string decl = "static const struct file_operations nc_fops = {";
    text.replace(text.find(decl), decl.size(), decl + " /* aio-audit: ignore no-cancel, bogus-rule */");
    write("drv/no_cancel.c", text);
    const auto own = run(same_line("drv/no_cancel.c", 31));  // in nc_read_iter
    EXPECT_EQ(rules(own), (std::vector<std::string>{"no-cancel~"}));
    ASSERT_EQ(own.warnings.size(), 1u);
    EXPECT_NE(own.warnings[0].find("unknown rule 'bogus-rule'"), std::string::npos);
}

TEST_F(Tree, IgnoreOptionLeavesFindingsOut)
{
    copy("modern/fake_async.c", "drv/fake_async.c");
    const auto r = run(same_line("drv/fake_async.c", 37), {}, {"no-cancel", "fake-async"});
    EXPECT_EQ(rules(r), (std::vector<std::string>{"fake-async!~", "no-cancel~"}));
    EXPECT_FALSE(r.failed());
    EXPECT_EQ(r.findings[0].suppressed, model::Suppression::option);
}

TEST_F(Tree, ADeletedFileTouchesEveryFopsLeftInItsDirectory)
{
    // demo_irq.c completes demo_split_fops's requests: deleting it breaks the fops.
    for (const char* f : {"demo.h", "demo_io.c", "demo_main.c"})
        copy(std::string("module/") + f, std::string("drv/") + f);
    const auto r = run("diff --git a/drv/demo_irq.c b/drv/demo_irq.c\ndeleted file mode 100644\n"
                       "--- a/drv/demo_irq.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n");
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].name, "demo_split_fops");
    EXPECT_EQ(rules(r), (std::vector<std::string>{"unknown", "queued-without-completion!"}));
    // A directory deleted whole leaves nothing to break, and nothing to scan.
    const auto gone = run("--- a/other/x.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n");
    EXPECT_TRUE(gone.fops.empty());
    EXPECT_FALSE(gone.empty());
}

TEST_F(Tree, CallsIntoOtherDirectoriesAreFollowedOnlyTouchedFopsReported)
{
    // The handler's helper lives in lib/, which the diff does not touch:
    // the whole tree resolves it, as `scan .` would; lib/'s own fops are
    // not what the diff changed.
    write("drv/a.c",
          "#include <linux/fs.h>\n"
          "ssize_t lib_copy_out(struct kiocb *iocb, struct iov_iter *to);\n"
          "static ssize_t a_read_iter(struct kiocb *iocb, struct iov_iter *to)\n"
          "{\n"
          "\treturn lib_copy_out(iocb, to);\n"
          "}\n"
          "static const struct file_operations a_fops = {\n"
          "\t.read_iter = a_read_iter,\n"
          "};\n");
    write("lib/copy.c",
          "ssize_t lib_copy_out(struct kiocb *iocb, struct iov_iter *to)\n"
          "{\n"
          "\treturn copy_to_iter(\"x\", 1, to);\n"
          "}\n"
          "static ssize_t l_read_iter(struct kiocb *iocb, struct iov_iter *to)\n"
          "{\n"
          "\treturn lib_copy_out(iocb, to);\n"
          "}\n"
          "static const struct file_operations l_fops = {\n"
          "\t.read_iter = l_read_iter,\n"
          "};\n");
    const auto r = run(same_line("drv/a.c", 7));
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].name, "a_fops");
    EXPECT_EQ(r.fops[0].verdict, Verdict::sync);
    EXPECT_EQ(r.fops_scanned, 1u);
    EXPECT_EQ(r.dirs_scanned, 1u);

    fs::remove(root_ + "/lib/copy.c");
    const auto alone = run(same_line("drv/a.c", 7));
    ASSERT_EQ(alone.fops.size(), 1u);
    EXPECT_EQ(alone.fops[0].verdict, Verdict::unknown);
}

TEST_F(Tree, UnreadableFileInAScannedDirectoryIsAnError)
{
    copy("modern/async.c", "drv/async.c");
    copy("modern/sync.c", "drv/secret.c");
    ::chmod((root_ + "/drv/secret.c").c_str(), 0);
    ::chmod(root_.c_str(), 0755);
    const std::string diff = same_line("drv/async.c", 1);
    auto attempt = [&] {
        try {
            run(diff);
            return 1;
        } catch (const UsageError& e) {
            return std::string(e.what()).find("drv/secret.c: cannot read") != std::string::npos ? 0 : 3;
        }
    };
    if (::geteuid() != 0) {
        EXPECT_EQ(attempt(), 0);
        return;
    }
    // Root reads any file (CI runs as root): check as nobody in a child.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(2);
        ::_exit(attempt());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: passed; 2: could not drop to nobody; 3: another error";
}

TEST(ScanFindings, FingerprintsSurviveLineMovesAndNameTheFinding)
{
    const auto a = model::finding_fingerprint("fake-async", "fops", "drivers/x.c");
    EXPECT_EQ(a.size(), 16u);
    EXPECT_EQ(a, model::finding_fingerprint("fake-async", "fops", "./drivers//x.c"));
    EXPECT_NE(a, model::finding_fingerprint("no-cancel", "fops", "drivers/x.c"));
    EXPECT_NE(a, model::finding_fingerprint("fake-async", "fops2", "drivers/x.c"));
    EXPECT_NE(a, model::finding_fingerprint("fake-async", "fops", "drivers/y.c"));
    EXPECT_NE(model::finding_fingerprint("ab", "c", "d"), model::finding_fingerprint("a", "bc", "d"));
    // Fixed value: the same on every machine and in every release (code
    // scanning matches alerts across runs by it).
    // FNV-1a 64 of "fake-async\0fops\0drivers/x.c\0", computed apart.
    EXPECT_EQ(a, "1b6eb08b95072a52");

    model::FopsReport f;
    f.name = "fops";
    f.at = {"drivers/x.c", 10};
    f.verdict = Verdict::fake_async;
    const auto before = model::findings_of(f);
    f.at.line = 99;
    const auto after = model::findings_of(f);
    ASSERT_EQ(before.size(), 1u);
    EXPECT_EQ(before[0].fingerprint, after[0].fingerprint);
    EXPECT_EQ(model::normalize_path("./a/./b//c.c"), "a/b/c.c");
}

}  // namespace scan_check_test
