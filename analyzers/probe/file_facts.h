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

namespace aio::probe {

struct MountFacts {
    std::string fstype;  // "ext4", "tmpfs", "xfs"
    std::string source;  // "/dev/vda", "tmpfs"
    std::string mount_point;
};

// The mount that holds `st_dev`, from /proc/self/mountinfo.
std::optional<MountFacts> mount_of(dev_t st_dev);

// Alignment O_DIRECT needs for buffers and offsets/lengths (statx
// STATX_DIOALIGN, else BLKSSZGET for block devices); nullopt when unknown.
struct DioAlign {
    std::uint32_t memory = 0;
    std::uint32_t offset = 0;
};
std::optional<DioAlign> dio_alignment(int fd);

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
