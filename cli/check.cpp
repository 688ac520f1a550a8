// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>

#include "command.h"
#include "model/errors.h"

namespace aio::cli {

void add_check(CLI::App& app, Runner& run)
{
    auto* cmd = app.add_subcommand("check", "(not implemented yet)");
    cmd->allow_extras();
    cmd->callback([&run] { run = [] () -> int { throw EnvironmentError("'check' is not implemented yet"); }; });
}

}  // namespace aio::cli
