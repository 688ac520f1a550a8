// SPDX-License-Identifier: GPL-2.0-only
//
// The exit codes of every subcommand. They are part of the interface (CI
// jobs branch on them), so they are documented in docs/usage.md and never
// renumbered.
#pragma once

namespace aio {

enum ExitCode : int {
    kExitOk = 0,           // ran, and every expectation held
    kExitFindings = 1,     // ran, and a finding/expectation failed (--expect, check --fail-on)
    kExitUsage = 2,        // bad flags, unreadable input, nothing to do
    kExitEnvironment = 3,  // the kernel or the privileges cannot do it (no BPF backend, not root)
    kExitPartial = 4,      // ran, but some targets could not be measured (each said why)
};

// `trace -- COMMAND` exits with the command's failure the way a shell,
// time(1) and timeout(1) do: its own code, or these.
inline constexpr int kExitCommandNotExecutable = 126;
inline constexpr int kExitCommandNotFound = 127;
// Stopped by signal N, as a shell reports a command killed by it: SIGINT
// 130, SIGTERM 143 (probe and trace catch them to print what they measured).
constexpr int exit_for_signal(int signo)
{
    return 128 + signo;
}

}  // namespace aio
