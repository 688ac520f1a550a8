// SPDX-License-Identifier: GPL-2.0-only
//
// `probe` at fsqual's fidelity, on real filesystems on loop devices: writes
// into holes beside writes into pre-allocated space, RWF_NOWAIT with the
// retry applications make, the two meanings of queue depth, and the
// minority that blocks. Where the kernel can say what happened itself (the
// io_submit tracepoint's `nr`), the test asks it.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include "probe_host_fixture.h"

namespace aio::host {
namespace {

namespace fs = std::filesystem;

// How many requests each submitting call of aio-audit carried while this
// object lived, from a syscall tracepoint in a private tracefs instance:
// io_submit's `nr`, or io_uring_enter's `to_submit` (calls that only wait
// for completions, to_submit 0, are left out).
class SubmitCallSizes {
public:
    // `syscall`: "io_submit" or "io_uring_enter"; `field`: "nr" or "to_submit".
    SubmitCallSizes(const std::string& syscall, std::string field) : field_(" " + std::move(field) + ": ")
    {
        static int serial = 0;
        const fs::path root = fs::exists("/sys/kernel/tracing/instances") ? "/sys/kernel/tracing"
                                                                          : "/sys/kernel/debug/tracing";
        instance_ = root / "instances" / ("aio-audit-probe-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(++serial));
        std::error_code ec;
        if (!fs::create_directory(instance_, ec)) {
            error_ = "cannot create " + instance_.string() + ": " + ec.message();
            instance_.clear();
            return;
        }
        const fs::path event = instance_ / "events/syscalls" / ("sys_enter_" + syscall);
        std::ofstream(instance_ / "buffer_size_kb") << "4096";
        std::ofstream(event / "filter") << "comm == \"aio-audit\"";
        std::ofstream enable(event / "enable");
        enable << "1";
        enable.flush();
        if (!enable)
            error_ = "cannot enable syscalls/sys_enter_" + syscall;
    }
    ~SubmitCallSizes()
    {
        if (instance_.empty())
            return;
        std::ofstream(instance_ / "events/enable") << "0";
        ::rmdir(instance_.c_str());
    }
    SubmitCallSizes(const SubmitCallSizes&) = delete;
    SubmitCallSizes& operator=(const SubmitCallSizes&) = delete;
    const std::string& error() const { return error_; }

    std::vector<long> sizes() const
    {
        std::vector<long> out;
        std::ifstream in(instance_ / "trace");
        std::string line;
        while (std::getline(in, line)) {
            const auto at = line.find(field_);
            if (line.empty() || line[0] == '#' || at == std::string::npos)
                continue;
            if (const long n = std::strtol(line.c_str() + at + field_.size(), nullptr, 16); n > 0)
                out.push_back(n);
        }
        return out;
    }

private:
    std::string field_;
    fs::path instance_;
    std::string error_;
};

TEST_F(ProbeHost, FillIntoHolesAndIntoPreallocatedSpaceAreTwoCases)
{
    // fsqual's fill writes into the holes of a truncated file; a fill into
    // fallocate'd space converts unwritten extents instead. On ext4 the
    // first cannot be done without blocking, and RWF_NOWAIT says so.
    const std::string dir = ext4->mount_point().string();
    const auto r = probe_json({dir, "-e", "libaio", "-m", "direct", "-o", "fill", "--nowait", "-n", "32"});
    for (const char* op : {"fill-holes", "fill-prealloc"}) {
        const auto* c = find_case(r, dir, "libaio", op, "direct");
        ASSERT_NE(c, nullptr) << op << " missing: -o fill runs both fills";
        EXPECT_EQ((*c)["completed"], 32) << describe(c);
        EXPECT_EQ((*c)["data_mismatches"], 0) << describe(c);
    }
    const auto* holes = find_case(r, dir, "libaio", "fill-holes", "direct", "nowait");
    ASSERT_NE(holes, nullptr);
    EXPECT_EQ((*holes)["eagain"], 32) << "ext4 refuses NOWAIT writes that must allocate: " << describe(holes);
    const auto* prealloc = find_case(r, dir, "libaio", "fill-prealloc", "direct", "nowait");
    ASSERT_NE(prealloc, nullptr);
    EXPECT_LT((*prealloc)["eagain"].get<int>(), 32) << describe(prealloc);

    // The text names the two apart as well.
    const auto text = run_tool({"probe", dir, "-e", "libaio", "-m", "direct", "-o", "fill", "-n", "4"});
    EXPECT_NE(text.out.find("fill-holes"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("fill-prealloc"), std::string::npos) << text.out;
}

TEST_F(ProbeHost, NowaitEagainIsRetriedAndEveryRequestClassified)
{
    // Every NOWAIT append on ext4 gets EAGAIN; the retry without NOWAIT
    // blocks (ext4 waits for size-extending direct writes). The verdict is
    // that of all 64 requests, never of the few that got through.
    const std::string dir = ext4->mount_point().string();
    const auto r = probe_json({dir, "-e", "libaio", "-m", "direct", "-o", "append", "--nowait"});
    const auto* c = find_case(r, dir, "libaio", "append", "direct", "nowait");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ((*c)["eagain"], 64) << describe(c);
    EXPECT_EQ((*c)["requests"], 64) << describe(c);
    EXPECT_EQ((*c)["completed"], 64) << "every EAGAIN is retried: " << describe(c);
    EXPECT_EQ((*c)["verdict"], "blocking") << describe(c);
    EXPECT_EQ((*c)["data_mismatches"], 0) << describe(c);
    // Each request cost at least two submitting calls.
    EXPECT_GE((*c)["submit_calls"].get<int>(), 128) << describe(c);
}

TEST_F(ProbeHost, InflightKeepsNInFlightWhileDepthSubmitsBatches)
{
    // -q 4: the kernel sees 16 io_submit calls of 4 iocbs.
    const std::string dir = ext4->mount_point().string();
    {
        SubmitCallSizes calls("io_submit", "nr");
        ASSERT_EQ(calls.error(), "");
        const auto r = probe_json({dir, "-e", "libaio", "-m", "direct", "-o", "fill-prealloc", "-q", "4"});
        const auto* c = find_case(r, dir, "libaio", "fill-prealloc", "direct");
        ASSERT_NE(c, nullptr);
        EXPECT_EQ((*c)["depth"], 4);
        EXPECT_EQ((*c)["depth_kind"], "batch");
        EXPECT_EQ(calls.sizes(), std::vector<long>(16, 4));
        EXPECT_EQ((*c)["submit_calls"], 16) << describe(c);
    }
    // --inflight 4: the first call fills four slots, and from then on each
    // call refills what completed. The loop device completes a call's
    // requests together, so libaio's refills are whole; io_uring's io-wq
    // workers on tmpfs finish one at a time, and each is refilled alone.
    for (const std::string engine : {"libaio", "io_uring"}) {
        const std::string target = engine == "libaio" ? dir : "/dev/shm";
        const std::string mode = engine == "libaio" ? "direct" : "buffered";
        SubmitCallSizes calls(engine == "libaio" ? "io_submit" : "io_uring_enter",
                              engine == "libaio" ? "nr" : "to_submit");
        ASSERT_EQ(calls.error(), "");
        const auto r = probe_json({target, "-e", engine, "-m", mode, "-o", "overwrite", "--inflight", "4"});
        const auto* c = find_case(r, target, engine, "overwrite", mode);
        ASSERT_NE(c, nullptr) << engine;
        EXPECT_EQ((*c)["depth"], 4);
        EXPECT_EQ((*c)["depth_kind"], "inflight");
        EXPECT_EQ((*c)["completed"], 64) << describe(c);
        const auto sizes = calls.sizes();
        ASSERT_FALSE(sizes.empty()) << engine;
        EXPECT_EQ(sizes.front(), 4) << engine;
        EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), 0L), 64) << engine;
        EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()), 4) << engine;
        EXPECT_EQ((*c)["submit_calls"].get<std::size_t>(), sizes.size()) << engine << ": " << describe(c);
        if (engine == "io_uring")
            EXPECT_GT(sizes.size(), 16u) << "refills of single requests";
    }
}

}  // namespace
}  // namespace aio::host
