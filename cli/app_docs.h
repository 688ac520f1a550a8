// SPDX-License-Identifier: GPL-2.0-only
//
// Man pages and shell completion, written from the same CLI11 definitions
// that --help prints, so they cannot drift from the options: the build runs
// `aio-audit --generate-man-page NAME` and `--generate-completion SHELL`
// (hidden: they are for the build, not for users) and installs the output.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace aio::cli {

// aio-audit(8) for page "aio-audit", aio-audit-probe(8) for "probe", ...
// False when there is no such page.
bool write_man_page(std::ostream& os, const CLI::App& app, std::string_view page);
// "aio-audit", then one per subcommand.
std::vector<std::string> man_page_names(const CLI::App& app);

// A bash completion script (bash) or a zsh completion function (zsh).
bool write_completion(std::ostream& os, const CLI::App& app, std::string_view shell);

// The values an option takes, for completion: "probe --engine" ->
// {"libaio", "io_uring", "posix"}; empty when its values cannot be listed.
std::vector<std::string> option_values(const CLI::App& sub, const CLI::Option& opt);

}  // namespace aio::cli
