// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <sstream>

#include "model/histogram.h"
#include "report/histogram_text.h"

namespace histogram_test {

using aio::model::Log2Hist;

TEST(Log2Slot, MatchesFloorLog2)
{
    EXPECT_EQ(aio_audit_log2_slot(0), 0u);
    EXPECT_EQ(aio_audit_log2_slot(1), 0u);
    EXPECT_EQ(aio_audit_log2_slot(2), 1u);
    EXPECT_EQ(aio_audit_log2_slot(3), 1u);
    EXPECT_EQ(aio_audit_log2_slot(4), 2u);
    EXPECT_EQ(aio_audit_log2_slot(1023), 9u);
    EXPECT_EQ(aio_audit_log2_slot(1024), 10u);
    EXPECT_EQ(aio_audit_log2_slot(UINT64_MAX), 63u);
    for (unsigned i = 1; i < 64; ++i) {
        EXPECT_EQ(aio_audit_log2_slot(1ULL << i), i);
        EXPECT_EQ(aio_audit_log2_slot((1ULL << i) - 1), i - 1);
    }
}

TEST(Log2Hist, SlotBoundsCoverEveryValueOnce)
{
    EXPECT_EQ(Log2Hist::slot_low(0), 0u);
    EXPECT_EQ(Log2Hist::slot_high(0), 1u);
    for (std::size_t i = 1; i < Log2Hist::kSlots; ++i)
        EXPECT_EQ(Log2Hist::slot_low(i), Log2Hist::slot_high(i - 1) + 1);
    EXPECT_EQ(Log2Hist::slot_high(63), UINT64_MAX);
}

TEST(Log2Hist, AddMergeCountQuantile)
{
    Log2Hist h;
    EXPECT_EQ(h.quantile_upper_bound(0.5), 0u);
    for (int i = 0; i < 90; ++i)
        h.add(100);  // slot 6: 64..127
    for (int i = 0; i < 10; ++i)
        h.add(5000);  // slot 12: 4096..8191
    EXPECT_EQ(h.count(), 100u);
    EXPECT_EQ(h.quantile_upper_bound(0.5), 127u);
    EXPECT_EQ(h.quantile_upper_bound(0.9), 127u);
    EXPECT_EQ(h.quantile_upper_bound(0.99), 8191u);
    Log2Hist g;
    g.add(100, 10);
    h.merge(g);
    EXPECT_EQ(h.slot(6), 100u);
    // The sum is the values', exact: not derived from the slots.
    EXPECT_EQ(h.sum(), 100u * 100 + 10u * 5000);
    std::array<std::uint64_t, 3> raw{1, 2, 3};
    EXPECT_EQ(Log2Hist::from_slots(raw).count(), 6u);
    EXPECT_EQ(Log2Hist::from_slots(raw).sum(), 0u);  // slots alone carry no sum
    EXPECT_EQ(Log2Hist::from_slots(raw, 4242).sum(), 4242u);
}

TEST(HistText, BccLayout)
{
    Log2Hist h;
    h.add(20'000, 3);  // 20 µs -> "16 -> 31"
    h.add(40'000, 1);  // 40 µs -> "32 -> 63"
    std::ostringstream out;
    aio::report::print_log2_hist(out, h, "usecs", 1000);
    const std::string expected =
        "               usecs : count    distribution\n"
        "         0 -> 1         : 0        |                                        |\n"
        "         2 -> 3         : 0        |                                        |\n"
        "         4 -> 7         : 0        |                                        |\n"
        "         8 -> 15        : 0        |                                        |\n"
        "        16 -> 31        : 3        |****************************************|\n"
        "        32 -> 63        : 1        |**************                          |\n";
    EXPECT_EQ(out.str(), expected);
}

TEST(HistText, Empty)
{
    std::ostringstream out;
    aio::report::print_log2_hist(out, Log2Hist{}, "usecs", 1000);
    EXPECT_EQ(out.str(), "     (no samples)\n");
}

}  // namespace histogram_test
