// SPDX-License-Identifier: GPL-2.0-only
//
// trace -i N --html: each version replaces the file whole (FILE.tmp renamed
// over it), a failure during the run is one warning, and nothing is left at
// FILE.tmp.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/errors.h"
#include "report/file_rewrite.h"

namespace file_rewrite_test {

namespace fs = std::filesystem;
using aio::report::FileRewriter;

namespace {

struct Dir {
    Dir()
    {
        std::string t = (fs::temp_directory_path() / "aio-audit-rewrite.XXXXXX").string();
        path = ::mkdtemp(t.data()) ? t : "";
    }
    ~Dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string path;
};

std::string read(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

FileRewriter::Render text(const std::string& s)
{
    return [s](std::ostream& os) { os << s; };
}

}  // namespace

TEST(FileRewriter, EachVersionReplacesTheFileAndNoTempIsLeft)
{
    Dir d;
    ASSERT_FALSE(d.path.empty());
    const std::string file = d.path + "/r.html";
    std::ofstream(file).close();  // the empty file --html made at the start
    FileRewriter w(file);
    EXPECT_EQ(w.refresh(text("one")), "");
    EXPECT_EQ(read(file), "one");
    EXPECT_EQ(w.refresh(text("two, longer")), "");
    EXPECT_EQ(read(file), "two, longer");
    w.finish(text("final"));
    EXPECT_EQ(read(file), "final");
    EXPECT_TRUE(fs::is_regular_file(file));
    EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST(FileRewriter, SomeoneElsesTempFileIsNotClobberedAndFailuresAreSaidOnce)
{
    Dir d;
    ASSERT_FALSE(d.path.empty());
    const std::string file = d.path + "/r.html";
    std::ofstream(file) << "previous";
    std::ofstream(file + ".tmp") << "not ours";
    FileRewriter w(file);
    const std::string first = w.refresh(text("new"));
    EXPECT_NE(first.find(file + ".tmp: "), std::string::npos) << first;
    EXPECT_EQ(w.refresh(text("new")), "");  // warned once
    EXPECT_EQ(read(file), "previous");
    EXPECT_EQ(read(file + ".tmp"), "not ours");
    EXPECT_THROW(w.finish(text("final")), aio::UsageError);
}

TEST(FileRewriter, AFailedRenameLeavesNoTemp)
{
    Dir d;
    ASSERT_FALSE(d.path.empty());
    const std::string file = d.path + "/r.html";
    fs::create_directory(file);  // rename(2) cannot put a file over a directory
    fs::create_directory(file + "/x");
    FileRewriter w(file);
    EXPECT_NE(w.refresh(text("new")), "");
    EXPECT_FALSE(fs::exists(file + ".tmp"));
}

}  // namespace file_rewrite_test
