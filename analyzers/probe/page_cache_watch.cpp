// SPDX-License-Identifier: GPL-2.0-only
#include "probe/page_cache_watch.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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
    write_file(instance_ + kEvent + "/enable", "0");
    write_file(instance_ + "/trace", "");
    started_ = write_file(instance_ + kEvent + "/filter",
                          "s_dev == " + std::to_string(kdev) + " && i_ino == " + std::to_string(ino)) &&
               write_file(instance_ + kEvent + "/enable", "1");
    return started_;
}

std::optional<std::uint64_t> PageCacheWatch::stop()
{
    if (!started_)
        return std::nullopt;
    started_ = false;
    write_file(instance_ + kEvent + "/enable", "0");
    std::ifstream in(instance_ + "/trace");
    std::string line;
    std::uint64_t pages = 0;
    bool lost = false;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            // "# entries-in-buffer/entries-written: 10/12" counts overruns.
            unsigned long shown = 0, written = 0;
            const auto at = line.find("entries-written: ");
            if (at != std::string::npos &&
                std::sscanf(line.c_str() + at + 17, "%lu/%lu", &shown, &written) == 2 && shown != written)
                lost = true;
            continue;
        }
        const auto at = line.find(" order=");
        const unsigned order = at == std::string::npos ? 0 : static_cast<unsigned>(std::atoi(line.c_str() + at + 7));
        pages += std::uint64_t{1} << order;
    }
    write_file(instance_ + "/trace", "");
    if (lost)
        return std::nullopt;
    return pages;
}

}  // namespace aio::probe
