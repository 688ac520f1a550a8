// SPDX-License-Identifier: GPL-2.0-only
#include "matrix/fs_catalog.h"

#include <sys/utsname.h>

#include <fstream>
#include <sstream>

#include "matrix/run_program.h"

namespace aio::matrix {

const std::vector<FsConfig>& catalog()
{
    // Mount options are included only where they change the O_DIRECT or
    // AIO path (docs/matrix.md says why each is here and why others are not).
    // One configuration per line reads better than one field per line.
    // clang-format off
    static const std::vector<FsConfig> all{
        {"ext4", "ext4", {"mkfs.ext4", "-q", "-F", "-b", "4096", "-E", "lazy_itable_init=0,lazy_journal_init=0"}, "",
         128, "defaults (data=ordered; dioread_nolock has been the default since Linux 5.6)", true},
        {"xfs", "xfs", {"mkfs.xfs", "-q", "-f"}, "", 320,
         "defaults: no XFS mount option changes the O_DIRECT path", true},
        {"btrfs", "btrfs", {"mkfs.btrfs", "-q", "-f"}, "", 256,
         "defaults: copy-on-write and data checksums, so every write allocates", true},
        {"tmpfs", "tmpfs", {}, "size=256m", 0, "no device at all; O_DIRECT is accepted only since Linux 6.6", true},
        {"ext4-data-journal", "ext4",
         {"mkfs.ext4", "-q", "-F", "-b", "4096", "-E", "lazy_itable_init=0,lazy_journal_init=0"}, "data=journal", 128,
         "data=journal: ext4 serves O_DIRECT through the page cache", false},
        {"btrfs-nodatacow", "btrfs", {"mkfs.btrfs", "-q", "-f"}, "nodatacow", 256,
         "nodatacow (implies nodatasum): overwrites in place, as ext4 and XFS do", false},
        {"ext2", "ext2", {"mkfs.ext2", "-q", "-F", "-b", "4096"}, "", 128,
         "no journal, block-mapped files", false},
        {"ext3", "ext3", {"mkfs.ext3", "-q", "-F", "-b", "4096"}, "", 128,
         "ext3's layout (journal, block-mapped files) served by the ext4 driver", false},
        {"f2fs", "f2fs", {"mkfs.f2fs", "-q", "-f"}, "", 256, "log-structured, for flash", false},
        {"vfat", "vfat", {"mkfs.vfat"}, "", 128, "FAT: no sparse files, so holes are written with zeros", false},
        {"exfat", "exfat", {"mkfs.exfat"}, "", 128, "exFAT", false},
        {"nilfs2", "nilfs2", {"mkfs.nilfs2", "-q", "-f"}, "", 256, "log-structured, continuous snapshots", false},
        {"jfs", "jfs", {"mkfs.jfs", "-q"}, "", 128, "IBM's journaled file system", false},
        {"minix", "minix", {"mkfs.minix", "-3"}, "", 64, "no O_DIRECT at all", false},
    };
    // clang-format on
    return all;
}

namespace {

bool in_proc_filesystems(const std::string& fstype)
{
    std::ifstream in("/proc/filesystems");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string a, b;
        fields >> a >> b;
        if (a == fstype || (a == "nodev" && b == fstype))
            return true;
    }
    return false;
}

// mount(2) asks modprobe for "fs-<type>": a module of that alias loads.
bool module_available(const std::string& fstype)
{
    struct utsname u {};
    if (::uname(&u) != 0)
        return false;
    std::ifstream in(std::string("/lib/modules/") + u.release + "/modules.alias");
    const std::string want = "alias fs-" + fstype + " ";
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, want.size(), want) == 0)
            return true;
    return false;
}

}  // namespace

std::string unavailable_reason(const FsConfig& fs)
{
    if (!fs.mkfs.empty() && find_program(fs.mkfs.front()).empty())
        return fs.mkfs.front() + " is not installed";
    if (!in_proc_filesystems(fs.fstype) && !module_available(fs.fstype))
        return "this kernel has no " + fs.fstype;
    return {};
}

}  // namespace aio::matrix
