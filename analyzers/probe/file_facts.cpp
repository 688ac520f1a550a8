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

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace aio::probe {

namespace {

// mountinfo: id parent major:minor root mount-point options [optional...] - fstype source super-options
template <typename Match>
std::optional<MountFacts> find_mount(Match match)
{
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    std::optional<MountFacts> found;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (!match(id, devno))
            continue;
        const auto dash = line.find(" - ");
        if (dash == std::string::npos)
            continue;
        std::istringstream tail(line.substr(dash + 3));
        MountFacts m;
        m.mount_point = mount_point;
        tail >> m.fstype >> m.source;
        std::sscanf(devno.c_str(), "%u:%u", &m.sb_major, &m.sb_minor);
        found = m;  // the last one wins: the mount stacked on top
    }
    return found;
}

std::optional<std::uint32_t> read_u32(const std::string& path)
{
    std::ifstream in(path);
    std::uint32_t v = 0;
    if (in >> v)
        return v;
    return std::nullopt;
}

// queue/logical_block_size of a whole disk, or of the disk a partition
// belongs to (a partition's sysfs directory has no queue/).
std::optional<std::uint32_t> sysfs_logical_block(dev_t dev)
{
    const std::string base =
        "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    if (auto v = read_u32(base + "/queue/logical_block_size"))
        return v;
    return read_u32(base + "/../queue/logical_block_size");
}

}  // namespace

std::optional<MountFacts> mount_of(const std::string& path)
{
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID)) {
        const std::string want = std::to_string(stx.stx_mnt_id);
        if (auto m = find_mount([&](const std::string& id, const std::string&) { return id == want; }))
            return m;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return std::nullopt;
    const std::string want = std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
    return find_mount([&](const std::string&, const std::string& devno) { return devno == want; });
}

model::DirectIoFacts direct_io_facts(int fd, const std::optional<MountFacts>& mount)
{
    model::DirectIoFacts f;
    struct statx stx {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 && (stx.stx_mask & STATX_DIOALIGN) &&
        stx.stx_dio_offset_align != 0) {
        f.statx_offset_align = stx.stx_dio_offset_align;
        f.statx_memory_align = stx.stx_dio_mem_align;
    }
    struct statfs fs {};
    if (::fstatfs(fd, &fs) == 0 && fs.f_bsize > 0)
        f.fs_block = static_cast<std::uint32_t>(fs.f_bsize);

    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return f;
    if (S_ISBLK(st.st_mode)) {
        f.device = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
        int sector = 0;
        if (::ioctl(fd, BLKSSZGET, &sector) == 0 && sector > 0)
            f.device_logical_block = static_cast<std::uint32_t>(sector);
        else if (auto v = sysfs_logical_block(st.st_rdev))
            f.device_logical_block = *v;
        f.fs_block = 0;
        return f;
    }
    // A filesystem on a block device reports that device as st_dev; btrfs
    // (and others with anonymous st_dev) name it only as the mount's source.
    dev_t dev = 0;
    if (major(st.st_dev) != 0) {
        dev = st.st_dev;
        f.device = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    } else if (mount && mount->source.rfind("/dev/", 0) == 0) {
        struct stat src {};
        if (::stat(mount->source.c_str(), &src) == 0 && S_ISBLK(src.st_mode)) {
            dev = src.st_rdev;
            f.device = mount->source;
        }
    }
    if (dev == 0)
        return f;
    if (auto v = sysfs_logical_block(dev)) {
        f.device_logical_block = *v;
    } else if (mount && mount->source.rfind("/dev/", 0) == 0) {
        const int dfd = ::open(mount->source.c_str(), O_RDONLY | O_CLOEXEC);
        int sector = 0;
        if (dfd >= 0 && ::ioctl(dfd, BLKSSZGET, &sector) == 0 && sector > 0)
            f.device_logical_block = static_cast<std::uint32_t>(sector);
        if (dfd >= 0)
            ::close(dfd);
    }
    return f;
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
