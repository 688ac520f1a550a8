// SPDX-License-Identifier: GPL-2.0-only
//
// Where and when a report was made. Every machine-readable document carries
// it (as fio's JSON does), so a report read later, or next to one from
// another host or kernel, says what produced it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace aio::model {

// Bumped when a field of any JSON document changes meaning or is removed;
// adding fields does not bump it.
inline constexpr int kJsonSchemaVersion = 1;

struct RunInfo {
    std::string tool_version;                     // "0.1.0"
    std::string subcommand;                       // "probe", "trace", ...
    std::string host;                             // gethostname()
    std::string kernel_release;                   // uname -r
    std::string machine;                          // uname -m
    std::chrono::system_clock::time_point start;  // when the command started
    std::vector<std::string> command_line;        // argv as given
};

}  // namespace aio::model
