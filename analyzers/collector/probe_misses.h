// SPDX-License-Identifier: GPL-2.0-only
//
// How many times the kernel skipped a kprobe or kretprobe before it reached
// the BPF program: the probe fired while another probe ran on its CPU, or a
// kretprobe had no free instance. bpf_prog_info.recursion_misses does not
// count these; the perf link's info does, from Linux 6.7 (3acf8ace6823,
// "bpf: Add missed value to kprobe perf link info").
#pragma once

#include <cstdint>
#include <optional>

namespace aio::collector {

struct ProbeMisses {
    std::uint32_t prog_id = 0;
    std::uint64_t missed = 0;
};

// For a kprobe or kretprobe perf link on a kernel that reports its misses;
// nullopt for any other link, or where the kernel does not say (before 6.7,
// or a probe attached by ioctl rather than by a link).
std::optional<ProbeMisses> kprobe_link_misses(int link_fd);

}  // namespace aio::collector
