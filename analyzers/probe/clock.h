// SPDX-License-Identifier: GPL-2.0-only
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace aio::probe {

// CLOCK_MONOTONIC through the vDSO: ~20 ns, no syscall, so it does not
// disturb the context-switch counts taken around a submission.
inline std::uint64_t now_ns()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

// A batch's deadline: how long a wait may still block, or nothing once it
// has passed.
class Deadline {
public:
    Deadline(std::uint64_t start_ns, std::chrono::milliseconds budget)
        : end_ns_(start_ns + static_cast<std::uint64_t>(budget.count()) * 1'000'000ULL) {}

    // The time left as a timespec-like T ({seconds, nanoseconds}), or
    // nullopt when the deadline has passed.
    template <typename T = timespec>
    std::optional<T> left() const
    {
        const auto now = now_ns();
        if (now >= end_ns_)
            return std::nullopt;
        const auto ns = end_ns_ - now;
        T ts{};
        ts.tv_sec = static_cast<decltype(ts.tv_sec)>(ns / 1'000'000'000ULL);
        ts.tv_nsec = static_cast<decltype(ts.tv_nsec)>(ns % 1'000'000'000ULL);
        return ts;
    }

private:
    std::uint64_t end_ns_;
};

}  // namespace aio::probe
