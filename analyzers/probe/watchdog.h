// SPDX-License-Identifier: GPL-2.0-only
//
// A submission can block forever inside the kernel: kernel AIO runs a
// non-async driver's read_iter inline, and a tty or an empty pipe waits for
// data. While armed, the watchdog interrupts the calling thread's blocking
// syscall after the deadline (a signal whose handler does nothing and is
// installed without SA_RESTART, so the syscall returns EINTR).
#pragma once

#include <chrono>
#include <ctime>

namespace aio::probe {

class Watchdog {
public:
    explicit Watchdog(std::chrono::milliseconds after);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    bool fired() const;

private:
    timer_t timer_{};
    bool armed_ = false;
};

}  // namespace aio::probe
