// SPDX-License-Identifier: GPL-2.0-only
#include "collector/feature_probe.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "collector/bpf_handles.h"
#include "collector/libbpf_log.h"
#include "feature_probe.skel.h"
#include "model/backend_plan.h"
#include "model/errors.h"

// A stable user-space function for the uprobe probe. extern "C" and
// noinline so it has one symbol to resolve in /proc/self/exe.
extern "C" __attribute__((noinline, used, visibility("default"))) void aio_audit_uprobe_target()
{
    asm volatile("" ::: "memory");
}

namespace aio::collector {
namespace {

using model::Capability;
using model::CapStatus;

using Skel = Skeleton<feature_probe, feature_probe__destroy>;

// Open the skeleton with only `prog_name` enabled, let `prepare` set its
// target, load, attach with `attach`, then run `trigger` and check it fired
// when `must_fire` is set.
Capability try_kind(std::string id, std::string label, std::string_view prog_name,
                    const std::function<int(bpf_program*)>& prepare,
                    const std::function<bpf_link*(bpf_program*)>& attach, const std::function<void()>& trigger,
                    std::string target_note)
{
    LibbpfLogCapture log;
    Capability cap{std::move(id), std::move(label), CapStatus::no, ""};
    Skel skel(feature_probe__open());
    if (!skel) {
        cap.detail = log.describe("open", errno);
        return cap;
    }
    bpf_program* chosen = nullptr;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj)
    {
        const bool on = prog_name == bpf_program__name(prog);
        bpf_program__set_autoload(prog, on);
        if (on)
            chosen = prog;
    }
    if (!chosen) {
        cap.detail = "internal: no program " + std::string(prog_name);
        return cap;
    }
    if (prepare) {
        if (int err = prepare(chosen); err) {
            cap.detail = log.describe("prepare", -err);
            if (err == -ESRCH)
                cap.detail += " (the target function is not in the kernel's BTF)";
            return cap;
        }
    }
    if (int err = feature_probe__load(skel.get()); err) {
        cap.detail = log.describe("load", -err);
        if (log.text().find("failed to find the address for kernel symbol") != std::string::npos)
            cap.detail += " (the kernel cannot resolve per-CPU symbols for BPF: CONFIG_KALLSYMS_ALL is off)";
        return cap;
    }
    Link link(attach(chosen));
    if (!link) {
        cap.detail = log.describe("attach", errno);
        return cap;
    }
    if (trigger) {
        const auto before = skel->bss->hits;
        trigger();
        if (skel->bss->hits == before && prog_name == "probe_preempt_count") {
            cap.detail = "neither __preempt_count nor pcpu_hot.preempt_count is a per-CPU variable here";
            return cap;
        }
        if (skel->bss->hits == before) {
            cap.status = CapStatus::warn;
            cap.detail = "loaded and attached, but did not fire when triggered";
            return cap;
        }
    }
    cap.status = CapStatus::yes;
    cap.detail = target_note;
    // Which per-CPU variable held it (bpf/preempt_count.h): where it
    // lives depends on the kernel, and the tracer reads the same one.
    if (prog_name == "probe_preempt_count")
        cap.detail = skel->bss->preempt_from == 2 ? "per-CPU pcpu_hot.preempt_count readable (x86 6.2-6.14)"
                                                  : "per-CPU __preempt_count readable";
    return cap;
}

bpf_link* attach_default(bpf_program* p)
{
    return bpf_program__attach(p);
}

}  // namespace

