// SPDX-License-Identifier: GPL-2.0-only
//
// The unified-diff reader: every way git and diff name a file (C-quoting,
// prefixes, renames, copies, binary changes, /dev/null sides), series of
// patches, and malformed input. The last tests have real git write the
// diffs, under each configuration that changes how it names files, and
// compare the paths read with git's own NUL-separated list.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/errors.h"
#include "scan/diff.h"
#include "scan/git.h"

namespace scan_diff_test {

using namespace aio;
using scan::FileChange;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan";

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::uint32_t> lines_of(const scan::TouchedFile& f)
{
    std::vector<std::uint32_t> out;
    for (const auto& t : f.lines)
        out.push_back(t.line);
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
    EXPECT_EQ(f.change, FileChange::modified);
    EXPECT_EQ(lines_of(f), (std::vector<std::uint32_t>{11, 13, 42}));
    EXPECT_EQ(f.lines[0].patch_line, 7u);
    EXPECT_TRUE(f.lines[0].added);
    EXPECT_EQ(f.lines[0].text, "b");
    EXPECT_EQ(f.lines[1].patch_line, 9u);  // -d and +e both touch line 13: the first diff line counts
    EXPECT_EQ(f.lines[1].text, "e");       // and the post-image line is the added one
    EXPECT_FALSE(f.lines[2].added);        // a pure deletion touches the line after it
}

TEST(ScanDiff, NewDeletedAndPlainDiffU)
{
    const auto d =
        scan::parse_unified_diff("--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+x\n+y\n"
                                 "--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
                                 "--- drivers/u.c\t2024-01-01 00:00:00\n+++ drivers/u.c\t2024-01-02\n"
                                 "@@ -5 +5 @@\n-p\n+q\n");
    EXPECT_EQ(d.files.at("new.c").lines.size(), 2u);
    EXPECT_EQ(d.files.at("new.c").change, FileChange::added);
    EXPECT_EQ(d.files.at("old.c").change, FileChange::deleted);
    EXPECT_EQ(d.files.at("drivers/u.c").lines.back().line, 5u);
}

TEST(ScanDiff, DiffRecursiveBetweenTwoTreesStripsTheirNames)
{
    const auto d = scan::parse_unified_diff("diff -ur linux.orig/drivers/x.c linux/drivers/x.c\n"
                                            "--- linux.orig/drivers/x.c\t2024-01-01\n"
                                            "+++ linux/drivers/x.c\t2024-01-02\n"
                                            "@@ -1 +1 @@\n-a\n+b\n");
    ASSERT_EQ(d.files.count("drivers/x.c"), 1u);
}

TEST(ScanDiff, CQuotedPaths)
{
    // What git prints for drv/fé_async.c, a tab, a quote and a backslash.
    const auto d = scan::parse_unified_diff(
        "diff --git \"a/drv/f\\303\\251_async.c\" \"b/drv/f\\303\\251_async.c\"\n"
        "new file mode 100644\n"
        "index 0000000..1111111\n"
        "--- /dev/null\n"
        "+++ \"b/drv/f\\303\\251_async.c\"\n"
        "@@ -0,0 +1 @@\n+x\n"
        "diff --git \"a/drv/t\\tq\\\"b\\\\.c\" \"b/drv/t\\tq\\\"b\\\\.c\"\n"
        "--- \"a/drv/t\\tq\\\"b\\\\.c\"\n"
        "+++ \"b/drv/t\\tq\\\"b\\\\.c\"\n"
        "@@ -3 +3 @@\n-y\n+z\n");
    ASSERT_EQ(d.files.size(), 2u);
    const auto& f = d.files.at("drv/f\xc3\xa9_async.c");
    EXPECT_EQ(f.change, FileChange::added);
    EXPECT_EQ(d.files.at("drv/t\tq\"b\\.c").lines.at(0).line, 3u);
}

TEST(ScanDiff, UnquoteCStyle)
{
    EXPECT_EQ(scan::unquote_c_style("\"a\\303\\251\""), "a\xc3\xa9");
    EXPECT_EQ(scan::unquote_c_style("\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\""), "\a\b\f\n\r\t\v\\\"");
    EXPECT_EQ(scan::unquote_c_style("\"\\001x\""), std::string("\x01x"));
    EXPECT_FALSE(scan::unquote_c_style("\"open"));
    EXPECT_FALSE(scan::unquote_c_style("\"bad \\q\""));
    EXPECT_FALSE(scan::unquote_c_style("\"\\400\""));  // more than a byte
    EXPECT_FALSE(scan::unquote_c_style("\"\\12\""));   // two digits
    EXPECT_FALSE(scan::unquote_c_style("\"a\" tail"));
    EXPECT_FALSE(scan::unquote_c_style("plain"));
    EXPECT_THROW(scan::parse_unified_diff("--- \"a/x.c\n+++ \"b/x.c\n@@ -1 +1 @@\n-a\n+b\n"), UsageError);
}

TEST(ScanDiff, NamesWithSpacesUnquoted)
{
    // git quotes no space; it ends such a name with a TAB on ---/+++.
    const auto d = scan::parse_unified_diff("diff --git a/my dir/x y.c b/my dir/x y.c\n"
                                            "--- a/my dir/x y.c\t\n"
                                            "+++ b/my dir/x y.c\t\n"
                                            "@@ -1 +1 @@\n-a\n+b\n"
                                            "diff --git a/sp ace.c b/sp ace.c\n"
                                            "new file mode 100644\n"
                                            "index 0000000..e69de29\n");
    EXPECT_EQ(d.files.count("my dir/x y.c"), 1u);
    ASSERT_EQ(d.files.count("sp ace.c"), 1u);  // empty new file: named by its git header only
    EXPECT_EQ(d.files.at("sp ace.c").change, FileChange::added);
}

TEST(ScanDiff, PrefixesNoneAndMnemonic)
{
    const auto none = scan::parse_unified_diff("diff --git drivers/x.c drivers/x.c\n"
                                               "--- drivers/x.c\n+++ drivers/x.c\n@@ -1 +1 @@\n-a\n+b\n"
                                               "diff --git a/b.c a/b.c\n"  // --no-prefix, a file in a/
                                               "new file mode 100644\n"
                                               "--- /dev/null\n+++ a/b.c\n@@ -0,0 +1 @@\n+c\n");
    EXPECT_EQ(none.files.count("drivers/x.c"), 1u);
    EXPECT_EQ(none.files.count("a/b.c"), 1u);
    const auto mnemonic = scan::parse_unified_diff("diff --git c/drivers/x.c w/drivers/x.c\n"
                                                   "--- c/drivers/x.c\n+++ w/drivers/x.c\n@@ -1 +1 @@\n-a\n+b\n"
                                                   "diff --git i/new.c w/new.c\n"
                                                   "new file mode 100644\n"
                                                   "--- /dev/null\n+++ w/new.c\n@@ -0,0 +1 @@\n+c\n");
    EXPECT_EQ(mnemonic.files.count("drivers/x.c"), 1u);
    EXPECT_EQ(mnemonic.files.count("new.c"), 1u);
}

TEST(ScanDiff, RenamesCopiesAndBinary)
{
    const auto d = scan::parse_unified_diff("diff --git a/drv/old.c b/drv/new.c\n"
                                            "similarity index 100%\n"
                                            "rename from drv/old.c\n"
                                            "rename to drv/new.c\n"
                                            "diff --git a/drv/a.c \"b/drv/\\303\\251.c\"\n"
                                            "similarity index 90%\n"
                                            "rename from drv/a.c\n"
                                            "rename to \"drv/\\303\\251.c\"\n"
                                            "index 1..2 100644\n"
                                            "--- a/drv/a.c\n"
                                            "+++ \"b/drv/\\303\\251.c\"\n"
                                            "@@ -7 +7 @@\n-x\n+y\n"
                                            "diff --git a/drv/base.c b/drv/copy.c\n"
                                            "similarity index 95%\n"
                                            "copy from drv/base.c\n"
                                            "copy to drv/copy.c\n"
                                            "--- a/drv/base.c\n+++ b/drv/copy.c\n@@ -2 +2 @@\n-p\n+q\n"
                                            "diff --git a/fw/blob.c b/fw/blob.c\n"
                                            "index 1..2 100644\n"
                                            "Binary files a/fw/blob.c and b/fw/blob.c differ\n"
                                            "diff --git a/fw/gone.bin b/fw/gone.bin\n"
                                            "deleted file mode 100644\n"
                                            "index 3..0000000\n"
                                            "GIT binary patch\n"
                                            "literal 0\n"
                                            "HcmV?d00001\n"
                                            "\n");
    const auto& pure = d.files.at("drv/new.c");
    EXPECT_EQ(pure.change, FileChange::renamed);
    EXPECT_EQ(pure.old_path, "drv/old.c");
    EXPECT_TRUE(pure.lines.empty());
    const auto& edited = d.files.at("drv/\xc3\xa9.c");
    EXPECT_EQ(edited.old_path, "drv/a.c");
    EXPECT_EQ(lines_of(edited), (std::vector<std::uint32_t>{7}));
    const auto& copy = d.files.at("drv/copy.c");
    EXPECT_EQ(copy.change, FileChange::copied);
    EXPECT_TRUE(copy.whole);  // new code at a new path, whatever the diff shows
    EXPECT_TRUE(d.files.at("fw/blob.c").binary);
    EXPECT_TRUE(d.files.at("fw/blob.c").whole);
    EXPECT_EQ(d.files.at("fw/gone.bin").change, FileChange::deleted);
    EXPECT_EQ(d.files.size(), 5u);
}

TEST(ScanDiff, PlainBinaryLine)
{
    const auto d = scan::parse_unified_diff("Binary files old/x.c and new/x.c differ\n");
    ASSERT_EQ(d.files.count("x.c"), 1u);
    EXPECT_TRUE(d.files.at("x.c").whole);
}

TEST(ScanDiff, ASeriesMovesEarlierLinesThroughLaterPatches)
{
    // Patch 1 changes line 10; patch 2 inserts three lines at the top and
    // then renames the file: patch 1's change is now line 13 of new.c.
    const auto d = scan::parse_unified_diff("From 1 Mon Sep 17 00:00:00 2001\n"
                                            "Subject: [PATCH 1/2] one\n\n---\n"
                                            "diff --git a/d/x.c b/d/x.c\n--- a/d/x.c\n+++ b/d/x.c\n"
                                            "@@ -10 +10 @@\n-old\n+new\n"
                                            "-- \n2.39.2\n\n"
                                            "From 2 Mon Sep 17 00:00:00 2001\n"
                                            "Subject: [PATCH 2/2] two\n\n"
                                            "rename from a commit message line\n---\n"
                                            "diff --git a/d/x.c b/d/y.c\nsimilarity index 90%\n"
                                            "rename from d/x.c\nrename to d/y.c\n"
                                            "--- a/d/x.c\n+++ b/d/y.c\n"
                                            "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"
                                            "-- \n2.39.2\n");
    ASSERT_EQ(d.files.size(), 1u);
    const auto& f = d.files.at("d/y.c");
    EXPECT_EQ(f.change, FileChange::renamed);
    EXPECT_EQ(f.old_path, "d/x.c");
    EXPECT_EQ(lines_of(f), (std::vector<std::uint32_t>{1, 2, 3, 13}));
    EXPECT_FALSE(f.lines[3].text);  // moved by a later patch: no longer checked against the tree
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
    // A hunk cut short is an error, not a shorter hunk.
    EXPECT_THROW(scan::parse_unified_diff("--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a\nnot a hunk line\n"),
                 UsageError);
    EXPECT_THROW(scan::parse_unified_diff("diff --cc x.c\nindex 1,2..3\n--- a/x.c\n+++ b/x.c\n"
                                          "@@@ -1,1 -1,1 +1,1 @@@\n- a\n -b\n++c\n"),
                 UsageError);
}

// ---- real git

class GitRepo : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/aio-diff-git-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        git({"init", "-q"});
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const std::string& rel, const std::string& text)
    {
        fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
        std::ofstream(root_ + "/" + rel, std::ios::binary) << text;
    }
    // git as a user would run it, with their configuration (-c KEY=VALUE...).
    std::string git(std::vector<std::string> args, const std::vector<std::string>& config = {})
    {
        std::vector<std::string> full = {"-C", root_, "-c", "user.name=t", "-c", "user.email=t@example.com",
                                         "-c", "commit.gpgsign=false"};
        for (const auto& c : config) {
            full.push_back("-c");
            full.push_back(c);
        }
        full.insert(full.end(), args.begin(), args.end());
        const auto r = scan::run_program("git", full);
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    }
    // git's own list of post-image names (deleted files by their old name).
    std::set<std::string> truth(const std::string& range)
    {
        const std::string out = git({"diff", "-M", "--name-only", "-z", range});
        std::set<std::string> names;
        for (std::size_t pos = 0; pos < out.size();) {
            const auto end = out.find('\0', pos);
            names.insert(out.substr(pos, end - pos));
            pos = end + 1;
        }
        return names;
    }
    std::string root_;
};

