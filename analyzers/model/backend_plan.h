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

// How io_submit's (and io_uring_enter's, io_getevents') entry and exit are
// hooked: one classic tracepoint per syscall (syscalls:sys_enter_io_submit...);
// the raw sys_enter/sys_exit tracepoints through tp_btf with a switch on the
// number (cheaper per request; runs, and returns at once, for every syscall);
// or fentry/fexit on the syscall functions (no syscall tracepoint at all:
// the cheapest; fentry backend only, which needs no io_getevents hook).
enum class SyscallHooks { event, raw, fentry };
std::string_view name(SyscallHooks h);
std::optional<SyscallHooks> parse_syscall_hooks(std::string_view text);
std::string_view describe(SyscallHooks h);  // one line for the reports

// bpf/trace.bpf.c has raw and fentry syscall programs only where it knows
// pt_regs and the syscall functions' names (kSyscallFunctionPrefix + name).
#if defined(__x86_64__)
inline constexpr bool kArchSyscallProgramsBuilt = true;
inline constexpr const char* kSyscallFunctionPrefix = "__x64_sys_";
#elif defined(__aarch64__)
inline constexpr bool kArchSyscallProgramsBuilt = true;
inline constexpr const char* kSyscallFunctionPrefix = "__arm64_sys_";
#else
inline constexpr bool kArchSyscallProgramsBuilt = false;
inline constexpr const char* kSyscallFunctionPrefix = "";
#endif

struct BackendPlan {
    Backend backend = Backend::none;
    SyscallHooks syscall_hooks = SyscallHooks::event;  // the cheapest that works (SyscallHooks)
    std::string why;                  // one sentence: why this one
    std::vector<std::string> unseen;  // metrics this backend cannot measure
    std::vector<std::string> missing; // capability ids that ruled out better backends
};

// Capability ids consulted: bpf.tracepoint, bpf.tp_btf (raw syscall hooks),
// bpf.fentry_syscalls (fentry syscall hooks), bpf.fentry, bpf.fexit,
// bpf.kprobe, bpf.kretprobe, bpf.uprobe, kernel.btf, tracepoint.* (the events
// the tracepoint backend needs), priv.bpf.
// `forced` makes the plan use that backend, or say why it cannot.
BackendPlan plan_backend(const Capabilities& caps, std::optional<Backend> forced = std::nullopt);

// Whether `hooks` can run with the plan's backend on these capabilities; if
// not, why (for an error when --syscall-hooks forces it).
std::optional<std::string> syscall_hooks_unavailable(const Capabilities& caps, Backend backend, SyscallHooks hooks);

// The tracepoints the tracepoint backend attaches to, "group:event".
const std::vector<std::string_view>& tracepoint_backend_events();

}  // namespace aio::model
