// SPDX-License-Identifier: GPL-2.0-only
#pragma once

#include <time.h>

#include <cstdint>

namespace aio::probe {

// CLOCK_MONOTONIC through the vDSO: ~20 ns, no syscall, so it does not
// disturb the context-switch counts taken around a submission.
inline std::uint64_t now_ns()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace aio::probe
