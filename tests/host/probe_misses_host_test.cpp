// SPDX-License-Identifier: GPL-2.0-only
//
// The perf link info the collector reads skipped-kprobe counts from, read on
// this kernel. The host has no kprobes: a uprobe link is read instead. Its
// kind and program id sit where a kprobe's do, so this checks the hand-written
// layout against a real kernel. The kprobe side is checked in the guests
// (tests/vm/cases/61-trace-drivers.sh: the note about uncounted misses is
// present on 6.1 and absent on 6.12).
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include "collector/elf_symbols.h"
#include "collector/probe_misses.h"
#include "env/run_info.h"

namespace {

struct Fd {
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0)
            close(fd);
    }
};

TEST(ProbeMissesHost, AUprobeLinkIsReadAsAPerfLinkOfAUprobeNotAKprobe)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root";
    if (!aio::env::kernel_at_least(6, 6))
        GTEST_SKIP() << "perf links describe their event from Linux 6.6";
    int uprobe_type = -1;
    std::ifstream("/sys/bus/event_source/devices/uprobe/type") >> uprobe_type;
    if (uprobe_type < 0)
        GTEST_SKIP() << "no uprobe PMU";
    const auto libc = aio::collector::libc_path();
    ASSERT_TRUE(libc);
    const auto offsets = aio::collector::function_offsets(*libc, {"getppid"});
    ASSERT_TRUE(offsets.contains("getppid"));

    // r0 = 0; exit: the least a kprobe-type program can be.
    const bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
    };
    Fd prog{bpf_prog_load(BPF_PROG_TYPE_KPROBE, "aa_link_info", "GPL", insns, 2, nullptr)};
    ASSERT_GE(prog.fd, 0) << "bpf_prog_load: " << errno;
    bpf_prog_info pinfo{};
    std::uint32_t plen = sizeof(pinfo);
    ASSERT_EQ(bpf_obj_get_info_by_fd(prog.fd, &pinfo, &plen), 0);

    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = static_cast<std::uint32_t>(uprobe_type);
    attr.config1 = reinterpret_cast<std::uint64_t>(libc->c_str());
    attr.config2 = offsets.at("getppid");
    Fd event{static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC))};
    ASSERT_GE(event.fd, 0) << "perf_event_open: " << errno;
    Fd link{bpf_link_create(prog.fd, event.fd, BPF_PERF_EVENT, nullptr)};
    ASSERT_GE(link.fd, 0) << "bpf_link_create: " << errno;

    const auto info = aio::collector::perf_link_info(link.fd);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->prog_id, pinfo.id);
    EXPECT_EQ(info->perf_type, 1u);  // BPF_PERF_EVENT_UPROBE
    EXPECT_FALSE(aio::collector::kprobe_link_misses(link.fd));
    // Not a link at all.
    EXPECT_FALSE(aio::collector::perf_link_info(prog.fd));
    EXPECT_FALSE(aio::collector::perf_link_info(-1));
}

}  // namespace
