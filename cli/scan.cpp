// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>

#include "command.h"
#include "model/errors.h"

namespace aio::cli {

void add_scan(CLI::App& app, Runner& run)
{
    auto* cmd = app.add_subcommand("scan", "(not implemented yet)");
    cmd->allow_extras();
    cmd->callback([&run] { run = [] () -> int { throw EnvironmentError("'scan' is not implemented yet"); }; });
}

}  // namespace aio::cli
