// SPDX-License-Identifier: GPL-2.0-only
//
// How many ops the kernel keeps statistics for. The op table (`ops`,
// bpf/trace/common.bpf.h) is a per-CPU array: the kernel allocates one value
// (~2.1 KB: four 64-slot histograms) per slot for every *possible* CPU, up
// front. 1024 slots are 4.4 MB on a 2-CPU machine but 560 MB where 256 CPUs
// are possible, so by default the table is sized to stay within a budget.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

extern "C" {
#include "aio_audit.h"
}

namespace aio::collector {

inline constexpr std::uint32_t kOpTableMax = AIO_AUDIT_OP_SLOTS;  // the BPF object's own size
inline constexpr std::uint32_t kOpTableMin = 32;
inline constexpr std::uint64_t kOpTableBudget = 64ull << 20;

// 1024 slots, fewer where they would pass kOpTableBudget, never fewer than
// kOpTableMin (an op beyond the table is counted as lost, `op_table_full`).
constexpr std::uint32_t default_op_slots(std::uint32_t possible_cpus, std::size_t value_size)
{
    if (possible_cpus == 0 || value_size == 0)
        return kOpTableMax;
    const std::uint64_t fit = kOpTableBudget / (static_cast<std::uint64_t>(value_size) * possible_cpus);
    return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(fit, kOpTableMin, kOpTableMax));
}

}  // namespace aio::collector
