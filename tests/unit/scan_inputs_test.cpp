// SPDX-License-Identifier: GPL-2.0-only
//
// The scanner's inputs: a root the user named must be readable (else a
// usage error, before anything is scanned); an unreadable file or
// directory inside a root is counted, so callers can say the result is
// incomplete; -j is clamped, and a scan survives running out of threads.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "model/errors.h"
#include "scan/scanner.h"

namespace scan_inputs_test {

using namespace aio;
namespace fs = std::filesystem;

const std::string kFixtures = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan";

// Root reads everything (CI runs as root): run `body` as nobody in a child
// and return its exit status (2 when it could not drop to nobody).
int as_nobody(const std::function<int()>& body)
{
    const pid_t pid = ::fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(2);
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class Inputs : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/aio-scan-inputs-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        ::chmod(root_.c_str(), 0755);
        fs::create_directories(root_ + "/tree/sub");
        fs::copy_file(kFixtures + "/modern/async.c", root_ + "/tree/async.c");
        fs::copy_file(kFixtures + "/modern/sync.c", root_ + "/tree/sub/sync.c");
    }
    void TearDown() override
    {
        for (const auto& p : {root_ + "/tree", root_ + "/tree/sub", root_ + "/tree/locked"})
            ::chmod(p.c_str(), 0755);
        fs::remove_all(root_);
    }
    static int scan_throws_usage(const std::string& path, const std::string& what)
    {
        try {
            scan::ScanOptions opt;
            opt.roots.push_back(scan::root_from_argument(path));
            scan::run_scan(opt);
            return 1;
        } catch (const UsageError& e) {
            return std::string(e.what()).find(what) != std::string::npos ? 0 : 3;
        }
    }
    std::string root_;
};

TEST_F(Inputs, UnreadableRootFileIsAUsageError)
{
    ::chmod((root_ + "/tree/async.c").c_str(), 0);
    EXPECT_EQ(as_nobody([&] { return scan_throws_usage(root_ + "/tree/async.c", "cannot read it: EACCES"); }), 0)
        << "1: scanned without an error; 3: another error";
}

TEST_F(Inputs, UnlistableRootDirectoryIsAUsageError)
{
    ::chmod((root_ + "/tree").c_str(), 0);
    EXPECT_EQ(as_nobody([&] { return scan_throws_usage(root_ + "/tree", "cannot list it: EACCES"); }), 0)
        << "1: scanned without an error; 3: another error";
}

TEST_F(Inputs, UnreadableInsideARootIsCountedAndTheRestIsScanned)
{
    fs::create_directories(root_ + "/tree/locked");
    fs::copy_file(kFixtures + "/modern/blocking.c", root_ + "/tree/locked/b.c");
    ::chmod((root_ + "/tree/locked").c_str(), 0);
    ::chmod((root_ + "/tree/sub/sync.c").c_str(), 0);
    EXPECT_EQ(as_nobody([&] {
                  scan::ScanOptions opt;
                  opt.roots.push_back({root_ + "/tree", "tree", true});
                  const auto r = scan::run_scan(opt);
                  // async.c is still scanned; sub/sync.c and locked/ are the two unreadable inputs.
                  if (r.fops.size() != 1 || r.unreadable != 2)
                      return 1;
                  return 0;
              }),
              0);
    // As the owner everything is read, and nothing is unreadable.
    for (const auto& p : {root_ + "/tree/locked"})
        ::chmod(p.c_str(), 0755);
    ::chmod((root_ + "/tree/sub/sync.c").c_str(), 0644);
    scan::ScanOptions opt;
    opt.roots.push_back({root_ + "/tree", "tree", true});
    const auto r = scan::run_scan(opt);
    EXPECT_EQ(r.unreadable, 0u);
    EXPECT_EQ(r.fops.size(), 3u);
}

TEST(ScanJobs, ClampedAndZeroIsOnePerCore)
{
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    EXPECT_EQ(scan::effective_jobs(0), cores);
    EXPECT_EQ(scan::effective_jobs(1), 1u);
    EXPECT_EQ(scan::effective_jobs(100000), scan::kMaxJobsPerCore * cores);
    EXPECT_EQ(scan::effective_jobs(4294967295u), scan::kMaxJobsPerCore * cores);
    EXPECT_TRUE(scan::jobs_note(0).empty());
    EXPECT_TRUE(scan::jobs_note(1).empty());
    EXPECT_NE(scan::jobs_note(100000).find("-j 100000 is more than this machine can use"), std::string::npos);
}

TEST(ScanJobs, HugeJobCountScans)
{
    scan::ScanOptions opt;
    opt.roots.push_back({kFixtures + "/modern", "modern", true});
    opt.jobs = 100000;
    EXPECT_GT(scan::run_scan(opt).fops.size(), 10u);
}

TEST_F(Inputs, NoThreadAtAllStillScans)
{
    // RLIMIT_NPROC 1 as nobody: no thread can be created; the calling
    // thread does the work instead of aborting. (The tree is the fixture's
    // copy under /tmp: the source tree may be closed to nobody.)
    EXPECT_EQ(as_nobody([&] {
                  const rlimit one{1, 1};
                  if (::setrlimit(RLIMIT_NPROC, &one) != 0)
                      return 4;
                  scan::ScanOptions opt;
                  opt.roots.push_back({root_ + "/tree", "tree", true});
                  opt.jobs = 8;
                  return scan::run_scan(opt).fops.size() == 2 ? 0 : 1;
              }),
              0);
}

}  // namespace scan_inputs_test