model::Capabilities probe_bpf_features(const std::string& kernel_target)
{
    const std::string& ktarget = kernel_target;
    auto set_target = [&](bpf_program* p) { return bpf_program__set_attach_target(p, 0, ktarget.c_str()); };
    auto fire_io_submit = [] {
        // An invalid io_submit still passes through sys_enter_io_submit.
        ::syscall(SYS_io_submit, 0UL, 0L, nullptr);
    };

    model::Capabilities caps;
    caps.push_back(try_kind("bpf.tracepoint", "tracepoint programs", "probe_tracepoint", nullptr, attach_default,
                            fire_io_submit, "syscalls:sys_enter_io_submit fired"));
    caps.push_back(try_kind("bpf.preempt_count", "IRQ vs task context (preempt_count)", "probe_preempt_count",
                            nullptr, attach_default, fire_io_submit, ""));
    caps.push_back(try_kind("bpf.tp_btf", "tp_btf programs", "probe_tp_btf", nullptr, attach_default, nullptr,
                            "sched_switch"));
    caps.push_back(try_kind("bpf.fentry", "fentry programs", "probe_fentry", set_target, attach_default, nullptr,
                            ktarget));
    caps.push_back(try_kind("bpf.fexit", "fexit programs", "probe_fexit", set_target, attach_default, nullptr,
                            ktarget));
    caps.push_back(try_kind(
        "bpf.kprobe", "kprobe programs", "probe_kprobe", nullptr,
        [&](bpf_program* p) { return bpf_program__attach_kprobe(p, false, ktarget.c_str()); }, nullptr, ktarget));
    caps.push_back(try_kind(
        "bpf.kretprobe", "kretprobe programs", "probe_kretprobe", nullptr,
        [&](bpf_program* p) { return bpf_program__attach_kprobe(p, true, ktarget.c_str()); }, nullptr, ktarget));
    caps.push_back(try_kind(
        "bpf.uprobe", "uprobe programs", "probe_uprobe", nullptr,
        [](bpf_program* p) {
            LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "aio_audit_uprobe_target");
            return bpf_program__attach_uprobe_opts(p, 0, "/proc/self/exe", 0, &opts);
        },
        [] { aio_audit_uprobe_target(); }, "own binary, fired"));
    // trace's fentry syscall hooks: the syscall function itself, as it fires.
    const std::string sys_io_submit = std::string(model::kSyscallFunctionPrefix) + "io_submit";
    if (model::kArchSyscallProgramsBuilt)
        caps.push_back(try_kind(
            "bpf.fentry_syscalls", "fentry on syscall functions", "probe_fentry",
            [&](bpf_program* p) { return bpf_program__set_attach_target(p, 0, sys_io_submit.c_str()); },
            attach_default, fire_io_submit, sys_io_submit + " fired"));
    else
        caps.push_back({"bpf.fentry_syscalls", "fentry on syscall functions", CapStatus::no,
                        "this build has fentry syscall programs for x86-64 and arm64 only"});
    // trace's per-request submission windows: io_submit_one() is static in
    // fs/aio.c, and where the compiler inlined it nothing can hook it. trace
    // hooks it with its backend's kind where this says yes.
    const auto set_submit_one = [](bpf_program* p) { return bpf_program__set_attach_target(p, 0, "io_submit_one"); };
    caps.push_back(try_kind("bpf.fentry_io_submit_one", "fentry on io_submit_one (per-request windows)",
                            "probe_fentry", set_submit_one, attach_default, nullptr, "io_submit_one"));
    caps.push_back(try_kind(
        "bpf.kprobe_io_submit_one", "kprobe on io_submit_one (per-request windows)", "probe_kprobe", nullptr,
        [](bpf_program* p) { return bpf_program__attach_kprobe(p, false, "io_submit_one"); }, nullptr,
        "io_submit_one"));
    // The io_uring submission event trace attaches to: io_uring_submit_sqe
    // was renamed io_uring_submit_req in 6.4 (2ad57931db64), same fields.
    auto event = [](const char* name) {
        return [name](bpf_program* p) { return bpf_program__attach_tracepoint(p, "io_uring", name); };
    };
    Capability submit = try_kind("bpf.io_uring_submit", "io_uring submission event", "probe_tracepoint", nullptr,
                                 event("io_uring_submit_req"), nullptr, "io_uring:io_uring_submit_req");
    if (submit.status != CapStatus::yes) {
        Capability sqe = try_kind("bpf.io_uring_submit", "io_uring submission event", "probe_tracepoint", nullptr,
                                  event("io_uring_submit_sqe"), nullptr, "io_uring:io_uring_submit_sqe (before 6.4)");
        if (sqe.status == CapStatus::yes)
            submit = std::move(sqe);
    }
    caps.push_back(std::move(submit));
    return caps;
}

}  // namespace aio::collector
