// SPDX-License-Identifier: GPL-2.0-only
//
// `probe`'s command line against /dev/zero, which needs no privileges: list
// options add up, the two depths exclude each other, and names parse.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probe/prober.h"
#include "subprocess.h"

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
