// SPDX-License-Identifier: GPL-2.0-only
//
// `probe` at fsqual's fidelity, on real filesystems on loop devices: writes
// into holes beside writes into pre-allocated space, RWF_NOWAIT with the
// retry applications make, the two meanings of queue depth, and the
// minority that blocks. Where the kernel can say what happened itself (the
// io_submit tracepoint's `nr`), the test asks it.
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>

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
        if (engine == "io_uring") {
            EXPECT_GT(sizes.size(), 16u) << "refills of single requests";
        }
    }
}

TEST_F(ProbeHost, ExpectToleranceCatchesTheMinorityThatBlocks)
{
    // fsqual's 512-byte fill into holes on ext4: the first write into each
    // filesystem block allocates it and blocks, the others do not. fsqual
    // says BAD (0.125 switches per I/O); the headline must name `blocking`
    // and `--expect async` must fail, unless the tolerance allows it.
    const std::string dir = ext4->mount_point().string();
    struct statfs fs {};
    ASSERT_EQ(::statfs(dir.c_str(), &fs), 0);
    const double expected = 512.0 / static_cast<double>(fs.f_bsize);
    const std::vector<std::string> args{dir, "-e", "libaio", "-m", "direct", "-o", "fill-holes", "-s", "512",
                                        "--inflight", "1", "-n", "128"};
    const auto r = probe_json(args);
    const auto* c = find_case(r, dir, "libaio", "fill-holes", "direct");
    ASSERT_NE(c, nullptr);
    // A fast virtio disk completes some writes before io_submit returns;
    // user space reads those as `sync` and marks them ambiguous (inline?).
    auto headline = (*c)["headline"];
    if (headline.size() == 3 && headline[2] == "sync" && (*c)["ambiguous"].get<double>() >= 0.1 * 128)
        headline.erase(2);
    EXPECT_EQ(headline, nlohmann::json::array({"async", "blocking"})) << describe(c);
    EXPECT_NEAR((*c)["shares"]["blocking"].get<double>(), expected, 0.03) << describe(c);
    EXPECT_GE((*c)["ctxsw_per_io"].get<double>(), 0.1) << "fsqual's number says BAD: " << describe(c);
    EXPECT_EQ((*c)["verdict"], "async") << "the largest share is still async: " << describe(c);

    auto run_with = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv{"probe"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_tool(argv);
    };
    const auto strict = run_with({"--expect", "async"});
    EXPECT_EQ(strict.exit_code, 1) << strict.out;
    EXPECT_NE(strict.err.find("blocking"), std::string::npos) << strict.err;
    EXPECT_NE(strict.out.find("% blocking"), std::string::npos) << "the VERDICT column names it: " << strict.out;
    EXPECT_EQ(run_with({"--expect", "async", "--tolerance", "0.2"}).exit_code, 0);
}

