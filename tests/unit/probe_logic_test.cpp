// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "model/latency.h"
#include "probe/engine.h"
#include "probe/prober.h"

namespace probe_logic_test {

using namespace aio;

TEST(Pattern, DependsOnTheOffsetSoMisplacedDataIsCaught)
{
    std::vector<unsigned char> a(4096), b(4096);
    probe::fill_pattern(a.data(), a.size(), 0);
    probe::fill_pattern(b.data(), b.size(), 4096);
    EXPECT_NE(a, b);
    EXPECT_EQ(probe::count_pattern_mismatches(a.data(), a.size(), 0), 0u);
    EXPECT_GT(probe::count_pattern_mismatches(a.data(), a.size(), 4096), 4000u);
    // Every 512-byte sector of a block differs from its neighbours.
    EXPECT_GT(probe::count_pattern_mismatches(a.data(), 512, 512), 400u);
}

TEST(Pattern, ContinuesAcrossSplitWrites)
{
    std::vector<unsigned char> whole(8192), parts(8192);
    probe::fill_pattern(whole.data(), whole.size(), 12345);
    probe::fill_pattern(parts.data(), 100, 12345);
    probe::fill_pattern(parts.data() + 100, 8092, 12445);
    EXPECT_EQ(whole, parts);
}

TEST(Pattern, TornWriteIsCounted)
{
    std::vector<unsigned char> buf(4096);
    probe::fill_pattern(buf.data(), buf.size(), 8192);
    std::fill(buf.begin() + 2048, buf.end(), 0);
    const auto bad = probe::count_pattern_mismatches(buf.data(), buf.size(), 8192);
    EXPECT_GT(bad, 1900u);
    EXPECT_LE(bad, 2048u);
}

TEST(Latency, NearestRankPercentiles)
{
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = 1; i <= 100; ++i)
        v.push_back(i * 1000);
    const auto s = model::summarize(v);
    EXPECT_EQ(s.count, 100u);
    EXPECT_EQ(s.p50, 50'000u);
    EXPECT_EQ(s.p90, 90'000u);
    EXPECT_EQ(s.p99, 99'000u);
    EXPECT_EQ(s.max, 100'000u);
    EXPECT_EQ(s.hist.count(), 100u);
    // Typed: a braced list would also match summarize() of scan reports.
    const auto one = model::summarize(std::vector<std::uint64_t>{7});
    EXPECT_EQ(one.p50, 7u);
    EXPECT_EQ(one.p99, 7u);
    EXPECT_EQ(model::summarize(std::vector<std::uint64_t>{}).count, 0u);
}

TEST(Engines, ParseNames)
{
    EXPECT_EQ(probe::parse_engine("libaio"), probe::EngineKind::libaio);
    EXPECT_EQ(probe::parse_engine("io_uring"), probe::EngineKind::io_uring);
    EXPECT_EQ(probe::parse_engine("uring"), probe::EngineKind::io_uring);
    EXPECT_EQ(probe::parse_engine("posix"), probe::EngineKind::posix);
    EXPECT_FALSE(probe::parse_engine("spdk").has_value());
}

TEST(DefaultTargets, AreTheFourOfTheReadme)
{
    const auto specs = probe::default_targets();
    ASSERT_EQ(specs.size(), 4u);
    EXPECT_EQ(specs[0].path, ".");
    EXPECT_EQ(specs[1].label, "tmpfs");
    EXPECT_EQ(specs[2].path, "/dev/zero");
    EXPECT_TRUE(specs[3].make_fifo);
    EXPECT_EQ(specs[0].label, std::filesystem::current_path().string());
}

TEST(TargetLabel, DotsBecomeTheDirectoryTheyName)
{
    const std::string cwd = std::filesystem::current_path().string();
    EXPECT_EQ(probe::target_label("."), cwd);
    EXPECT_EQ(probe::target_label("./"), cwd);
    EXPECT_EQ(probe::target_label(".."), std::filesystem::current_path().parent_path().string());
    EXPECT_EQ(probe::target_label("data/./x"), "data/./x");
    EXPECT_EQ(probe::target_label("/dev/zero"), "/dev/zero");
    EXPECT_EQ(probe::target_label(".hidden"), ".hidden");
}

}  // namespace probe_logic_test
