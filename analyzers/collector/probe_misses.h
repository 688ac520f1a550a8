// SPDX-License-Identifier: GPL-2.0-only
//
// How many times the kernel skipped a kprobe or kretprobe before it reached
// the BPF program: the probe fired while another probe ran on its CPU, or a
// kretprobe had no free instance. bpf_prog_info.recursion_misses does not
// count these; the perf link's info does, from Linux 6.7 (kernel commit
// "bpf: Add missed value to kprobe perf link info").
#pragma once

#include <cstdint>
#include <optional>

namespace aio::collector {

// What the kernel says of a perf link (a kprobe, uprobe or tracepoint
// attached by BPF_LINK_CREATE). The kind of event is filled from 6.6 ("bpf:
// Support ->fill_link_info for perf_event"), and is zero before.
struct PerfLinkInfo {
    std::uint32_t prog_id = 0;
    std::uint32_t perf_type = 0;  // enum bpf_perf_event_type: 1 uprobe ... 3 kprobe, 4 kretprobe
    std::uint64_t missed = 0;     // kprobes and kretprobes, from 6.7
};

// nullopt for a descriptor that is not a perf link.
std::optional<PerfLinkInfo> perf_link_info(int link_fd);

struct ProbeMisses {
    std::uint32_t prog_id = 0;
    std::uint64_t missed = 0;
};

// For a kprobe or kretprobe perf link on a kernel that reports its misses;
// nullopt for any other link, or where the kernel does not say (before 6.7,
// or a probe attached by ioctl rather than by a link).
std::optional<ProbeMisses> kprobe_link_misses(int link_fd);

}  // namespace aio::collector
