// SPDX-License-Identifier: GPL-2.0-only
//
// What this kernel and this process can do, found out by trying: BTF,
// tracefs, the tracepoints the tracer needs, kernel AIO, io_uring,
// privileges, lockdown. Nothing here loads BPF; the collector's feature
// probe does that.
#pragma once

#include "model/capability.h"

namespace aio::env {

struct SystemCheckOptions {
    // Mount tracefs at /sys/kernel/tracing when it is missing (root only).
    // The capability says so when it did.
    bool mount_tracefs = true;
};

model::Capabilities check_system(const SystemCheckOptions& opts = {});

// The tracefs mount point in use ("/sys/kernel/tracing"), or empty.
std::string tracefs_root();

}  // namespace aio::env
