// SPDX-License-Identifier: GPL-2.0-only
//
// The filesystems every `probe` host test runs on, made once per run: ext4,
// XFS and btrfs on loop devices (direct I/O to their image files, so a
// kernel worker sits between submission and the disk), and squashfs.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "host_env.h"

namespace aio::host {

class ProbeHost : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        if (::geteuid() != 0)
            return;
        ext4 = new LoopFs({.fstype = "ext4", .squashfs_source = {}});
        xfs = new LoopFs({.fstype = "xfs", .squashfs_source = {}});
        btrfs = new LoopFs({.fstype = "btrfs", .squashfs_source = {}});
        squash_src = new TempDir();
        {
            std::ofstream data(squash_src->path() / "data", std::ios::binary);
            std::string block(4096, '\0');
            for (int b = 0; b < 1024; ++b) {
                for (std::size_t i = 0; i < block.size(); ++i)
                    block[i] = static_cast<char>((b * 131 + static_cast<int>(i) * 7) & 0xff);
                data.write(block.data(), static_cast<std::streamsize>(block.size()));
            }
        }
        squash = new LoopFs({.fstype = "squashfs", .squashfs_source = squash_src->path().string()});
    }
    static void TearDownTestSuite()
    {
        delete squash;
        delete squash_src;
        delete btrfs;
        delete xfs;
        delete ext4;
        squash = nullptr;
        squash_src = nullptr;
        btrfs = nullptr;
        xfs = nullptr;
        ext4 = nullptr;
    }
    void SetUp() override
    {
        AIO_REQUIRE_ROOT();
        ASSERT_TRUE(ext4 && ext4->ok()) << ext4->error();
        ASSERT_TRUE(xfs && xfs->ok()) << xfs->error();
        ASSERT_TRUE(btrfs && btrfs->ok()) << btrfs->error();
        ASSERT_TRUE(squash && squash->ok()) << squash->error();
    }

    static void expect_verdict(const nlohmann::json& report, const std::string& label, const std::string& engine,
                               const std::string& op, const std::string& mode, const std::string& verdict)
    {
        const auto* c = find_case(report, label, engine, op, mode);
        ASSERT_NE(c, nullptr) << label << " " << engine << " " << op << " " << mode << " missing in report";
        EXPECT_EQ((*c)["verdict"], verdict) << label << " " << engine << " " << op << " " << mode << ": "
                                            << describe(c);
        EXPECT_EQ((*c)["data_mismatches"], 0) << describe(c);
        EXPECT_EQ((*c)["errors"], 0) << describe(c);
    }

    // Every listed case of `label` has `verdict` (measure_until's acceptance).
    static bool verdicts_are(const nlohmann::json& r, const std::string& label, std::vector<std::string> ops,
                             const std::string& mode, const std::string& verdict)
    {
        for (const auto& op : ops) {
            const auto* c = find_case(r, label, "libaio", op, mode);
            if (!c || (*c)["verdict"] != verdict)
                return false;
        }
        return true;
    }

    static LoopFs* ext4;
    static LoopFs* xfs;
    static LoopFs* btrfs;
    static LoopFs* squash;
    static TempDir* squash_src;
};

}  // namespace aio::host