std::set<std::string> parsed_names(const std::string& diff)
{
    std::set<std::string> names;
    for (const auto& [path, f] : scan::parse_unified_diff(diff).files)
        names.insert(path);
    return names;
}

TEST_F(GitRepo, EveryConfigurationThatChangesNamesReadsBackGitsOwnList)
{
    write("drv/keep.c", "int a;\nint b;\nint c;\nint d;\nint e;\nint f;\nint g;\nint h;\n");
    write("drv/move.c", "int m1;\nint m2;\nint m3;\nint m4;\nint m5;\nint m6;\nint m7;\nint m8;\n");
    write("drv/gone.c", "int g;\n");
    write("fw/blob.c", std::string("\0\1\2\3", 4));
    git({"add", "-A"});
    git({"commit", "-q", "-m", "base"});

    write("drv/keep.c", "int a;\nint b;\nint c;\nint d;\nint e2;\nint f;\nint g;\nint h;\n");
    write("drv/f\xc3\xa9_async.c", "int x;\n");
    write("drv/tab\there \"q\" back\\slash.c", "int y;\n");
    write("drv/sp ace.c", "int z;\n");
    git({"mv", "drv/move.c", "drv/m\xc3\xb6ved.c"});
    write("drv/m\xc3\xb6ved.c", "int m1;\nint m2;\nint m3;\nint m4;\nint m5x;\nint m6;\nint m7;\nint m8;\n");
    git({"rm", "-q", "drv/gone.c"});
    write("fw/blob.c", std::string("\0\1\2\4", 4));
    git({"add", "-A"});
    git({"commit", "-q", "-m", "change"});

    const std::set<std::string> want = truth("HEAD~1..HEAD");
    ASSERT_EQ(want.size(), 7u);
    const std::vector<std::vector<std::string>> configs = {
        {},
        {"diff.noprefix=true"},
        {"diff.mnemonicPrefix=true"},
        {"core.quotePath=false"},
        {"core.quotePath=false", "diff.noprefix=true"},
    };
    for (const auto& config : configs) {
        const std::string diff = git({"diff", "-M", "HEAD~1..HEAD"}, config);
        EXPECT_EQ(parsed_names(diff), want) << testing::PrintToString(config) << "\n" << diff;
    }
    // format-patch, and what --git-range itself runs.
    EXPECT_EQ(parsed_names(git({"format-patch", "-M", "--stdout", "HEAD~1"})), want);
    const auto pinned = scan::run_git(root_, {"diff", "--no-color", "--no-ext-diff", "--src-prefix=a/",
                                              "--dst-prefix=b/", "-M", "-U0", "HEAD~1..HEAD", "--"});
    ASSERT_EQ(pinned.status, 0) << pinned.err;
    const auto d = scan::parse_unified_diff(pinned.out);
    EXPECT_EQ(parsed_names(pinned.out), want);
    EXPECT_EQ(d.files.at("drv/m\xc3\xb6ved.c").change, FileChange::renamed);
    EXPECT_EQ(d.files.at("drv/m\xc3\xb6ved.c").old_path, "drv/move.c");
    EXPECT_EQ(lines_of(d.files.at("drv/m\xc3\xb6ved.c")), (std::vector<std::uint32_t>{5}));
    EXPECT_TRUE(d.files.at("fw/blob.c").binary);
    EXPECT_EQ(d.files.at("drv/gone.c").change, FileChange::deleted);
    EXPECT_EQ(d.files.at("drv/f\xc3\xa9_async.c").change, FileChange::added);
}

TEST_F(GitRepo, CopiesFoundByGitAreWholeNewFiles)
{
    std::string body;
    for (int i = 0; i < 40; ++i)
        body += "int v" + std::to_string(i) + ";\n";
    write("drv/base.c", body);
    git({"add", "-A"});
    git({"commit", "-q", "-m", "base"});
    write("drv/base.c", body + "int extra;\n");
    write("drv/copy.c", body + "int mine;\n");
    git({"add", "-A"});
    git({"commit", "-q", "-m", "copy"});
    const auto d = scan::parse_unified_diff(git({"diff", "-C", "HEAD~1..HEAD"}));
    ASSERT_EQ(d.files.count("drv/copy.c"), 1u);
    EXPECT_EQ(d.files.at("drv/copy.c").change, FileChange::copied);
    EXPECT_TRUE(d.files.at("drv/copy.c").whole);
}

}  // namespace scan_diff_test
