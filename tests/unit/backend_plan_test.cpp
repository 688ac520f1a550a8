// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include "model/backend_plan.h"

namespace backend_plan_test {

using namespace aio::model;

namespace {

Capabilities with(std::initializer_list<std::string_view> yes)
{
    Capabilities caps;
    for (auto ev : tracepoint_backend_events())
        caps.push_back({"tracepoint." + std::string(ev), "", CapStatus::yes, ""});
    for (auto id : yes)
        caps.push_back({std::string(id), "", CapStatus::yes, ""});
    return caps;
}

}  // namespace

TEST(BackendPlan, PrefersFentryThenKprobeThenTracepoint)
{
    auto all = with({"kernel.btf", "bpf.tracepoint", "bpf.fentry", "bpf.fexit", "bpf.kprobe", "bpf.kretprobe",
                     "bpf.preempt_count"});
    EXPECT_EQ(plan_backend(all).backend, Backend::fentry);
    EXPECT_TRUE(plan_backend(all).unseen.empty());

    auto no_fentry = with({"kernel.btf", "bpf.tracepoint", "bpf.kprobe", "bpf.kretprobe"});
    EXPECT_EQ(plan_backend(no_fentry).backend, Backend::kprobe);

    // This machine: tracepoints only.
    auto host = with({"kernel.btf", "bpf.tracepoint", "bpf.tp_btf", "bpf.uprobe"});
    auto plan = plan_backend(host);
    EXPECT_EQ(plan.backend, Backend::tracepoint);
    EXPECT_FALSE(plan.unseen.empty());
    EXPECT_NE(std::find(plan.missing.begin(), plan.missing.end(), "bpf.fentry"), plan.missing.end());
}

TEST(BackendPlan, CheapestSyscallHooksThatWork)
{
    const auto arch = [](SyscallHooks h) { return kArchSyscallProgramsBuilt ? h : SyscallHooks::event; };
    // This machine: tp_btf, no fentry.
    auto host = with({"kernel.btf", "bpf.tracepoint", "bpf.tp_btf"});
    EXPECT_EQ(plan_backend(host).syscall_hooks, arch(SyscallHooks::raw));
    auto no_tp_btf = with({"kernel.btf", "bpf.tracepoint"});
    EXPECT_EQ(plan_backend(no_tp_btf).syscall_hooks, SyscallHooks::event);
    // fentry kernels: fentry on the syscall functions, with the fentry backend only.
    auto all = with({"kernel.btf", "bpf.tracepoint", "bpf.tp_btf", "bpf.fentry", "bpf.fexit", "bpf.kprobe",
                     "bpf.kretprobe", "bpf.fentry_syscalls"});
    EXPECT_EQ(plan_backend(all).syscall_hooks, arch(SyscallHooks::fentry));
    // fentry attaches, but not to the syscall functions: tracepoints.
    auto no_sys_fentry = with({"kernel.btf", "bpf.tracepoint", "bpf.tp_btf", "bpf.fentry", "bpf.fexit"});
    EXPECT_EQ(plan_backend(no_sys_fentry).backend, Backend::fentry);
    EXPECT_EQ(plan_backend(no_sys_fentry).syscall_hooks, arch(SyscallHooks::raw));
    EXPECT_EQ(plan_backend(all, Backend::kprobe).syscall_hooks, arch(SyscallHooks::raw));
    EXPECT_EQ(plan_backend(all, Backend::tracepoint).syscall_hooks, arch(SyscallHooks::raw));
    EXPECT_TRUE(syscall_hooks_unavailable(all, Backend::tracepoint, SyscallHooks::fentry).has_value());
    EXPECT_TRUE(syscall_hooks_unavailable(no_tp_btf, Backend::tracepoint, SyscallHooks::raw).has_value());
    EXPECT_FALSE(syscall_hooks_unavailable(no_tp_btf, Backend::tracepoint, SyscallHooks::event).has_value());
    for (SyscallHooks h : {SyscallHooks::event, SyscallHooks::raw, SyscallHooks::fentry})
        EXPECT_EQ(parse_syscall_hooks(name(h)), h);
    EXPECT_FALSE(parse_syscall_hooks("kprobe").has_value());
}

TEST(BackendPlan, FentryNeedsBtfAndFexit)
{
    auto no_fexit = with({"kernel.btf", "bpf.tracepoint", "bpf.fentry"});
    EXPECT_EQ(plan_backend(no_fexit).backend, Backend::tracepoint);
    auto no_btf = with({"bpf.tracepoint", "bpf.fentry", "bpf.fexit"});
    EXPECT_EQ(plan_backend(no_btf).backend, Backend::tracepoint);
}

TEST(BackendPlan, NothingWithoutSyscallTracepoints)
{
    Capabilities caps{{"bpf.tracepoint", "", CapStatus::yes, ""}, {"bpf.fentry", "", CapStatus::yes, ""}};
    EXPECT_EQ(plan_backend(caps).backend, Backend::none);
    EXPECT_EQ(plan_backend({}).backend, Backend::none);
    EXPECT_NE(plan_backend({}).why.find("privileged"), std::string::npos);
}

TEST(BackendPlan, OptionalTracepointsDoNotBlock)
{
    Capabilities caps;
    for (auto ev : tracepoint_backend_events())
        if (!ev.starts_with("iomap:"))
            caps.push_back({"tracepoint." + std::string(ev), "", CapStatus::yes, ""});
    caps.push_back({"bpf.tracepoint", "", CapStatus::yes, ""});
    EXPECT_EQ(plan_backend(caps).backend, Backend::tracepoint);
}

TEST(BackendPlan, ForcedBackend)
{
    auto host = with({"kernel.btf", "bpf.tracepoint"});
    EXPECT_EQ(plan_backend(host, Backend::fentry).backend, Backend::none);
    EXPECT_EQ(plan_backend(host, Backend::tracepoint).backend, Backend::tracepoint);
    auto all = with({"kernel.btf", "bpf.tracepoint", "bpf.fentry", "bpf.fexit", "bpf.kprobe", "bpf.kretprobe"});
    auto plan = plan_backend(all, Backend::kprobe);
    EXPECT_EQ(plan.backend, Backend::kprobe);
    EXPECT_NE(plan.why.find("forced"), std::string::npos);
}

TEST(BackendPlan, ParseNames)
{
    EXPECT_EQ(parse_backend("fentry"), Backend::fentry);
    EXPECT_EQ(parse_backend("tracepoint"), Backend::tracepoint);
    EXPECT_FALSE(parse_backend("ftrace").has_value());
}

TEST(BackendPlan, SaysWhenIrqContextIsInvisible)
{
    auto no_pc = with({"kernel.btf", "bpf.tracepoint", "bpf.fentry", "bpf.fexit"});
    const auto plan = plan_backend(no_pc);
    EXPECT_EQ(plan.backend, Backend::fentry);
    ASSERT_EQ(plan.unseen.size(), 1u);
    EXPECT_NE(plan.unseen[0].find("preempt_count"), std::string::npos);
}

TEST(BackendPlan, SaysWhatContextsMeanOnPreemptRt)
{
    auto rt = with({"kernel.btf", "bpf.tracepoint", "bpf.fentry", "bpf.fexit", "bpf.preempt_count",
                    "kernel.preempt_rt"});
    const auto plan = plan_backend(rt);
    ASSERT_EQ(plan.unseen.size(), 1u);
    EXPECT_NE(plan.unseen[0].find("PREEMPT_RT"), std::string::npos);
    EXPECT_NE(plan.unseen[0].find("counts as the submitter"), std::string::npos);

    auto not_rt = with({"kernel.btf", "bpf.tracepoint", "bpf.fentry", "bpf.fexit", "bpf.preempt_count"});
    EXPECT_TRUE(plan_backend(not_rt).unseen.empty());
}

}  // namespace backend_plan_test
