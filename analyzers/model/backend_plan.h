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

struct BackendPlan {
    Backend backend = Backend::none;
    std::string why;                  // one sentence: why this one
    std::vector<std::string> unseen;  // metrics this backend cannot measure
    std::vector<std::string> missing; // capability ids that ruled out better backends
};

// Capability ids consulted: bpf.tracepoint, bpf.tp_btf, bpf.fentry, bpf.fexit,
// bpf.kprobe, bpf.kretprobe, bpf.uprobe, kernel.btf, tracepoint.* (the events
// the tracepoint backend needs), priv.bpf.
// `forced` makes the plan use that backend, or say why it cannot.
BackendPlan plan_backend(const Capabilities& caps, std::optional<Backend> forced = std::nullopt);

// The tracepoints the tracepoint backend attaches to, "group:event".
const std::vector<std::string_view>& tracepoint_backend_events();

}  // namespace aio::model
