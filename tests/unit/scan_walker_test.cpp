// SPDX-License-Identifier: GPL-2.0-only
//
// The file walker on trees made for the test: binary files, bytes that are
// not UTF-8, unreadable files, FIFOs, symlink loops and symlinks that leave
// the roots. None of them may stop the scan.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "model/errors.h"
#include "scan/scanner.h"

namespace scan_walker_test {

using namespace aio;
namespace fs = std::filesystem;

const char* kAsyncFops =
    "#include <linux/fs.h>\n"
    "static void w(struct work_struct *work) { r->iocb->ki_complete(r->iocb, 0); }\n"
    "static ssize_t rd(struct kiocb *iocb, struct iov_iter *to) {\n"
    "\tkiocb_set_cancel_fn(iocb, c);\n\tINIT_WORK(&r->work, w);\n\treturn -EIOCBQUEUED;\n}\n"
    "static const struct file_operations f = { .read_iter = rd };\n";

class TempTree : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/aio-scan-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const std::string& rel, const std::string& text)
    {
        fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
        std::ofstream(root_ + "/" + rel, std::ios::binary) << text;
    }
    scan::ScanResult scan_root(bool follow = false)
    {
        scan::ScanOptions opt;
        opt.roots.push_back({root_ + "/in", "in", true});
        opt.follow_symlinks = follow;
        return scan::run_scan(opt);
    }
    static bool warned(const scan::ScanResult& r, const std::string& what)
    {
        for (const auto& w : r.warnings)
            if (w.find(what) != std::string::npos)
                return true;
        return false;
    }
    std::string root_;
};

TEST_F(TempTree, BinaryAndNonUtf8FilesWarnAndTheScanGoesOn)
{
    write("in/drv/good.c", kAsyncFops);
    write("in/drv/blob.c", std::string("struct file_operations \0\x01\x02", 27));
    write("in/drv/latin1.c", std::string("/* caf\xe9 */\n") + kAsyncFops);
    const auto r = scan_root();
    EXPECT_TRUE(warned(r, "in/drv/blob.c: binary file")) << testing::PrintToString(r.warnings);
    EXPECT_TRUE(warned(r, "in/drv/latin1.c:1: bytes that are not UTF-8"));
    ASSERT_EQ(r.fops.size(), 2u);
    EXPECT_EQ(r.fops[0].verdict, model::Verdict::async);
    EXPECT_EQ(r.fops[1].verdict, model::Verdict::async);
}

TEST_F(TempTree, UnreadableFilesWarn)
{
    write("in/secret.c", kAsyncFops);
    ::chmod((root_ + "/in/secret.c").c_str(), 0);
    if (::geteuid() != 0) {
        EXPECT_TRUE(warned(scan_root(), "in/secret.c: cannot read"));
        return;
    }
    // Root reads a file whatever its mode (CI runs as root): scan as nobody
    // in a child, over a tree nobody may traverse.
    ::chmod(root_.c_str(), 0755);
    ::chmod((root_ + "/in").c_str(), 0755);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(2);
        ::_exit(warned(scan_root(), "in/secret.c: cannot read") ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no warning for an unreadable file; 2: could not drop to nobody";
}

TEST_F(TempTree, FifoNamedLikeSourceDoesNotHang)
{
    write("in/ok.c", kAsyncFops);
    ASSERT_EQ(::mkfifo((root_ + "/in/pipe.c").c_str(), 0600), 0);
    const auto r = scan_root();
    EXPECT_EQ(r.fops.size(), 1u);
}

TEST_F(TempTree, SymlinkLoopsWarnAndOutsideLinksAreNotFollowed)
{
    write("in/a/x.c", kAsyncFops);
    write("outside/y.c", kAsyncFops);
    fs::create_directory_symlink(root_ + "/outside", root_ + "/in/out");  // leaves the root
    fs::create_directory_symlink(root_ + "/in", root_ + "/in/a/up");      // a loop, inside the root
    fs::create_symlink("self.c", root_ + "/in/self.c");                   // ELOOP
    fs::create_symlink(root_ + "/missing.c", root_ + "/in/dangling.c");

    const auto r = scan_root();
    ASSERT_EQ(r.fops.size(), 1u);
    EXPECT_EQ(r.fops[0].at.file, "in/a/x.c");
    EXPECT_TRUE(warned(r, "in/self.c: symlink loop"));
    EXPECT_TRUE(warned(r, "in/dangling.c: broken symlink"));
    EXPECT_GE(r.stats.symlinks_skipped, 2u);

    const auto followed = scan_root(true);
    ASSERT_EQ(followed.fops.size(), 2u);
    EXPECT_EQ(followed.fops[1].at.file, "in/out/y.c");
}

TEST_F(TempTree, FollowedSymlinkLoopIsDetected)
{
    write("in/a/x.c", kAsyncFops);
    write("outside/b/y.c", kAsyncFops);
    fs::create_directory_symlink(root_ + "/outside", root_ + "/in/out");
    fs::create_directory_symlink(root_ + "/outside", root_ + "/outside/b/loop");
    const auto r = scan_root(true);
    EXPECT_EQ(r.fops.size(), 2u);
    EXPECT_TRUE(warned(r, "symlink loop")) << testing::PrintToString(r.warnings);
}

TEST_F(TempTree, SingleFileRootReadsItsDirectoryForNames)
{
    write("in/main.c", "static const struct file_operations f = { .read_iter = helper_read_iter };\n");
    write("in/helper.c", "ssize_t\nhelper_read_iter(struct kiocb *iocb, struct iov_iter "
                         "*to)\n{\n\tmsleep(1);\n\treturn 0;\n}\n");
    write("in/other.c", "static const struct file_operations g = { .read = x };\n");
    scan::ScanOptions opt;
    opt.roots.push_back(scan::root_from_argument(root_ + "/in/main.c"));
    const auto r = scan::run_scan(opt);
    ASSERT_EQ(r.fops.size(), 1u);  // other.c is not a root
    EXPECT_EQ(r.fops[0].verdict, model::Verdict::blocking);
    EXPECT_EQ(r.fops[0].handlers[0].definition.file, root_ + "/in/helper.c");
}

TEST(ScanRoots, MissingRootIsAUsageError)
{
    scan::ScanOptions opt;
    opt.roots.push_back(scan::root_from_argument("/nonexistent/aio-audit"));
    EXPECT_THROW(scan::run_scan(opt), UsageError);
}

TEST(ScanRoots, DisplayNames)
{
    EXPECT_EQ(scan::root_from_argument("drivers/usb/").display, "drivers/usb");
    EXPECT_EQ(scan::root_from_argument("./fs").display, "fs");
    EXPECT_EQ(scan::root_from_argument(".").display, "");
    EXPECT_EQ(scan::root_from_argument("/").display, "/");
    EXPECT_EQ(scan::join_display("", "x.c"), "x.c");
    EXPECT_EQ(scan::join_display("/", "x.c"), "/x.c");
    EXPECT_EQ(scan::join_display("a", "x.c"), "a/x.c");
}

}  // namespace scan_walker_test
