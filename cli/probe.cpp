// SPDX-License-Identifier: GPL-2.0-only
#include <iostream>

#include "command.h"
#include "model/errors.h"

namespace aio::cli {

void add_probe(CLI::App& app, Runner& run)
{
    auto* cmd = app.add_subcommand("probe", "(not implemented yet)");
    cmd->allow_extras();
    cmd->callback([&run] { run = [] () -> int { throw EnvironmentError("'probe' is not implemented yet"); }; });
}

}  // namespace aio::cli
