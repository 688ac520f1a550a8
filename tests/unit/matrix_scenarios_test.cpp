// SPDX-License-Identifier: GPL-2.0-only
//
// The scenario list covers fsqual's, rows are keyed uniquely (--compare
// matches on the key), and the catalog tells what cannot be made here.
#include <gtest/gtest.h>

#include <set>

#include "matrix/fs_catalog.h"
#include "matrix/scenarios.h"

namespace matrix_scenarios_test {

using namespace aio::matrix;

TEST(MatrixScenarios, IdsAreUniqueAndStable)
{
    std::set<std::string> ids;
    for (const auto& s : scenarios())
        EXPECT_TRUE(ids.insert(s.id()).second) << s.id();
    EXPECT_TRUE(ids.count("direct/append/block/q1"));
    EXPECT_TRUE(ids.count("direct/overwrite/sector/q3/dsync"));
    EXPECT_TRUE(ids.count("direct/fill-holes/block/q1/nowait"));
}

TEST(MatrixScenarios, CoverFsqual)
{
    // fsqual's depths, both sizes, O_DSYNC, RWF_NOWAIT, its four operations.
    std::set<unsigned> depths;
    std::set<std::string> ops;
    bool sector = false, block = false, dsync = false, nowait = false, buffered = false;
    unsigned from_fsqual = 0;
    for (const auto& s : scenarios()) {
        depths.insert(s.depth);
        ops.insert(s.op);
        (s.sector ? sector : block) = true;
        dsync |= s.dsync;
        nowait |= s.nowait;
        buffered |= !s.direct;
        from_fsqual += !s.fsqual.empty();
        EXPECT_FALSE(s.dsync && s.nowait) << s.id();
    }
    EXPECT_EQ(depths, (std::set<unsigned>{1, 3, 7, 30}));
    EXPECT_EQ(ops, (std::set<std::string>{"read", "overwrite", "append", "fill-holes", "fill-prealloc"}));
    EXPECT_TRUE(sector && block && dsync && nowait && buffered);
    EXPECT_EQ(from_fsqual, 10u);  // its nine distinct run_test()s and the RWF_NOWAIT test
}

TEST(MatrixCatalog, CoreFirstAndUniqueIds)
{
    std::set<std::string> ids;
    std::vector<std::string> core;
    for (const auto& c : catalog()) {
        EXPECT_TRUE(ids.insert(c.id).second) << c.id;
        if (c.core)
            core.push_back(c.id);
    }
    EXPECT_EQ(core, (std::vector<std::string>{"ext4", "xfs", "btrfs", "tmpfs"}));
}

TEST(MatrixCatalog, SaysWhyAConfigurationCannotBeMade)
{
    FsConfig no_mkfs{"x", "ext4", {"mkfs.aio-audit-no-such"}, "", 64, "", false};
    EXPECT_EQ(unavailable_reason(no_mkfs), "mkfs.aio-audit-no-such is not installed");
    FsConfig no_kernel{"y", "aioauditnofs", {"true"}, "", 64, "", false};
    EXPECT_EQ(unavailable_reason(no_kernel), "this kernel has no aioauditnofs");
    FsConfig tmpfs{"tmpfs", "tmpfs", {}, "", 0, "", true};
    EXPECT_EQ(unavailable_reason(tmpfs), "");
}

}  // namespace matrix_scenarios_test
