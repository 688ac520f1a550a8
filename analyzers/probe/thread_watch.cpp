// SPDX-License-Identifier: GPL-2.0-only
#include "probe/thread_watch.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

namespace aio::probe {

TaskSnapshot snapshot_other_tasks()
{
    TaskSnapshot snap;
    const pid_t self = ::gettid();
    DIR* dir = ::opendir("/proc/self/task");
    if (!dir)
        return snap;
    while (const dirent* ent = ::readdir(dir)) {
        if (ent->d_name[0] < '0' || ent->d_name[0] > '9')
            continue;
        const auto tid = static_cast<pid_t>(std::strtol(ent->d_name, nullptr, 10));
        if (tid == self)
            continue;
        const std::string base = std::string("/proc/self/task/") + ent->d_name;
        TaskUsage use;
        std::ifstream(base + "/comm") >> use.comm;
        std::ifstream stat(base + "/schedstat");
        std::uint64_t runtime_ns = 0, wait_ns = 0;
        stat >> runtime_ns >> wait_ns >> use.timeslices;
        // The per-thread CPU clock of a thread of this process
        // (include/linux/posix-timers.h: CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED).
        const clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 4u | 2u);
        timespec ts{};
        if (::clock_gettime(clock, &ts) == 0)
            use.cpu_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
        else
            use.cpu_ns = runtime_ns;
        snap.emplace(tid, std::move(use));
    }
    ::closedir(dir);
    return snap;
}

HelperActivity helper_activity(const TaskSnapshot& before, const TaskSnapshot& after, const std::string& prefix)
{
    HelperActivity act;
    for (const auto& [tid, use] : after) {
        if (!prefix.empty() && use.comm.rfind(prefix, 0) != 0)
            continue;
        const auto it = before.find(tid);
        if (it == before.end())
            ++act.appeared;
        else if (use.timeslices != it->second.timeslices || use.cpu_ns != it->second.cpu_ns)
            ++act.ran;
    }
    return act;
}

ThreadIoCounter::ThreadIoCounter() : fd_(::open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC)) {}

ThreadIoCounter::~ThreadIoCounter()
{
    if (fd_ >= 0)
        ::close(fd_);
}

std::uint64_t ThreadIoCounter::read_bytes() const
{
    char buf[512];
    const ssize_t n = fd_ >= 0 ? ::pread(fd_, buf, sizeof(buf) - 1, 0) : -1;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char* field = std::strstr(buf, "\nread_bytes: ");
    return field ? std::strtoull(field + 13, nullptr, 10) : 0;
}

std::uint64_t voluntary_switches()
{
    rusage ru{};
    ::getrusage(RUSAGE_THREAD, &ru);
    return static_cast<std::uint64_t>(ru.ru_nvcsw);
}

}  // namespace aio::probe
