// SPDX-License-Identifier: GPL-2.0-only
//
// `aio-audit matrix` for real: file systems made on loop devices, fsqual's
// scenarios run on each, facts the kernel is known for checked in the
// tables, and - however the run ends (normally, SIGTERM, SIGKILL, a setup
// error) - no mount, loop device or file left behind.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "host_env.h"

extern char** environ;

namespace aio::host {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// What remains of a run whose scratch directory was made under `parent`:
// entries in it, loop devices backed by files in it, mounts under it.
std::vector<std::string> leftovers(const fs::path& parent)
{
    std::vector<std::string> left;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(parent, ec))
        left.push_back("file: " + e.path().string());
    for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
        std::ifstream in(e.path() / "loop" / "backing_file");
        std::string backing;
        if (std::getline(in, backing) && backing.rfind(parent.string(), 0) == 0)
            left.push_back("loop device: " + e.path().filename().string() + " -> " + backing);
    }
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);)
        if (line.find(parent.string() + "/") != std::string::npos)
            left.push_back("mount: " + line);
    return left;
}

// Loop devices detach a moment after their mount goes away.
std::vector<std::string> leftovers_after_settling(const fs::path& parent)
{
    auto left = leftovers(parent);
    auto settling = [&] {
        return std::any_of(left.begin(), left.end(),
                           [](const std::string& s) { return s.rfind("file: ", 0) != 0; });
    };
    for (int i = 0; i < 50 && settling(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        left = leftovers(parent);
    }
    return left;
}

const json* find_fs(const json& doc, const std::string& id)
{
    for (const auto& f : doc["matrix"]["file_systems"])
        if (f["id"] == id)
            return &f;
    return nullptr;
}

const json* find_cell(const json& doc, const std::string& fs_id, const std::string& scenario,
                      const std::string& engine)
{
    const json* f = find_fs(doc, fs_id);
    if (!f)
        return nullptr;
    for (const auto& s : (*f)["scenarios"])
        if (s["id"] == scenario)
            for (const auto& c : s["cells"])
                if (c["engine"] == engine)
                    return &c;
    return nullptr;
}

std::string show(const json* c)
{
    return c ? c->dump() : "(cell missing)";
}

bool headline_has(const json* c, const std::string& verdict)
{
    if (!c)
        return false;
    for (const auto& v : (*c)["headline"])
        if (v == verdict)
            return true;
    return false;
}

std::string kernel_release()
{
    struct utsname u {};
    ::uname(&u);
    return u.release;
}

// Mounts in the process's own (private) namespace.
bool has_mount_under(pid_t pid, const fs::path& dir)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/mountinfo");
    for (std::string line; std::getline(in, line);)
        if (line.find(dir.string()) != std::string::npos)
            return true;
    return false;
}

