// SPDX-License-Identifier: GPL-2.0-only
//
// Runs a helper program (mkfs.*) without a shell and keeps what it said.
#pragma once

#include <string>
#include <vector>

namespace aio::matrix {

struct ProgramResult {
    int status = -1;     // exit status; -1 when it could not be run or died by a signal
    std::string output;  // stdout and stderr, interleaved
};

ProgramResult run_program(const std::vector<std::string>& argv);

// The full path of `program` on $PATH (and the sbin directories, where
// mkfs lives but which a user's PATH may lack), or "".
std::string find_program(const std::string& program);

}  // namespace aio::matrix
