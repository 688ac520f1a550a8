// SPDX-License-Identifier: GPL-2.0-only
#include "capabilities.h"

#include "collector/feature_probe.h"
#include "env/system_checks.h"

namespace aio::cli {

KernelPlan plan_for_this_kernel(bool mount_tracefs, const std::string& attach_target,
                                std::optional<model::Backend> forced)
{
    env::SystemCheckOptions sys_opts;
    sys_opts.mount_tracefs = mount_tracefs;
    KernelPlan k;
    k.caps = env::check_system(sys_opts);
    for (auto& c : collector::probe_bpf_features(attach_target))
        k.caps.push_back(std::move(c));
    k.plan = model::plan_backend(k.caps, forced);
    return k;
}

}  // namespace aio::cli
