// SPDX-License-Identifier: GPL-2.0-only
//
// The few git commands `check --git-range` needs, run without a shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aio::scan {

struct GitResult {
    int status = -1;  // exit status; -1 when git could not be run
    std::string out;
    std::string err;
};

// git -C dir ARGS, with the configuration that would change what check
// reads (prefixes, path quoting, external diff drivers) pinned.
GitResult run_git(const std::string& dir, const std::vector<std::string>& args, std::string_view input = {});

// Runs a program with arguments, no shell; `input` is its standard input
// (else /dev/null).
GitResult run_program(const std::string& program, const std::vector<std::string>& args,
                      std::string_view input = {});

}  // namespace aio::scan
