// SPDX-License-Identifier: GPL-2.0-only
#pragma once

#include <string>
#include <vector>

#include "model/run_info.h"

namespace aio::env {

// Host name, kernel release and machine of this system; the start time is now.
model::RunInfo current_run_info(std::string tool_version, std::vector<std::string> command_line);

}  // namespace aio::env
