// SPDX-License-Identifier: GPL-2.0-only
#include "probe/page_cache_watch.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace aio::probe {
namespace {

constexpr const char* kPrefix = "aio-audit-probe-";
constexpr const char* kEvent = "/events/filemap/mm_filemap_add_to_page_cache";

std::string tracefs_root()
{
    for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
        struct stat st {};
        if (::stat((std::string(root) + "/instances").c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            return root;
    }
    return {};
}

bool write_file(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

// Instances of runs that died without removing theirs (SIGKILL).
void remove_stale_instances(const std::string& instances)
{
    DIR* dir = ::opendir(instances.c_str());
    if (!dir)
        return;
    while (const dirent* ent = ::readdir(dir)) {
        const std::string name = ent->d_name;
        if (name.rfind(kPrefix, 0) != 0)
            continue;
        const long pid = std::strtol(name.c_str() + std::strlen(kPrefix), nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            ::rmdir((instances + "/" + name).c_str());
    }
    ::closedir(dir);
}

}  // namespace

PageCacheWatch::PageCacheWatch()
{
    const std::string root = tracefs_root();
    if (root.empty()) {
        error_ = "tracefs is not mounted";
        return;
    }
    remove_stale_instances(root + "/instances");
    static int serial = 0;
    instance_ = root + "/instances/" + kPrefix + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    if (::mkdir(instance_.c_str(), 0700) != 0) {
        error_ = "cannot create a tracefs instance: " + std::string(std::strerror(errno));
        instance_.clear();
        return;
    }
    // Small: a case adds at most a few thousand pages, and an overrun is seen.
    write_file(instance_ + "/buffer_size_kb", "256");
    struct stat st {};
    if (::stat((instance_ + kEvent).c_str(), &st) != 0)
        error_ = "this kernel has no filemap:mm_filemap_add_to_page_cache tracepoint";
}

PageCacheWatch::~PageCacheWatch()
{
    if (instance_.empty())
        return;
    write_file(instance_ + kEvent + "/enable", "0");
    ::rmdir(instance_.c_str());
}

bool PageCacheWatch::start(unsigned sb_major, unsigned sb_minor, ino_t ino)
{
    if (!ok())
        return false;
    // The event's s_dev is the kernel's dev_t: major << 20 | minor.
    const unsigned long kdev = (static_cast<unsigned long>(sb_major) << 20) | sb_minor;
    if (!enabled_ || kdev != kdev_) {
        // Enabling, disabling and refiltering an event each wait for an RCU
        // grace period: done once per filesystem, not once per case. The
        // inode is picked out of the output instead.
        write_file(instance_ + kEvent + "/enable", "0");
        enabled_ = write_file(instance_ + kEvent + "/filter", "s_dev == " + std::to_string(kdev)) &&
                   write_file(instance_ + kEvent + "/enable", "1");
        kdev_ = kdev;
        if (!enabled_)
            return false;
    }
    drain(0);  // what happened before this case
    ino_ = ino;
    started_ = true;
    return true;
}

std::optional<std::uint64_t> PageCacheWatch::stop()
{
    if (!started_)
        return std::nullopt;
    started_ = false;
    const Drained d = drain(ino_);
    if (d.lost)
        return std::nullopt;
    return d.pages;
}

// Reads trace_pipe until it is empty: reading consumes the events, so no
// reset of the buffer is needed (opening `trace` with O_TRUNC to clear it
// waits for an RCU grace period, tens of milliseconds per case).
PageCacheWatch::Drained PageCacheWatch::drain(ino_t ino) const
{
    char want[32];
    std::snprintf(want, sizeof(want), " ino %lx ", static_cast<unsigned long>(ino));
    Drained d;
    const int fd = ::open((instance_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        d.lost = true;
        return d;
    }
    std::string pending;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
            const std::string line = pending.substr(start, nl - start);
            if (line.find("LOST") != std::string::npos)
                d.lost = true;
            const auto at = line.find(" order=");
            if (at == std::string::npos || line.find(want) == std::string::npos)
                continue;
            d.pages += std::uint64_t{1} << std::atoi(line.c_str() + at + 7);
        }
        pending.erase(0, start);
    }
    ::close(fd);
    return d;
}

}  // namespace aio::probe
