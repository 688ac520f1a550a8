// SPDX-License-Identifier: GPL-2.0-only
//
// Facts about a file that decide how it may be probed and how results read:
// its filesystem and backing device, direct-I/O alignment, page-cache
// residency (to drop it before cold reads and to catch a silent O_DIRECT
// fall-back to the page cache).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "model/probe_result.h"

namespace aio::probe {

struct MountFacts {
    std::string fstype;  // "ext4", "tmpfs", "xfs"
    std::string source;  // "/dev/vda", "tmpfs"
    std::string mount_point;
    // The superblock's device number as mountinfo gives it (btrfs: not the
    // st_dev its files report, which is per subvolume).
    unsigned sb_major = 0;
    unsigned sb_minor = 0;
};

// The mount that holds `path`: by the mount id statx reports (Linux 5.8+),
// else by st_dev; from /proc/self/mountinfo.
std::optional<MountFacts> mount_of(const std::string& path);

// What decides O_DIRECT's alignment for the open file `fd`:
// statx(STATX_DIOALIGN) where the filesystem reports it; the logical block
// size of the block device under it, found from st_dev (a block-device
// filesystem) or else from the mount's source (btrfs and others whose
// st_dev is anonymous), through sysfs queue/logical_block_size or BLKSSZGET
// on the device node; and the filesystem block (fstatfs f_bsize).
model::DirectIoFacts direct_io_facts(int fd, const std::optional<MountFacts>& mount);

// Evict the file's clean pages so the next read goes to the device. Dirty
// pages cannot be evicted: callers fsync first.
void drop_page_cache(int fd);

// Pages of [0, length) resident in the page cache (mincore), or nullopt when
// the file cannot be mapped (devices, FIFOs).
std::optional<std::uint64_t> resident_pages(int fd, std::uint64_t length);

// The driver a char device major belongs to, from /proc/devices ("mem" for
// /dev/null and /dev/zero); empty when not listed.
std::string char_driver(dev_t rdev);

// The filesystem at `path` keeps its data in memory only (tmpfs, ramfs,
// hugetlbfs): no device could complete a request.
bool memory_only_fs(const std::string& path);

// Size in bytes of a regular file or block device.
std::optional<std::uint64_t> byte_size(int fd);

}  // namespace aio::probe
