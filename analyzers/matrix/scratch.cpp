// SPDX-License-Identifier: GPL-2.0-only
#include "matrix/scratch.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "matrix/run_program.h"
#include "model/errors.h"
#include "probe/file_facts.h"

namespace aio::matrix {
namespace fs = std::filesystem;

void enter_private_mount_namespace()
{
    if (::unshare(CLONE_NEWNS) != 0)
        throw EnvironmentError("cannot create a private mount namespace: " + errno_text(errno),
                               errno == EPERM
                                   ? "matrix makes file systems on loop devices: run it as root, or "
                                     "name directories to measure the file systems they are on"
                                   : "");
    // Without this, mounts would still propagate back to the shared parent.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw EnvironmentError("cannot make the mount namespace private: " + errno_text(errno));
}

ScratchDir::ScratchDir(const fs::path& parent)
{
    std::string tmpl = (parent / "aio-audit-matrix.XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
        throw EnvironmentError("cannot create a scratch directory in " + parent.string() + ": " +
                                   errno_text(errno),
                               "choose another parent with --scratch DIR");
    path_ = tmpl;
}

ScratchDir::~ScratchDir()
{
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {

std::string first_line(const std::string& s)
{
    const auto start = s.find_first_not_of(" \n");
    if (start == std::string::npos)
        return {};
    return s.substr(start, s.find('\n', start) - start);
}

// Attaches `image_fd` to a free loop device: direct I/O to the image (so the
// device has a worker between submission and completion, as a disk does),
// and auto-clear (it detaches itself on its last close, i.e. at umount).
// Returns the open device (or -1 with `error` set) and its path.
int attach_loop(int image_fd, const std::string& image, std::string& device, std::string& error)
{
    const int ctl = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        error = "/dev/loop-control: " + errno_text(errno) +
                (errno == ENOENT ? " (the loop driver is not loaded: modprobe loop)" : "");
        return -1;
    }
    int fd = -1;
    // Another process may take the free device between the two calls: retry.
    for (int attempt = 0; attempt < 20 && fd < 0; ++attempt) {
        const int n = ::ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) {
            error = "LOOP_CTL_GET_FREE: " + errno_text(errno);
            break;
        }
        device = "/dev/loop" + std::to_string(n);
        fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            error = device + ": " + errno_text(errno);
            break;
        }
        loop_config cfg{};
        cfg.fd = static_cast<__u32>(image_fd);
        cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
        std::strncpy(reinterpret_cast<char*>(cfg.info.lo_file_name), image.c_str(), LO_NAME_SIZE - 1);
        if (::ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
            break;
        const int err = errno;
        if (err == EBUSY) {
            ::close(fd);
            fd = -1;
            continue;
        }
        if (err == EINVAL || err == ENOTTY) {
            // Before Linux 5.8 there is no LOOP_CONFIGURE: the two-step way.
            loop_info64 info{};
            info.lo_flags = LO_FLAGS_AUTOCLEAR;
            std::strncpy(reinterpret_cast<char*>(info.lo_file_name), image.c_str(), LO_NAME_SIZE - 1);
            if (::ioctl(fd, LOOP_SET_FD, image_fd) == 0) {
                if (::ioctl(fd, LOOP_SET_STATUS64, &info) == 0) {
                    ::ioctl(fd, LOOP_SET_DIRECT_IO, 1UL);  // best effort: said in `backing`
                    break;
                }
                ::ioctl(fd, LOOP_CLR_FD, 0);
            }
            if (errno == EBUSY) {
                ::close(fd);
                fd = -1;
                continue;
            }
        }
        error = device + ": LOOP_CONFIGURE: " + errno_text(err);
        ::close(fd);
        fd = -1;
        break;
    }
    ::close(ctl);
    if (fd < 0 && error.empty())
        error = "no free loop device";
    return fd;
}

// The loop device's sysfs backing file, "" once it is detached.
std::string loop_backing(const std::string& device)
{
    const auto name = fs::path(device).filename().string();
    std::ifstream in("/sys/block/" + name + "/loop/backing_file");
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

MadeFs::MadeFs(const FsConfig& config, const fs::path& scratch)
{
    make(config, scratch);
}

void MadeFs::make(const FsConfig& config, const fs::path& scratch)
{
    mount_ = scratch / config.id;
    if (::mkdir(mount_.c_str(), 0700) != 0) {
        error_ = "mkdir " + mount_.string() + ": " + errno_text(errno);
        mount_.clear();
        return;
    }
    if (config.mkfs.empty()) {  // tmpfs
        if (::mount(config.fstype.c_str(), mount_.c_str(), config.fstype.c_str(), 0,
                    config.mount_options.empty() ? nullptr : config.mount_options.c_str()) != 0) {
            error_ = "mount -t " + config.fstype + ": " + errno_text(errno);
            return;
        }
        mounted_ = true;
        backing_ = "RAM";
        return;
    }

    const fs::path image = scratch / (config.id + ".img");
    image_ = image.string();
    const int image_fd = ::open(image.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (image_fd < 0) {
        error_ = "cannot create " + image.string() + ": " + errno_text(errno);
        return;
    }
    // From here on the image is unlinked on every path: the loop device, if
    // any, holds the only reference.
    struct Unlink {
        const fs::path& p;
        int fd;
        ~Unlink()
        {
            ::unlink(p.c_str());
            ::close(fd);
        }
    } unlink_image{image, image_fd};
    if (::ftruncate(image_fd, static_cast<off_t>(config.image_mb << 20)) != 0) {
        error_ = "cannot size " + image.string() + ": " + errno_text(errno);
        return;
    }
    std::vector<std::string> argv = config.mkfs;
    argv.push_back(image.string());
    const ProgramResult r = run_program(argv);
    if (r.status != 0) {
        error_ = config.mkfs.front() + " failed: " + first_line(r.output);
        return;
    }
    loop_fd_ = attach_loop(image_fd, image.string(), device_, error_);
    if (loop_fd_ < 0) {
        device_.clear();
        return;
    }
    loop_info64 info{};
    const bool dio = ::ioctl(loop_fd_, LOOP_GET_STATUS64, &info) == 0 && (info.lo_flags & LO_FLAGS_DIRECT_IO);
    int sector = 0;
    if (::ioctl(loop_fd_, BLKSSZGET, &sector) == 0 && sector > 0)
        sector_size_ = static_cast<std::uint32_t>(sector);
    std::string host_fs = "?";
    // The image is already unlinked: its fd's magic link still leads statx to its mount.
    if (auto m = probe::mount_of("/proc/self/fd/" + std::to_string(image_fd)))
        host_fs = m->fstype;
    backing_ =
        std::string("loop device, ") + (dio ? "direct I/O" : "buffered I/O") + " to an image on " + host_fs;

    if (::mount(device_.c_str(), mount_.c_str(), config.fstype.c_str(), 0,
                config.mount_options.empty() ? nullptr : config.mount_options.c_str()) != 0) {
        const int err = errno;
        error_ =
            "mount -t " + config.fstype +
            (config.mount_options.empty() ? "" : " -o " + config.mount_options) + ": " + errno_text(err) +
            (err == ENODEV ? " (the kernel has no " + config.fstype + " loaded; a module? modprobe it)" : "");
        return;
    }
    mounted_ = true;
    // The mount holds the device now; our descriptor would keep it attached.
    ::close(loop_fd_);
    loop_fd_ = -1;
}

MadeFs::~MadeFs()
{
    if (mounted_) {
        // A writer's last close can race with the umount (io_uring tears
        // down its rings from a worker): retry briefly before detaching.
        bool done = false;
        for (int i = 0; i < 40 && !done; ++i) {
            done = ::umount2(mount_.c_str(), 0) == 0 || errno != EBUSY;
            if (!done)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!done)
            ::umount2(mount_.c_str(), MNT_DETACH);
    }
    if (loop_fd_ >= 0)
        ::close(loop_fd_);  // auto-clear detaches it
    if (!device_.empty()) {
        // Auto-clear runs at the device's last release, which can lag the
        // umount by a moment; detach by hand if it did not happen.
        // Only ever our own image: once detached, the device may already
        // belong to someone else.
        auto ours = [this] { return loop_backing(device_).rfind(image_, 0) == 0; };
        for (int i = 0; i < 40 && ours(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        if (ours()) {
            const int fd = ::open(device_.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                ::ioctl(fd, LOOP_CLR_FD, 0);
                ::close(fd);
            }
        }
    }
    if (!mount_.empty())
        ::rmdir(mount_.c_str());
}

}  // namespace aio::matrix
