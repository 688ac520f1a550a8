// SPDX-License-Identifier: GPL-2.0-only
//
// The default answer to SIGINT and SIGTERM, for every subcommand (defined in
// output.cpp, which knows the report file to remove).
#pragma once

namespace aio::cli {

// SIGINT and SIGTERM end the run with exit 128+N (130, 143), as a shell
// reports a command killed by them, and remove a report file this run
// created and has not written to yet. main() installs it for every
// subcommand; probe, trace and matrix replace it with their own handlers to
// print what they measured before they exit with the same codes.
void exit_on_stop_signals();

}  // namespace aio::cli
