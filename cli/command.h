// SPDX-License-Identifier: GPL-2.0-only
//
// Each subcommand lives in its own file: it binds a plain options struct to
// CLI11 and, when selected, calls its one run_<name>() with it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace aio::cli {

// Set by the subcommand that the command line selected; returns the exit code.
using Runner = std::function<int()>;

void add_probe(CLI::App& app, Runner& run);
void add_trace(CLI::App& app, Runner& run);
void add_scan(CLI::App& app, Runner& run);
void add_check(CLI::App& app, Runner& run);
void add_doctor(CLI::App& app, Runner& run);
void add_matrix(CLI::App& app, Runner& run);

// Text appended to a subcommand's --help: examples and exit codes.
std::string footer(std::string_view examples);

// An option's comma-separated list: "a,b" -> {"a", "b"}; empty items dropped.
std::vector<std::string> split_list(const std::string& text);

}  // namespace aio::cli
