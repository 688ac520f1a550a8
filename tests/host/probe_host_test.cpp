// SPDX-License-Identifier: GPL-2.0-only
//
// `aio-audit probe` against real filesystems on loop devices, tmpfs and char
// devices, run as a user runs it. Expected verdicts follow DESIGN.md; where
// the kernel can say what happened on its own (io_uring's punt tracepoint),
// the test asks it rather than trusting the tool.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "probe_host_fixture.h"

namespace aio::host {

LoopFs* ProbeHost::ext4 = nullptr;
LoopFs* ProbeHost::xfs = nullptr;
LoopFs* ProbeHost::btrfs = nullptr;
LoopFs* ProbeHost::squash = nullptr;
TempDir* ProbeHost::squash_src = nullptr;

namespace {

namespace fs = std::filesystem;

TEST_F(ProbeHost, TmpfsIsSyncThroughKernelAio)
{
    const auto r = probe_json({"/dev/shm", "-e", "libaio", "-m", "buffered"});
    for (const char* op : {"read", "overwrite", "append", "fill-holes", "fill-prealloc"})
        expect_verdict(r, "/dev/shm", "libaio", op, "buffered", "sync");
}

TEST_F(ProbeHost, TmpfsThroughIoUringIsPuntedToIoWq)
{
    TracepointCounter punts("io_uring/io_uring_queue_async_work");
    ASSERT_TRUE(punts.ok()) << punts.error();
    const auto r = probe_json({"/dev/shm", "-e", "io_uring", "-o", "read", "-m", "buffered", "-n", "32"});
    expect_verdict(r, "/dev/shm", "io_uring", "read", "buffered", "thread-async");
    // The kernel agrees: every request was queued to io-wq - and the probe
    // saw a worker for every one, including a worker that stayed on CPU.
    EXPECT_EQ(punts.count("aio-audit"), 32u);
    const auto* c = find_case(r, "/dev/shm", "io_uring", "read", "buffered");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ((*c)["punted"], 32) << describe(c);
}

TEST_F(ProbeHost, Ext4BufferedColdReadBlocksAndReachesTheDevice)
{
    const std::string dir = ext4->mount_point().string();
    const auto r = probe_json({dir, "-e", "libaio", "-o", "read", "-m", "buffered"});
    expect_verdict(r, dir, "libaio", "read", "buffered", "blocking");
    const auto* c = find_case(r, dir, "libaio", "read", "buffered");
    ASSERT_NE(c, nullptr);
    EXPECT_GE((*c)["device_reads"].get<int>(), 58) << "cold reads must reach the device: " << describe(c);
    EXPECT_GE((*c)["ready_at_return"].get<int>(), 58) << "completed inline: " << describe(c);
}

TEST_F(ProbeHost, Ext4DirectReadAndOverwriteAreAsync)
{
    const std::string dir = ext4->mount_point().string();
    const auto r = measure_until([&] { return probe_json({dir, "-e", "libaio", "-o", "read,overwrite", "-m", "direct"}); },
                                 [&](const auto& j) { return verdicts_are(j, dir, {"read", "overwrite"}, "direct", "async"); });
    for (const char* op : {"read", "overwrite"}) {
        expect_verdict(r, dir, "libaio", op, "direct", "async");
        const auto* c = find_case(r, dir, "libaio", op, "direct");
        ASSERT_NE(c, nullptr);
        EXPECT_EQ((*c)["page_cache_fallback"], false) << describe(c);
    }
}

TEST_F(ProbeHost, Ext4AppendingDirectWriteBlocks)
{
    // fsqual's finding: ext4 waits for size-extending O_DIRECT writes.
    const std::string dir = ext4->mount_point().string();
    const auto r = probe_json({dir, "-e", "libaio", "-o", "append", "-m", "direct"});
    expect_verdict(r, dir, "libaio", "append", "direct", "blocking");
}

TEST_F(ProbeHost, XfsDirectIsAsync)
{
    const std::string dir = xfs->mount_point().string();
    const auto r = measure_until([&] { return probe_json({dir, "-e", "libaio", "-o", "read,overwrite", "-m", "direct"}); },
                                 [&](const auto& j) { return verdicts_are(j, dir, {"read", "overwrite"}, "direct", "async"); });
    expect_verdict(r, dir, "libaio", "read", "direct", "async");
    expect_verdict(r, dir, "libaio", "overwrite", "direct", "async");
}

TEST_F(ProbeHost, DevZeroIsSync)
{
    const auto r = probe_json({"/dev/zero", "-e", "libaio,io_uring", "-m", "buffered"});
    expect_verdict(r, "/dev/zero", "libaio", "read", "buffered", "sync");
    expect_verdict(r, "/dev/zero", "io_uring", "read", "buffered", "sync");
}

TEST_F(ProbeHost, GlibcPosixAioIsThreadAsync)
{
    const std::string dir = ext4->mount_point().string();
    const auto r = probe_json({dir, "/dev/shm", "-e", "posix", "-o", "read,overwrite", "-m", "buffered"});
    for (const std::string& label : {dir, std::string("/dev/shm")}) {
        expect_verdict(r, label, "posix", "read", "buffered", "thread-async");
        const auto* c = find_case(r, label, "posix", "read", "buffered");
        ASSERT_NE(c, nullptr);
        EXPECT_GE((*c)["helper_threads"].get<int>(), 1) << describe(c);
    }
}

TEST_F(ProbeHost, IoUringColdBufferedReadPuntedWhereTheFilesystemCannotWait)
{
    // squashfs has no async buffered reads: io_uring punts every cold read to
    // io-wq. ext4 on this kernel retries from task_work instead (no punt).
    TracepointCounter punts("io_uring/io_uring_queue_async_work");
    ASSERT_TRUE(punts.ok()) << punts.error();
    const std::string file = (squash->mount_point() / "data").string();
    const auto r = probe_json({file, "-e", "io_uring", "-o", "read", "-m", "buffered", "-n", "32"});
    expect_verdict(r, file, "io_uring", "read", "buffered", "thread-async");
    EXPECT_EQ(punts.count("aio-audit"), 32u) << "kernel's io_uring_queue_async_work count";

    TracepointCounter ext4_punts("io_uring/io_uring_queue_async_work");
    ASSERT_TRUE(ext4_punts.ok()) << ext4_punts.error();
    const std::string dir = ext4->mount_point().string();
    const auto e = probe_json({dir, "-e", "io_uring", "-o", "read", "-m", "buffered", "-n", "32"});
    const auto* c = find_case(e, dir, "io_uring", "read", "buffered");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(ext4_punts.count("aio-audit"), 0u) << describe(c);
    EXPECT_EQ((*c)["punted"], 0) << describe(c);
    EXPECT_NE((*c)["verdict"], "thread-async") << describe(c);
    EXPECT_NE((*c)["verdict"], "blocking") << describe(c);
}

TEST_F(ProbeHost, DirectRefusedIsUnsupported)
{
    const std::string file = (squash->mount_point() / "data").string();
    const auto r = probe_json({file, "-e", "libaio", "-o", "read", "-m", "direct"});
    const auto* c = find_case(r, file, "libaio", "read", "direct");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ((*c)["verdict"], "unsupported") << describe(c);
    EXPECT_NE((*c)["first_error"].get<std::string>().find("EINVAL"), std::string::npos) << describe(c);
}

TEST_F(ProbeHost, NeverWritesAFileItDidNotCreate)
{
    TempDir dir;
    const std::string file = (dir.path() / "precious").string();
    {
        std::ofstream out(file, std::ios::binary);
        for (int i = 0; i < 256 * 1024; ++i)
            out.put(static_cast<char>(i * 31));
    }
    const std::string before = sha256(file);
    int code = -1;
    const auto r = probe_json({file, "--write", "--destructive", "-o", "read,overwrite,append"}, &code);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(sha256(file), before);
    ASSERT_EQ(r["targets"].size(), 1u);
    const auto& t = r["targets"][0];
    for (const auto& c : t["cases"])
        EXPECT_EQ(c["op"], "read") << "a write case ran against a user file";
    ASSERT_FALSE(t["notes"].empty());
    EXPECT_NE(t["notes"][0].get<std::string>().find("never writes"), std::string::npos);
}

TEST_F(ProbeHost, BlockDeviceIsReadOnlyUnlessDestructive)
{
    LoopDevice dev(16);
    ASSERT_TRUE(dev.ok()) << dev.error();
    const std::string before = sha256(dev.device());
    int code = -1;
    auto r = probe_json({dev.device(), "-e", "libaio,io_uring,posix", "-n", "16"}, &code);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(sha256(dev.device()), before);
    ASSERT_EQ(r["targets"].size(), 1u);
    for (const auto& c : r["targets"][0]["cases"])
        EXPECT_EQ(c["op"], "read");

    r = measure_until(
        [&] { return probe_json({dev.device(), "--destructive", "-e", "libaio", "-o", "overwrite", "-n", "16"}, &code); },
        [&](const auto& j) { return verdicts_are(j, dev.device(), {"overwrite"}, "direct", "async"); });
    EXPECT_EQ(code, 0);
    EXPECT_NE(sha256(dev.device()), before) << "--destructive must really write";
    expect_verdict(r, dev.device(), "libaio", "overwrite", "direct", "async");
}

TEST_F(ProbeHost, DirectoryProbeLeavesNothingBehind)
{
    const fs::path dir = ext4->mount_point();
    std::ofstream(dir / "keep") << "user data";
    auto listing = [&] {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    };
    const auto before = listing();
    const std::string keep_sum = sha256((dir / "keep").string());
    int code = -1;
    probe_json({dir.string(), "-e", "libaio", "-n", "8"}, &code);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(listing(), before);
    EXPECT_EQ(sha256((dir / "keep").string()), keep_sum);
}

TEST_F(ProbeHost, MissingTargetIsReportedAndTheRestStillRuns)
{
    int code = -1;
    const auto r = probe_json({"/nonexistent/aio-audit", "/dev/zero", "-e", "libaio", "-m", "buffered"}, &code);
    EXPECT_EQ(code, 4);
    ASSERT_EQ(r["targets"].size(), 2u);
    EXPECT_NE(r["targets"][0]["error"].get<std::string>().find("ENOENT"), std::string::npos);
    expect_verdict(r, "/dev/zero", "libaio", "read", "buffered", "sync");

    const auto text = run_tool({"probe", "/nonexistent/aio-audit", "/dev/zero", "-e", "libaio", "-m", "buffered"});
    EXPECT_EQ(text.exit_code, 4);
    EXPECT_NE(text.out.find("error: /nonexistent/aio-audit: ENOENT"), std::string::npos) << text.out;
}

TEST_F(ProbeHost, IoSetupFailureIsOneClearLine)
{
    SysctlOverride limit("/proc/sys/fs/aio-max-nr", "0");
    ASSERT_TRUE(limit.ok());
    int code = -1;
    const auto r = probe_json({"/dev/zero", "-e", "libaio,io_uring", "-m", "buffered"}, &code);
    EXPECT_EQ(code, 4);
    const auto* c = find_case(r, "/dev/zero", "libaio", "read", "buffered");
    ASSERT_NE(c, nullptr);
    EXPECT_NE((*c)["skipped"].get<std::string>().find("EAGAIN"), std::string::npos) << describe(c);
    EXPECT_NE((*c)["skipped"].get<std::string>().find("aio-max-nr"), std::string::npos) << describe(c);
    expect_verdict(r, "/dev/zero", "io_uring", "read", "buffered", "sync");
}

TEST_F(ProbeHost, IoUringDisabledIsOneClearLine)
{
    if (!fs::exists("/proc/sys/kernel/io_uring_disabled"))
        GTEST_SKIP() << "REQUIRES kernel.io_uring_disabled (6.6+)";
    SysctlOverride off("/proc/sys/kernel/io_uring_disabled", "2");
    ASSERT_TRUE(off.ok());
    int code = -1;
    const auto r = probe_json({"/dev/zero", "-e", "libaio,io_uring", "-m", "buffered"}, &code);
    EXPECT_EQ(code, 4);
    const auto* c = find_case(r, "/dev/zero", "io_uring", "read", "buffered");
    ASSERT_NE(c, nullptr);
    EXPECT_NE((*c)["skipped"].get<std::string>().find("EPERM"), std::string::npos) << describe(c);
    expect_verdict(r, "/dev/zero", "libaio", "read", "buffered", "sync");
}

TEST_F(ProbeHost, SomeoneElsesFifoNeedsWrite)
{
    TempDir dir;
    const std::string fifo = (dir.path() / "fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    int code = -1;
    auto r = probe_json({fifo, "-e", "libaio"}, &code);
    EXPECT_EQ(code, 4);
    EXPECT_NE(r["targets"][0]["error"].get<std::string>().find("--write"), std::string::npos);
    r = probe_json({fifo, "-e", "libaio", "--write"}, &code);
    EXPECT_EQ(code, 0);
    expect_verdict(r, fifo, "libaio", "read", "buffered", "sync");
    expect_verdict(r, fifo, "libaio", "write", "buffered", "sync");
}

TEST_F(ProbeHost, ExpectSetsTheExitCode)
{
    EXPECT_EQ(run_tool({"probe", "/dev/zero", "-e", "libaio", "-m", "buffered", "--expect", "sync"}).exit_code, 0);
    const auto miss = run_tool({"probe", "/dev/zero", "-e", "libaio", "-m", "buffered", "--expect", "async"});
    EXPECT_EQ(miss.exit_code, 1);
    EXPECT_NE(miss.err.find("expected async"), std::string::npos) << miss.err;
    EXPECT_EQ(run_tool({"probe", "/dev/zero", "-e", "libaio", "-m", "buffered", "--expect", "async,sync"}).exit_code,
              0);
}

TEST_F(ProbeHost, DefaultTargetsNeedNoArguments)
{
    TempDir cwd;
    const auto r = run({"sh", "-c", "cd '" + cwd.path().string() + "' && exec '" AIO_AUDIT_BIN "' probe --json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    std::vector<std::string> labels;
    for (const auto& t : j["targets"]) {
        labels.push_back(t["label"]);
        EXPECT_EQ(t["error"], "") << t["label"];
        EXPECT_FALSE(t["cases"].empty()) << t["label"];
    }
    // The current directory is named by its absolute path, not ".".
    EXPECT_EQ(labels, (std::vector<std::string>{fs::canonical(cwd.path()).string(), "tmpfs", "/dev/zero", "fifo"}));
    EXPECT_TRUE(fs::is_empty(cwd.path())) << "the temp file must not be left behind";
}

}  // namespace
}  // namespace aio::host

namespace aio::host {
namespace {

TEST(ProbeHostBounds, RequestCountsBeyondTheSpanWrapInBoundedFiles)
{
    AIO_REQUIRE_ROOT();
    // 64 MiB / 4 KiB = 16384 blocks: 20000 appends wrap once, on a fresh file.
    int code = -1;
    const auto r = probe_json({"/dev/shm", "-e", "libaio", "-o", "append,fill,read", "-m", "buffered", "-n", "20000"},
                              &code);
    EXPECT_EQ(code, 0);
    for (const char* op : {"append", "fill-holes", "fill-prealloc", "read"}) {
        const auto* c = find_case(r, "/dev/shm", "libaio", op, "buffered");
        ASSERT_NE(c, nullptr) << op;
        EXPECT_EQ((*c)["completed"], 20000) << describe(c);
        EXPECT_EQ((*c)["errors"], 0) << describe(c);
        EXPECT_EQ((*c)["data_mismatches"], 0) << describe(c);
    }
}

}  // namespace
}  // namespace aio::host
