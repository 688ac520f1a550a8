// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>

#include "command.h"
#include "model/errors.h"

namespace aio::cli {

void add_trace(CLI::App& app, Runner& run)
{
    auto* cmd = app.add_subcommand("trace", "(not implemented yet)");
    cmd->allow_extras();
    cmd->callback([&run] { run = [] () -> int { throw EnvironmentError("'trace' is not implemented yet"); }; });
}

}  // namespace aio::cli
