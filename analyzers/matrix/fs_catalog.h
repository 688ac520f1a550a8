// SPDX-License-Identifier: GPL-2.0-only
//
// The file-system configurations `matrix` knows how to make, and whether
// this machine can make each: its mkfs installed, and the kernel able to
// mount it (built in, or a module that mount will load).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aio::matrix {

struct FsConfig {
    std::string id;                 // "ext4", "ext4-data-journal", "btrfs-nodatacow"
    std::string fstype;             // what mount(2) is given
    std::vector<std::string> mkfs;  // program and arguments, the image path is appended; empty: tmpfs
    std::string mount_options;      // "" = the defaults
    std::uint64_t image_mb = 0;     // sparse image size (mkfs.xfs wants 300 MB, mkfs.btrfs 114 MB)
    std::string why;                // why this configuration is in the table
    bool core = false;              // the four every run should have: ext4, XFS, btrfs, tmpfs
};

// Every configuration, in table order: the four core ones first.
const std::vector<FsConfig>& catalog();

// "" when this machine can make and mount `fs`; else why not, in a few words.
std::string unavailable_reason(const FsConfig& fs);

}  // namespace aio::matrix
