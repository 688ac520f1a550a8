// SPDX-License-Identifier: GPL-2.0-only
//
// Where `matrix` makes its file systems, and how it makes sure none of it
// outlives the run:
//  - the process enters a mount namespace of its own first, so its mounts
//    are invisible to everyone else and vanish with it, even on SIGKILL;
//  - each image file is unlinked as soon as its loop device holds it open,
//    and the loop device is attached with LO_FLAGS_AUTOCLEAR, so it detaches
//    itself when its mount goes away (and with it the image's space);
//  - a private directory holds the images and mount points and is removed
//    at the end (after a SIGKILL only that empty directory can remain).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "matrix/fs_catalog.h"

namespace aio::matrix {

// Moves this process into a private mount namespace. Must run while the
// process has a single thread (unshare(CLONE_NEWNS) implies CLONE_FS).
// Throws aio::EnvironmentError without the privilege.
void enter_private_mount_namespace();

// A fresh directory "aio-audit-matrix.XXXXXX" under `parent`, removed with
// what is left in it on destruction.
class ScratchDir {
public:
    explicit ScratchDir(const std::filesystem::path& parent);  // throws aio::Error
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// One configuration made and mounted: image → mkfs → loop → mount. Undone
// on destruction. ok() false: error() says which step failed; whatever
// was made before it is undone all the same.
class MadeFs {
public:
    MadeFs(const FsConfig& config, const std::filesystem::path& scratch);
    ~MadeFs();
    MadeFs(const MadeFs&) = delete;
    MadeFs& operator=(const MadeFs&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::filesystem::path& mount_point() const { return mount_; }
    const std::string& device() const { return device_; }  // "/dev/loop3"; empty for tmpfs
    const std::string& backing() const { return backing_; }
    std::uint32_t sector_size() const { return sector_size_; }  // the loop device's logical block size

private:
    void make(const FsConfig& config, const std::filesystem::path& scratch);
    std::filesystem::path mount_;
    std::string device_;
    std::string image_;  // its path, as the loop device's sysfs backing_file names it
    std::string backing_;
    std::uint32_t sector_size_ = 0;
    int loop_fd_ = -1;  // held until mounted; then the mount holds the device
    bool mounted_ = false;
    std::string error_;
};

}  // namespace aio::matrix