// Waits (up to 60 s) for the run to have a file system mounted.
bool wait_for_mount(const Background& bg, const fs::path& dir)
{
    for (int i = 0; i < 600; ++i) {
        if (has_mount_under(bg.pid(), dir))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

}  // namespace

// One real run over ext4, XFS and tmpfs (btrfs too where mkfs.btrfs is
// installed): the table's structure, facts the kernel is known for, and
// nothing left behind.
TEST(MatrixHost, TablesHoldKnownFactsAndNothingIsLeftBehind)
{
    AIO_REQUIRE_ROOT();
    TempDir parent;
    const std::string fs_list = "ext4,xfs,tmpfs";
    const RunResult r =
        run_tool({"matrix", "--json", "--fs", fs_list, "-n", "32", "--scratch", parent.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out.substr(0, 4000);
    const json doc = json::parse(r.out);
    EXPECT_EQ(doc["subcommand"], "matrix");
    EXPECT_EQ(doc["kernel"]["release"], kernel_release());
    EXPECT_EQ(doc["matrix"]["measured"]["kernel"], kernel_release());
    EXPECT_EQ(leftovers_after_settling(parent.path()), std::vector<std::string>{});

    // Structure: the three file systems, every scenario, a cell per engine
    // with a verdict and fsqual's number.
    const auto& systems = doc["matrix"]["file_systems"];
    ASSERT_EQ(systems.size(), 3u) << systems.dump();
    std::size_t rows = 0;
    for (const auto& f : systems) {
        EXPECT_FALSE(f.contains("error")) << f["id"] << ": " << f.value("error", "");
        EXPECT_EQ(f["block_size"], 4096) << f["id"];
        EXPECT_GE(f["sector_size"].get<int>(), 512) << f["id"];
        if (rows == 0)
            rows = f["scenarios"].size();
        EXPECT_EQ(f["scenarios"].size(), rows) << f["id"];
        EXPECT_GE(rows, 18u);
        for (const auto& s : f["scenarios"]) {
            ASSERT_EQ(s["cells"].size(), 3u) << s["id"];
            for (const auto& c : s["cells"]) {
                if (c.contains("skipped"))
                    continue;
                EXPECT_GE(c["requests"].get<int>(), 32) << f["id"] << " " << s["id"] << " " << c.dump();
                EXPECT_EQ(c["errors"], 0) << f["id"] << " " << s["id"] << " " << c.dump();
                // The probe case's latencies: a submission and a completion
                // time for each request classified.
                if (c["completed"].get<int>() > 0) {
                    EXPECT_GT(c["complete_ns"]["count"].get<int>(), 0) << f["id"] << " " << s["id"];
                    EXPECT_EQ(c["submit_ns"]["count"], c["complete_ns"]["count"]) << f["id"] << " " << s["id"];
                    EXPECT_FALSE(c["complete_ns"]["log2_hist"].empty()) << f["id"] << " " << s["id"];
                }
            }
        }
    }

    // tmpfs: buffered I/O through kernel AIO is a CPU copy in the caller.
    for (const char* s :
         {"buffered/read/block/q1", "buffered/overwrite/block/q1", "buffered/append/block/q1"}) {
        const json* c = find_cell(doc, "tmpfs", s, "libaio");
        ASSERT_TRUE(c) << s;
        EXPECT_EQ((*c)["verdict"], "sync") << s << " " << show(c);
        EXPECT_LT((*c)["switches_per_io"].get<double>(), 0.1) << s << " " << show(c);
    }
    // POSIX AIO is glibc's threads, on every file system.
    EXPECT_EQ((*find_cell(doc, "ext4", "direct/overwrite/block/q1", "posix"))["verdict"], "thread-async");

    // ext4 and XFS: an O_DIRECT overwrite at depth 1 is queued and completes
    // later. A loop worker fast enough to finish before io_submit returns
    // makes some requests read `sync inline?` (docs/probe.md); never blocking.
    for (const char* f : {"ext4", "xfs"}) {
        const json* c = find_cell(doc, f, "direct/overwrite/block/q1", "libaio");
        ASSERT_TRUE(c) << f;
        EXPECT_TRUE(headline_has(c, "async")) << f << " " << show(c);
        EXPECT_FALSE(headline_has(c, "blocking")) << f << " " << show(c);
        EXPECT_LT((*c)["switches_per_io"].get<double>(), 0.1) << f << " " << show(c);
    }
    // Appends differ (fsqual's finding): ext4 waits for a size-extending
    // O_DIRECT write inside io_submit; XFS queues it at depth 1.
    const json* ext4_append = find_cell(doc, "ext4", "direct/append/block/q1", "libaio");
    EXPECT_EQ((*ext4_append)["verdict"], "blocking") << show(ext4_append);
    EXPECT_GE((*ext4_append)["switches_per_io"].get<double>(), 0.1) << show(ext4_append);
    const json* xfs_append = find_cell(doc, "xfs", "direct/append/block/q1", "libaio");
    EXPECT_FALSE(headline_has(xfs_append, "blocking")) << show(xfs_append);

    // fsqual's RWF_NOWAIT test: on ext4 a write into a hole cannot be done
    // without blocking, so every first attempt is refused (fsqual: 1000 of
    // 1000 retried); each retry then completes.
    const json* nowait = find_cell(doc, "ext4", "direct/fill-holes/block/q1/nowait", "libaio");
    ASSERT_TRUE(nowait);
    EXPECT_EQ((*nowait)["eagain"], (*nowait)["requests"]) << show(nowait);
    EXPECT_EQ((*nowait)["completed"], (*nowait)["requests"]) << show(nowait);
    // ...while filling holes a block at a time without NOWAIT is queued
    // (fsqual 3: GOOD).
    const json* fill = find_cell(doc, "ext4", "direct/fill-holes/block/q3", "libaio");
    EXPECT_FALSE(headline_has(fill, "blocking")) << show(fill);

    // The Markdown of the same document: one table per file system.
    const fs::path saved = parent.path() / "run.json";
    std::ofstream(saved) << r.out;
    const RunResult md = run_tool({"matrix", "--load", saved.string()});
    ASSERT_EQ(md.exit_code, 0) << md.err;
    for (const char* heading : {"\n## ext4\n", "\n## xfs\n", "\n## tmpfs\n"})
        EXPECT_NE(md.out.find(heading), std::string::npos) << heading;
    EXPECT_NE(md.out.find("Kernel **" + kernel_release() + "**"), std::string::npos);
    EXPECT_NE(md.out.find("| scenario | size | depth | fsqual | libaio | io_uring | posix |"),
              std::string::npos);
    // Compared with itself: every cell compared, nothing changed.
    const RunResult same =
        run_tool({"matrix", "--json", "--load", saved.string(), "--compare", saved.string()});
    ASSERT_EQ(same.exit_code, 0) << same.err;
    const json cmp = json::parse(same.out)["comparison"];
    EXPECT_GT(cmp["cells_compared"].get<int>(), 100);
    EXPECT_TRUE(cmp["changes"].empty()) << cmp["changes"].dump();
}

TEST(MatrixHost, SigtermStopsCleansUpAndReportsWhatWasMeasured)
{
    AIO_REQUIRE_ROOT();
    TempDir parent;
    const fs::path out = parent.path() / "out.json";
    fs::create_directory(parent.path() / "s");
    {
        Background bg({"matrix", "--json", "-o", out.string(), "--fs", "ext4,xfs", "-n", "256", "--scratch",
                       (parent.path() / "s").string()});
        ASSERT_GT(bg.pid(), 0);
        ASSERT_TRUE(wait_for_mount(bg, parent.path() / "s")) << "no file system was ever mounted";
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(bg.pid(), SIGTERM);
        EXPECT_EQ(bg.wait_exit(), 143);  // 128 + SIGTERM (docs/usage.md)
    }
    EXPECT_EQ(leftovers_after_settling(parent.path() / "s"), std::vector<std::string>{});
    std::ifstream in(out);
    const json doc = json::parse(in);
    EXPECT_TRUE(doc["matrix"]["interrupted"].get<bool>());
    ASSERT_GE(doc["matrix"]["file_systems"].size(), 1u);
}

// SIGKILL runs no cleanup: the private mount namespace and auto-clearing
// loop devices still take the mounts and devices away (the empty scratch
// directory is what can remain).
TEST(MatrixHost, SigkillLeavesNoMountOrLoopDevice)
{
    AIO_REQUIRE_ROOT();
    TempDir parent;
    {
        Background bg({"matrix", "--json", "--fs", "ext4", "-n", "256", "--scratch", parent.path().string()});
        ASSERT_GT(bg.pid(), 0);
        ASSERT_TRUE(wait_for_mount(bg, parent.path())) << "no file system was ever mounted";
        ::kill(bg.pid(), SIGKILL);
        EXPECT_EQ(bg.wait_exit(), 128 + SIGKILL);
    }
    auto left = leftovers_after_settling(parent.path());
    // Only the scratch directory and its empty mount point may remain.
    std::erase_if(left, [](const std::string& s) { return s.rfind("file: ", 0) == 0; });
    EXPECT_EQ(left, std::vector<std::string>{});
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(parent.path(), ec))
        EXPECT_TRUE(e.is_directory()) << "a file survived: " << e.path();
}

// The images' file system fills up (a 1 MiB tmpfs under sparse images):
// mkfs fails, or the file system made turns read-only under the first
// writes. Either is reported per file system, exits 4, and what was made
// is undone.
TEST(MatrixHost, SetupErrorsAreReportedAndUndone)
{
    AIO_REQUIRE_ROOT();
    TempDir parent;
    const fs::path small = parent.path() / "small";
    fs::create_directory(small);
    ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
    const RunResult r =
        run_tool({"matrix", "--json", "--fs", "ext4,xfs", "-n", "8", "--scratch", small.string()});
    const auto left = leftovers_after_settling(small);
    ::umount2(small.c_str(), 0);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    const json doc = json::parse(r.out);
    ASSERT_EQ(doc["matrix"]["file_systems"].size(), 2u);
    for (const auto& f : doc["matrix"]["file_systems"])
        EXPECT_TRUE(f.contains("error")) << f["id"] << ": " << f.dump().substr(0, 600);
    EXPECT_EQ(left, std::vector<std::string>{});
}

TEST(MatrixHost, WithoutPrivilegeExitsThreeWithOneLine)
{
    AIO_REQUIRE_ROOT();
    TempDir parent;
    // Root without capabilities cannot unshare or mount, like a user.
    const RunResult r = run({"setpriv", "--bounding-set=-all", "--inh-caps=-all", AIO_AUDIT_BIN, "matrix",
                             "--fs", "ext4", "--scratch", parent.path().string()});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("aio-audit: error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("name directories"), std::string::npos) << r.err;
    EXPECT_EQ(leftovers(parent.path()), std::vector<std::string>{});
}

// Directories are measured as they are, with no privilege needed: here a
// tmpfs of the test's own.
TEST(MatrixHost, DirectoriesAreMeasuredAsMounted)
{
    AIO_REQUIRE_ROOT();
    TempDir parent;
    ASSERT_EQ(::mount("tmpfs", parent.path().c_str(), "tmpfs", 0, "size=64m"), 0) << std::strerror(errno);
    const RunResult r = run({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", AIO_AUDIT_BIN,
                             "matrix", "--json", "-e", "libaio", "-n", "8", parent.path().string()});
    std::error_code ec;
    const bool empty = fs::is_empty(parent.path(), ec);
    ::umount2(parent.path().c_str(), 0);
    if (r.exit_code == 126 || r.exit_code == 127)
        GTEST_SKIP() << "nobody cannot run this build's binary (a private build directory): " << r.err;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json doc = json::parse(r.out);
    const json* f = find_fs(doc, parent.path().string());
    ASSERT_TRUE(f) << doc.dump();
    EXPECT_EQ((*f)["fstype"], "tmpfs");
    EXPECT_EQ((*find_cell(doc, parent.path().string(), "buffered/read/block/q1", "libaio"))["verdict"],
              "sync");
    EXPECT_TRUE(empty) << "temp files were left in the directory";
}

}  // namespace aio::host