TEST_F(ProbeHost, BtrfsServesMisalignedDirectIoThroughThePageCache)
{
    // btrfs reports no STATX_DIOALIGN and its files' st_dev is anonymous:
    // the device is found from the mount, and btrfs's own sector size is
    // what O_DIRECT must meet. Below it, reads and writes go through the
    // page cache; the writes drop their pages before returning, so only
    // the page-cache tracepoint sees them, not mincore.
    const std::string dir = btrfs->mount_point().string();
    const auto r = probe_json({dir, "-e", "libaio", "-m", "direct", "-o", "read,overwrite", "-s", "512"});
    ASSERT_EQ(r["targets"][0]["fstype"], "btrfs");
    for (const char* op : {"read", "overwrite"}) {
        const auto* c = find_case(r, dir, "libaio", op, "direct");
        ASSERT_NE(c, nullptr) << op;
        const auto& dio = (*c)["dio"];
        EXPECT_EQ(dio["device"], btrfs->device()) << dio;
        EXPECT_EQ(dio["device_logical_block"], 512) << dio;
        EXPECT_EQ(dio["statx_offset_align"], 0) << "btrfs reports no STATX_DIOALIGN: " << dio;
        EXPECT_EQ(dio["expect"], "buffered") << dio;
        EXPECT_EQ(dio["alignment"], dio["fs_block"]) << dio;
        EXPECT_EQ((*c)["page_cache_fallback"], true) << op << ": " << describe(c);
        EXPECT_GT((*c)["pages_added"].get<int>(), 0) << op << ": " << describe(c);
        EXPECT_EQ((*c)["inline_uncertain"], false) << "the page cache served it: " << describe(c);
    }
    const auto text = run_tool({"probe", dir, "-e", "libaio", "-m", "direct", "-o", "read,overwrite", "-s", "512"});
    EXPECT_NE(text.out.find("went through the page cache"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("not aligned to 4096 bytes"), std::string::npos) << text.out;

    // The same size on ext4 is direct I/O: statx says 512 bytes will do.
    const std::string e = ext4->mount_point().string();
    const auto x = probe_json({e, "-e", "libaio", "-m", "direct", "-o", "overwrite", "-s", "512"});
    const auto* c = find_case(x, e, "libaio", "overwrite", "direct");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ((*c)["dio"]["expect"], "direct") << (*c)["dio"];
    EXPECT_EQ((*c)["dio"]["alignment_source"], "statx") << (*c)["dio"];
    EXPECT_EQ((*c)["page_cache_fallback"], false) << describe(c);
    EXPECT_EQ((*c)["pages_added"], 0) << describe(c);
}

TEST_F(ProbeHost, DefaultRunStartsEachTargetWithAConclusion)
{
    // Run where a user would: in a directory on ext4 (on a loop device).
    const fs::path dir = ext4->mount_point() / "work";
    fs::create_directory(dir);
    const auto r = run({"sh", "-c", "cd '" + dir.string() + "' && exec '" AIO_AUDIT_BIN "' probe"});
    fs::remove_all(dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> lines;
    {
        std::istringstream in(r.out);
        for (std::string l; std::getline(in, l);)
            lines.push_back(l);
    }
    // Each heading ("label  [what]") is followed by its conclusion.
    std::vector<std::string> conclusions;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
        if (!lines[i].empty() && lines[i][0] != ' ' && lines[i].find("  [") != std::string::npos)
            conclusions.push_back(lines[i + 1]);
    ASSERT_EQ(conclusions.size(), 4u) << r.out;
    EXPECT_EQ(conclusions[0].rfind("  ext4 on loop", 0), 0u) << conclusions[0];
    EXPECT_EQ(conclusions[1].rfind("  tmpfs:", 0), 0u) << conclusions[1];
    EXPECT_EQ(conclusions[2].rfind("  /dev/zero:", 0), 0u) << conclusions[2];
    EXPECT_EQ(conclusions[3].rfind("  FIFO:", 0), 0u) << conclusions[3];
    // ext4 waits for size-extending O_DIRECT writes: the conclusion says so.
    const auto ext4_part = r.out.substr(0, r.out.find("\nOP "));
    EXPECT_NE(ext4_part.find("appends, which block"), std::string::npos) << ext4_part;

    // inline? only where a device could have completed the request: never
    // on tmpfs, /dev/zero or the FIFO, never on a buffered write.
    bool in_memory_target = false;
    for (const auto& l : lines) {
        if (!l.empty() && l[0] != ' ' && l.find("  [") != std::string::npos)
            in_memory_target = l.find("tmpfs") != std::string::npos || l.find("/dev/zero") != std::string::npos ||
                               l.find("FIFO") != std::string::npos;
        if (l.find("inline?") == std::string::npos || l.rfind("  inline?", 0) == 0)
            continue;
        EXPECT_FALSE(in_memory_target) << l;
        const bool buffered_write = l.find(" buffered ") != std::string::npos && l.rfind("read", 0) != 0 &&
                                    l.find("+dsync") == std::string::npos;
        EXPECT_FALSE(buffered_write) << l;
    }
    // The last line says something worth reading, not a count of cases.
    const auto bottom = r.out.rfind("Bottom line: ");
    ASSERT_NE(bottom, std::string::npos) << r.out;
    EXPECT_NE(r.out.find("libaio blocked on", bottom), std::string::npos) << r.out.substr(bottom);
    EXPECT_EQ(r.out.find(" cases in "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace aio::host
