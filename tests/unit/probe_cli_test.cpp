// SPDX-License-Identifier: GPL-2.0-only
//
// `probe`'s command line against /dev/zero, which needs no privileges: list
// options add up, the two depths exclude each other, and names parse.
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probe/prober.h"
#include "subprocess.h"

namespace probe_cli_test {

using aio::test::run_tool;

namespace {

std::vector<std::string> case_keys(const nlohmann::json& j)
{
    std::vector<std::string> keys;
    for (const auto& t : j["targets"])
        for (const auto& c : t["cases"])
            keys.push_back(c["op"].get<std::string>() + "/" + c["mode"].get<std::string>() + "/" +
                           c["engine"].get<std::string>());
    return keys;
}

}  // namespace

TEST(ProbeCli, ListOptionsGivenTwiceAddUp)
{
    const auto r = run_tool({"probe", "/dev/zero", "-e", "libaio", "-e", "io_uring", "-o", "read", "-o", "write",
                             "--write", "-m", "buffered", "-m", "buffered", "-n", "2", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto keys = case_keys(nlohmann::json::parse(r.out));
    EXPECT_EQ(keys, (std::vector<std::string>{"read/buffered/libaio", "read/buffered/io_uring",
                                              "write/buffered/libaio", "write/buffered/io_uring"}));
}

TEST(ProbeCli, BatchDepthAndInflightExcludeEachOther)
{
    const auto r = run_tool({"probe", "/dev/zero", "-q", "2", "--inflight", "2"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--inflight"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ProbeCli, InflightIsRecordedPerCase)
{
    const auto r = run_tool({"probe", "/dev/zero", "-e", "libaio", "-m", "buffered", "--inflight", "3", "-n", "9",
                             "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& c = j["targets"][0]["cases"][0];
    EXPECT_EQ(c["depth"], 3);
    EXPECT_EQ(c["depth_kind"], "inflight");
    EXPECT_EQ(c["completed"], 9);
}

TEST(ProbeOps, FillNamesBothFills)
{
    using aio::probe::Op;
    EXPECT_EQ(aio::probe::parse_op("fill"), (std::vector<Op>{Op::fill_holes, Op::fill_prealloc}));
    EXPECT_EQ(aio::probe::parse_op("fill-holes"), (std::vector<Op>{Op::fill_holes}));
    EXPECT_EQ(aio::probe::parse_op("fill-prealloc"), (std::vector<Op>{Op::fill_prealloc}));
    EXPECT_FALSE(aio::probe::parse_op("trim").has_value());
    EXPECT_EQ(aio::probe::name(Op::fill_holes), "fill-holes");
}

TEST(ProbeCli, NothingToDoIsAUsageError)
{
    // A file of someone else's is only read: asking only for writes leaves
    // nothing, which is said in one line with exit 2, not "none measured".
    char path[] = "/tmp/aio-audit-victim.XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    const std::string data(64 * 1024, 'x');
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fd);
    const auto r = run_tool({"probe", path, "-o", "overwrite"});
    const auto json = run_tool({"probe", path, "-o", "overwrite", "--json"});
    ::unlink(path);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("nothing to do"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("never writes to a file it did not create"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(json.exit_code, 2);
    EXPECT_TRUE(json.out.empty()) << json.out;
}

TEST(ProbeCli, DevNullReadsAreReportedAsNothingRead)
{
    const auto j = run_tool({"probe", "/dev/null", "-e", "libaio", "-m", "buffered", "-n", "4", "--json"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    const auto& c = doc["targets"][0]["cases"][0];
    EXPECT_EQ(c["empty_reads"], 4);
    EXPECT_EQ(c["read_nothing"], true);
    const auto t = run_tool({"probe", "/dev/null", "-e", "libaio", "-m", "buffered", "-n", "4"});
    EXPECT_NE(t.out.find("EOF: nothing read"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("nothing was read"), std::string::npos) << t.out;
}

TEST(ProbeCli, ToleranceNeedsExpect)
{
    const auto r = run_tool({"probe", "/dev/zero", "--tolerance", "0.2"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--expect"), std::string::npos) << r.err;
}

TEST(ProbeCli, ExpectHonoursTheTolerance)
{
    // /dev/zero through libaio is `sync` on every request: --expect async
    // disagrees on 100% of them, which no tolerance below 1 lets pass.
    const std::vector<std::string> base{"probe", "/dev/zero", "-e", "libaio", "-m", "buffered", "-n", "8"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return run_tool(args);
    };
    const auto miss = with({"--expect", "async"});
    EXPECT_EQ(miss.exit_code, 1);
    EXPECT_NE(miss.err.find("expected async: /dev/zero read buffered libaio is sync (100% disagree, tolerance 10%)"),
              std::string::npos)
        << miss.err;
    EXPECT_EQ(with({"--expect", "async", "--tolerance", "0.99"}).exit_code, 1);
    EXPECT_EQ(with({"--expect", "async", "--tolerance", "1"}).exit_code, 0);
    EXPECT_EQ(with({"--expect", "async", "--expect", "sync"}).exit_code, 0);
}

}  // namespace probe_cli_test
