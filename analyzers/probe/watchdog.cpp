// SPDX-License-Identifier: GPL-2.0-only
#include "probe/watchdog.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

namespace aio::probe {
namespace {

std::atomic<bool> watchdog_fired{false};

void on_watchdog(int)
{
    watchdog_fired.store(true, std::memory_order_relaxed);
}

// SIGRTMIN+3: not used by glibc's AIO helpers nor by anything else in the tool.
int watchdog_signal()
{
    static const int sig = [] {
        const int s = SIGRTMIN + 3;
        struct sigaction sa {};
        sa.sa_handler = on_watchdog;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: the blocked syscall must return EINTR
        ::sigaction(s, &sa, nullptr);
        return s;
    }();
    return sig;
}

}  // namespace

Watchdog::Watchdog(std::chrono::milliseconds after)
{
    watchdog_fired.store(false, std::memory_order_relaxed);
    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = watchdog_signal();
    sev._sigev_un._tid = ::gettid();
    if (::timer_create(CLOCK_MONOTONIC, &sev, &timer_) != 0)
        return;
    itimerspec its{};
    its.it_value.tv_sec = static_cast<time_t>(after.count() / 1000);
    its.it_value.tv_nsec = static_cast<long>((after.count() % 1000) * 1'000'000);
    // Repeat, in case the first signal lands between syscalls.
    its.it_interval.tv_sec = 1;
    armed_ = ::timer_settime(timer_, 0, &its, nullptr) == 0;
    if (!armed_)
        ::timer_delete(timer_);
}

Watchdog::~Watchdog()
{
    if (armed_)
        ::timer_delete(timer_);
}

bool Watchdog::fired() const
{
    return watchdog_fired.load(std::memory_order_relaxed);
}

}  // namespace aio::probe
