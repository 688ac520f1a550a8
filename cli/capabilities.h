// SPDX-License-Identifier: GPL-2.0-only
//
// What this kernel and process can do, and the trace backend that follows:
// doctor prints exactly the plan trace then uses.
#pragma once

#include <optional>
#include <string>

#include "model/backend_plan.h"
#include "model/capability.h"

namespace aio::cli {

struct KernelPlan {
    model::Capabilities caps;
    model::BackendPlan plan;
};

// System checks (mounting tracefs if allowed), then BPF program kinds tried
// against `attach_target`, then the backend plan (`forced` if given).
KernelPlan plan_for_this_kernel(bool mount_tracefs, const std::string& attach_target,
                                std::optional<model::Backend> forced);

}  // namespace aio::cli
