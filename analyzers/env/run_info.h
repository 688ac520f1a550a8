// SPDX-License-Identifier: GPL-2.0-only
#pragma once

#include <string>
#include <vector>

#include "model/run_info.h"

namespace aio::env {

// Host name, kernel release and machine of this system; the start time is now.
model::RunInfo current_run_info(std::string tool_version, std::vector<std::string> command_line);

// Whether the running kernel's release is major.minor or later (false when
// uname gives no release it can read): for what a kernel version adds to an
// interface, where nothing else tells.
bool kernel_at_least(int major, int minor);

}  // namespace aio::env
