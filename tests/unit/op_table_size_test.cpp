// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

extern "C" {
#include "aio_audit.h"
}

#include "collector/op_table_size.h"

using aio::collector::default_op_slots;

// The per-CPU op table stays within its budget as possible CPUs grow, and
// keeps the BPF object's full size where it fits. Fails if the table is
// sized by online CPUs' worth of memory alone, or not at all.
TEST(OpTableSize, ShrinksWithPossibleCpusWithinTheBudget)
{
    constexpr std::size_t value = sizeof(aio_audit_op_stats);
    EXPECT_EQ(value, 2144u);  // four 64-slot histograms: if this moves, so do the figures in docs/trace.md
    EXPECT_EQ(default_op_slots(2, value), 1024u);
    EXPECT_EQ(default_op_slots(29, value), 1024u);
    EXPECT_EQ(default_op_slots(64, value), 489u);
    EXPECT_EQ(default_op_slots(256, value), 122u);
    for (std::uint32_t cpus : {1u, 8u, 30u, 64u, 256u, 512u})
        EXPECT_LE(std::uint64_t(default_op_slots(cpus, value)) * value * cpus, 64ull << 20) << cpus;
    // Never so small that a machine with thousands of CPUs keeps almost no ops:
    // from ~980 possible CPUs the minimum wins over the budget.
    EXPECT_EQ(default_op_slots(8192, value), 32u);
    EXPECT_EQ(default_op_slots(0, value), 1024u);
}
