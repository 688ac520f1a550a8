// SPDX-License-Identifier: GPL-2.0-only
//
// Running the real aio-audit binary (and system tools) from tests, the way a
// user or a CI job runs them: separate stdout and stderr, and the exit code.
#pragma once

#include <string>
#include <vector>

namespace aio::test {

struct RunResult {
    int exit_code = -1;  // 128+N when killed by signal N
    std::string out;
    std::string err;
};

// Runs a command (argv[0] looked up in PATH) and captures both streams.
RunResult run(const std::vector<std::string>& argv, const std::string& stdin_text = {});
// Runs the aio-audit binary of this build (AIO_AUDIT_BIN) with these arguments.
RunResult run_tool(const std::vector<std::string>& args, const std::string& stdin_text = {});

}  // namespace aio::test
