// SPDX-License-Identifier: GPL-2.0-only
//
// Man pages and shell completion, written from the same definitions
// that --help prints, so they cannot drift from the options: the build runs
// `aio-audit --generate-man-page NAME` and `--generate-completion SHELL`
// (hidden: they are for the build, not for users) and installs the output.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace aio::cli {

// An option or positional argument as --help shows it.
struct OptionDoc {
    std::string name;                      // a positional argument's: "TARGET", "command"; "" for an option
    std::vector<std::string> short_names;  // without the dash: "e"
    std::vector<std::string> long_names;   // without the dashes: "engine"
    std::string description;
    std::string type_name;    // "UINT:INT in [1 - 1000000]", "TEXT:{a,b}", "PATH..."
    std::string default_str;  // "" when --help shows no default
    bool positional = false;
    bool flag = false;  // takes no value
    bool required = false;
    bool many = false;  // takes more than one value
};

// The program (name "aio-audit") or a subcommand; hidden options left out.
struct CommandDoc {
    std::string name;
    std::string description;
    std::string footer;
    std::vector<OptionDoc> options;  // in --help's order
};

struct AppDocs {
    CommandDoc program;
    std::vector<CommandDoc> commands;
};

// aio-audit(8) for page "aio-audit", aio-audit-probe(8) for "probe", ...
// False when there is no such page.
bool write_man_page(std::ostream& os, const AppDocs& app, std::string_view page);
// "aio-audit", then one per subcommand.
std::vector<std::string> man_page_names(const AppDocs& app);

// A bash completion script (bash) or a zsh completion function (zsh).
bool write_completion(std::ostream& os, const AppDocs& app, std::string_view shell);

// The values an option takes, for completion: "probe --engine" ->
// {"libaio", "io_uring", "posix"}; empty when its values cannot be listed.
std::vector<std::string> option_values(const CommandDoc& sub, const OptionDoc& opt);

}  // namespace aio::cli
