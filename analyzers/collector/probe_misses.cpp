// SPDX-License-Identifier: GPL-2.0-only
#include "collector/probe_misses.h"

#include <cstddef>

#include <bpf/bpf.h>

#include "env/run_info.h"

namespace aio::collector {

namespace {

// The head of struct bpf_link_info and its perf_event.kprobe member as
// Linux 6.7 and later define them (include/uapi/linux/bpf.h). The build's
// <linux/bpf.h> (Debian 12: 6.1) predates both, so they are spelled here;
// an older kernel fills only the head and leaves perf_type zero.
struct PerfKprobeLinkInfo {
    std::uint32_t type;
    std::uint32_t id;
    std::uint32_t prog_id;
    std::uint32_t pad0;
    std::uint32_t perf_type;  // enum bpf_perf_event_type
    std::uint32_t pad1;
    std::uint64_t func_name;
    std::uint32_t name_len;
    std::uint32_t offset;
    std::uint64_t addr;
    std::uint64_t missed;
    std::uint64_t cookie;
};
static_assert(offsetof(PerfKprobeLinkInfo, perf_type) == 16);
static_assert(offsetof(PerfKprobeLinkInfo, missed) == 48);

constexpr std::uint32_t kLinkTypePerfEvent = 7;  // BPF_LINK_TYPE_PERF_EVENT
constexpr std::uint32_t kPerfEventKprobe = 3;     // BPF_PERF_EVENT_KPROBE
constexpr std::uint32_t kPerfEventKretprobe = 4;  // BPF_PERF_EVENT_KRETPROBE
// 6.6 fills perf_event.kprobe without the member (its bytes stay zero, and
// its struct is no shorter): only the release tells a zero from "not said".
constexpr int kMissesMajor = 6, kMissesMinor = 7;

}  // namespace

std::optional<PerfLinkInfo> perf_link_info(int link_fd)
{
    if (link_fd < 0)
        return std::nullopt;
    PerfKprobeLinkInfo info{};
    std::uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(link_fd, &info, &len) != 0 || info.type != kLinkTypePerfEvent)
        return std::nullopt;
    return PerfLinkInfo{info.prog_id, info.perf_type, info.missed};
}

std::optional<ProbeMisses> kprobe_link_misses(int link_fd)
{
    static const bool reported = env::kernel_at_least(kMissesMajor, kMissesMinor);
    if (!reported)
        return std::nullopt;
    const auto info = perf_link_info(link_fd);
    if (!info || (info->perf_type != kPerfEventKprobe && info->perf_type != kPerfEventKretprobe))
        return std::nullopt;
    return ProbeMisses{info->prog_id, info->missed};
}

}  // namespace aio::collector
