// SPDX-License-Identifier: GPL-2.0-only
#include "probe/file_facts.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace aio::probe {

std::optional<MountFacts> mount_of(dev_t st_dev)
{
    // mountinfo: id parent major:minor root mount-point options [optional...] - fstype source super-options
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    const std::string want = std::to_string(major(st_dev)) + ":" + std::to_string(minor(st_dev));
    std::optional<MountFacts> found;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (devno != want)
            continue;
        const auto dash = line.find(" - ");
        if (dash == std::string::npos)
            continue;
        std::istringstream tail(line.substr(dash + 3));
        MountFacts m;
        m.mount_point = mount_point;
        tail >> m.fstype >> m.source;
        found = m;  // the last one wins: the mount stacked on top
    }
    return found;
}

std::optional<DioAlign> dio_alignment(int fd)
{
    struct statx stx {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN | STATX_TYPE, &stx) == 0 && (stx.stx_mask & STATX_DIOALIGN) &&
        stx.stx_dio_offset_align != 0)
        return DioAlign{stx.stx_dio_mem_align, stx.stx_dio_offset_align};
    int sector = 0;
    if (::ioctl(fd, BLKSSZGET, &sector) == 0 && sector > 0)
        return DioAlign{static_cast<std::uint32_t>(sector), static_cast<std::uint32_t>(sector)};
    return std::nullopt;
}

void drop_page_cache(int fd)
{
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

std::optional<std::uint64_t> resident_pages(int fd, std::uint64_t length)
{
    if (length == 0)
        return 0;
    void* map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return std::nullopt;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((length + page - 1) / page);
    std::optional<std::uint64_t> resident;
    if (::mincore(map, length, vec.data()) == 0) {
        resident = 0;
        for (unsigned char v : vec)
            *resident += v & 1;
    }
    ::munmap(map, length);
    return resident;
}

std::string char_driver(dev_t rdev)
{
    // "Character devices:" then "  1 mem" lines, until a blank line.
    std::ifstream in("/proc/devices");
    std::string line;
    bool chars = false;
    while (std::getline(in, line)) {
        if (line.rfind("Character devices:", 0) == 0) {
            chars = true;
            continue;
        }
        if (line.empty() || line.rfind("Block devices:", 0) == 0) {
            if (chars)
                break;
            continue;
        }
        if (!chars)
            continue;
        std::istringstream fields(line);
        unsigned major_no = 0;
        std::string name;
        if (fields >> major_no >> name && major_no == major(rdev))
            return name;
    }
    return {};
}

bool memory_only_fs(const std::string& path)
{
    struct statfs fs {};
    if (::statfs(path.c_str(), &fs) != 0)
        return false;
    return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC || fs.f_type == HUGETLBFS_MAGIC;
}

std::optional<std::uint64_t> byte_size(int fd)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return std::nullopt;
    if (S_ISREG(st.st_mode))
        return static_cast<std::uint64_t>(st.st_size);
    if (S_ISBLK(st.st_mode)) {
        std::uint64_t bytes = 0;
        if (::ioctl(fd, BLKGETSIZE64, &bytes) == 0)
            return bytes;
    }
    return std::nullopt;
}

}  // namespace aio::probe
