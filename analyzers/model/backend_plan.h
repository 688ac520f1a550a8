// SPDX-License-Identifier: GPL-2.0-only
//
// Which `trace` backend runs, decided from what the kernel was seen to allow
// (never from its version), and what each backend cannot measure. `doctor`
// prints this plan and `trace` follows it, so the two never disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/capability.h"

namespace aio::model {

enum class Backend { fentry, kprobe, tracepoint, none };
std::string_view name(Backend b);
std::optional<Backend> parse_backend(std::string_view text);

// How the syscalls' entry and exit are hooked: one classic tracepoint per
// syscall (syscalls:sys_enter_io_submit...), or the raw sys_enter/sys_exit
// tracepoints through tp_btf with a switch on the number (cheaper per request;
// runs, and returns at once, for every syscall).
enum class SyscallHooks { event, raw };
std::string_view name(SyscallHooks h);

// bpf/trace.bpf.c has raw syscall programs only where it knows pt_regs.
#if defined(__x86_64__) || defined(__aarch64__)
inline constexpr bool kRawSyscallProgramsBuilt = true;
#else
inline constexpr bool kRawSyscallProgramsBuilt = false;
#endif

struct BackendPlan {
    Backend backend = Backend::none;
    SyscallHooks syscall_hooks = SyscallHooks::event;  // raw where tp_btf works
    std::string why;                  // one sentence: why this one
    std::vector<std::string> unseen;  // metrics this backend cannot measure
    std::vector<std::string> missing; // capability ids that ruled out better backends
};

// Capability ids consulted: bpf.tracepoint, bpf.tp_btf (raw syscall hooks), bpf.fentry, bpf.fexit,
// bpf.kprobe, bpf.kretprobe, bpf.uprobe, kernel.btf, tracepoint.* (the events
// the tracepoint backend needs), priv.bpf.
// `forced` makes the plan use that backend, or say why it cannot.
BackendPlan plan_backend(const Capabilities& caps, std::optional<Backend> forced = std::nullopt);

// The tracepoints the tracepoint backend attaches to, "group:event".
const std::vector<std::string_view>& tracepoint_backend_events();

}  // namespace aio::model
