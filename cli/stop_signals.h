// SPDX-License-Identifier: GPL-2.0-only
//
// What SIGINT and SIGTERM do, for every subcommand (defined in output.cpp,
// which knows the report file to remove).
#pragma once

#include <initializer_list>

namespace aio::cli {

// SIGINT and SIGTERM end the run with exit 128+N (130, 143), as a shell
// reports a command killed by them, and remove a report file this run
// created and has not written to yet. main() installs it for every
// subcommand; probe, trace and matrix replace it with record_stop_signals()
// to print what they measured before they exit with the same codes.
void exit_on_stop_signals();

// What probe, trace and matrix install instead: each of `signals` is only
// recorded, and a running prober is asked to stop (probe::stop_requested),
// so the run ends at its next check, prints what it measured and exits with
// exit_for_signal(stop_signal_caught()).
void record_stop_signals(std::initializer_list<int> signals);
// The signal record_stop_signals() caught last, or 0.
int stop_signal_caught();

}  // namespace aio::cli
