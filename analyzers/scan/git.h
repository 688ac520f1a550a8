// SPDX-License-Identifier: GPL-2.0-only
//
// The few git commands `check --git-range` needs, run without a shell.
#pragma once

#include <string>
#include <vector>

namespace aio::scan {

struct GitResult {
    int status = -1;  // exit status; -1 when git could not be run
    std::string out;
    std::string err;
};

GitResult run_git(const std::string& dir, const std::vector<std::string>& args);

// Runs a program with arguments, no shell; for `tar`.
GitResult run_program(const std::string& program, const std::vector<std::string>& args);

}  // namespace aio::scan
