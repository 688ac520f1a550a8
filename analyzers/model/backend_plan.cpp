// SPDX-License-Identifier: GPL-2.0-only
#include "model/backend_plan.h"

#include <array>

namespace aio::model {
namespace {

// What the degraded backends lose, in the words the trace report uses.
const std::vector<std::string> kprobe_unseen = {
    "driver-call timing is measured with kretprobes (slightly higher overhead than fexit)",
};
const std::vector<std::string> tracepoint_unseen = {
    "the driver call's own window (entry/exit of read_iter/write_iter): sleeps are attributed to "
    "the io_submit syscall, not to the driver call",
    "the driver's return value (-EIOCBQUEUED or a byte count)",
    "the completion's context (IRQ, softirq, kworker): completions are only counted as posted "
    "during or after io_submit (aio ring tail), so fake-async shows as blocking",
    "per-request completion latency for kernel AIO (io_getevents exit is used instead)",
};

bool all_tracepoints(const Capabilities& caps, std::vector<std::string>& missing)
{
    bool ok = true;
    for (auto ev : tracepoint_backend_events()) {
        std::string id = "tracepoint." + std::string(ev);
        if (!has(caps, id)) {
            missing.push_back(id);
            // Only the syscalls and sched_switch are indispensable; io_uring
            // and iomap events enrich the report when present (and
            // io_uring_submit_sqe/submit_req are one event by two names).
            if (ev.starts_with("syscalls:") || ev.starts_with("sched:"))
                ok = false;
        }
    }
    return ok;
}

// Completion hooks tell IRQ from task context only where preempt_count can
// be read; the io_uring completion hook exists in every backend.
void note_context(BackendPlan& plan, const Capabilities& caps)
{
    for (SyscallHooks h : {SyscallHooks::fentry, SyscallHooks::raw, SyscallHooks::event})
        if (!syscall_hooks_unavailable(caps, plan.backend, h)) {
            plan.syscall_hooks = h;
            break;
        }
    if (!has(caps, "bpf.preempt_count"))
        plan.unseen.push_back("whether a completion ran in hardirq/softirq or in a task: preempt_count is "
                              "not readable (neither __preempt_count nor x86 6.2-6.14's pcpu_hot.preempt_count "
                              "resolves for BPF: CONFIG_KALLSYMS_ALL off, or not x86); an interrupt on the "
                              "submitter's CPU counts as the submitter");
    // PREEMPT_RT runs interrupt handlers and softirqs in threads and keeps the
    // softirq count in the task: what the contexts mean there (docs/verdicts.md).
    if (has(caps, "kernel.preempt_rt"))
        plan.unseen.push_back("PREEMPT_RT: threaded interrupt handlers, soft hrtimers and ksoftirqd are tasks "
                              "(other_task, async); a softirq the submitter serves itself inside io_submit "
                              "counts as the submitter (sync), not softirq");
}

}  // namespace

std::string_view name(Backend b)
{
    switch (b) {
    case Backend::fentry: return "fentry";
    case Backend::kprobe: return "kprobe";
    case Backend::tracepoint: return "tracepoint";
    case Backend::none: return "none";
    }
    return "none";
}

std::string_view name(SyscallHooks h)
{
    switch (h) {
    case SyscallHooks::raw: return "raw";
    case SyscallHooks::fentry: return "fentry";
    case SyscallHooks::event: return "event";
    }
    return "event";
}

std::optional<SyscallHooks> parse_syscall_hooks(std::string_view text)
{
    for (SyscallHooks h : {SyscallHooks::event, SyscallHooks::raw, SyscallHooks::fentry})
        if (name(h) == text)
            return h;
    return std::nullopt;
}

std::string_view describe(SyscallHooks h)
{
    switch (h) {
    case SyscallHooks::raw: return "raw sys_enter/sys_exit tracepoints (tp_btf)";
    case SyscallHooks::fentry: return "fentry/fexit on the syscall functions (no syscall tracepoint)";
    case SyscallHooks::event: return "one syscalls:sys_{enter,exit}_* tracepoint per syscall";
    }
    return "";
}

std::optional<std::string> syscall_hooks_unavailable(const Capabilities& caps, Backend backend, SyscallHooks hooks)
{
    switch (hooks) {
    case SyscallHooks::event:
        return std::nullopt;
    case SyscallHooks::raw:
        if (!kArchSyscallProgramsBuilt)
            return "this build has raw syscall programs for x86-64 and arm64 only";
        if (!has(caps, "bpf.tp_btf"))
            return "the kernel refuses tp_btf programs (see `aio-audit doctor`)";
        return std::nullopt;
    case SyscallHooks::fentry:
        if (!kArchSyscallProgramsBuilt)
            return "this build has fentry syscall programs for x86-64 and arm64 only";
        // The tracepoint backend times completions at io_getevents, which
        // the fentry syscall hooks leave alone.
        if (backend != Backend::fentry)
            return "fentry syscall hooks go with the fentry backend only";
        if (!has(caps, "bpf.fentry_syscalls"))
            return "fentry does not attach to the syscall functions (see `aio-audit doctor`)";
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Backend> parse_backend(std::string_view text)
{
    for (Backend b : {Backend::fentry, Backend::kprobe, Backend::tracepoint})
        if (name(b) == text)
            return b;
    if (text == "tracepoints" || text == "tp")
        return Backend::tracepoint;
    if (text == "fexit")
        return Backend::fentry;
    return std::nullopt;
}

const std::vector<std::string_view>& tracepoint_backend_events()
{
    static const std::vector<std::string_view> events = {
        "syscalls:sys_enter_io_submit",   "syscalls:sys_exit_io_submit",
        "syscalls:sys_enter_io_getevents", "syscalls:sys_exit_io_getevents",
        "sched:sched_switch",             "io_uring:io_uring_submit_req",
        "io_uring:io_uring_submit_sqe",  // the same event before 6.4 (2ad57931db64)
        "io_uring:io_uring_queue_async_work", "io_uring:io_uring_complete",
        "io_uring:io_uring_cqring_wait",
        "iomap:iomap_dio_rw_queued",      "iomap:iomap_dio_complete",
    };
    return events;
}

BackendPlan plan_backend(const Capabilities& caps, std::optional<Backend> forced)
{
    BackendPlan plan;
    std::vector<std::string> tp_missing;
    const bool tp_ok = has(caps, "bpf.tracepoint") && all_tracepoints(caps, tp_missing);
    const bool fentry_ok = has(caps, "kernel.btf") && has(caps, "bpf.fentry") && has(caps, "bpf.fexit");
    const bool kprobe_ok = has(caps, "bpf.kprobe") && has(caps, "bpf.kretprobe");

    auto note_missing = [&](std::initializer_list<std::string_view> ids) {
        for (auto id : ids)
            if (!has(caps, id))
                plan.missing.emplace_back(id);
    };

    // The richer backends still rely on sched_switch and the syscall
    // tracepoints for the submission window and the sleep stacks.
    auto choose = [&](Backend b) -> bool {
        switch (b) {
        case Backend::fentry:
            if (!fentry_ok || !tp_ok) {
                note_missing({"kernel.btf", "bpf.fentry", "bpf.fexit"});
                return false;
            }
            plan.why = "fentry/fexit attach: every hook is available at the lowest overhead";
            return true;
        case Backend::kprobe:
            if (!kprobe_ok || !tp_ok) {
                note_missing({"bpf.kprobe", "bpf.kretprobe"});
                return false;
            }
            plan.why = "fentry/fexit are refused; kprobes attach";
            plan.unseen = kprobe_unseen;
            return true;
        case Backend::tracepoint:
            if (!tp_ok) {
                note_missing({"bpf.tracepoint"});
                return false;
            }
            plan.why = "neither fentry/fexit nor kprobes attach; tracepoints do";
            plan.unseen = tracepoint_unseen;
            return true;
        case Backend::none:
            return false;
        }
        return false;
    };

    for (auto& id : tp_missing)
        plan.missing.push_back(id);

    if (forced) {
        if (choose(*forced)) {
            plan.backend = *forced;
            plan.why = "forced with --backend " + std::string(name(*forced));
            note_context(plan, caps);
        } else {
            plan.backend = Backend::none;
            plan.why = "--backend " + std::string(name(*forced)) + " cannot run on this kernel/process";
        }
        return plan;
    }
    for (Backend b : {Backend::fentry, Backend::kprobe, Backend::tracepoint}) {
        if (choose(b)) {
            plan.backend = b;
            note_context(plan, caps);
            return plan;
        }
    }
    plan.backend = Backend::none;
    plan.why = has(caps, "priv.bpf") ? "no BPF program type needed by trace can attach"
                                     : "not privileged to load BPF programs (needs CAP_BPF and CAP_PERFMON, or root)";
    return plan;
}

}  // namespace aio::model
