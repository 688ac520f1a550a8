// SPDX-License-Identifier: GPL-2.0-only
//
// A subcommand stopped by SIGINT or SIGTERM prints what it measured and
// exits 128+N (130, 143), as a shell reports a command killed by signal N
// (docs/usage.md). `trace` is checked in the host tier (it needs root).
#include <gtest/gtest.h>

#include "subprocess.h"

namespace {

TEST(CliSignals, ProbeExits128PlusTheSignalAfterPrintingTheReport)
{
    for (const auto& [sig, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
        SCOPED_TRACE(sig);
        // Enough requests to still run when the signal comes.
        const auto r = aio::test::run({"sh", "-c",
                                       "'" + std::string(AIO_AUDIT_BIN) +
                                           "' probe /dev/zero -e libaio -o read -m buffered -n 1000000 "
                                           "--json & p=$!; sleep 0.5; kill -" +
                                           sig + " $p; wait $p; echo \"exit $?\" >&2"});
        EXPECT_NE(r.err.find("exit " + std::to_string(code)), std::string::npos) << r.err;
        // The handler ran (a process killed by the signal would look the same
        // to the shell, but prints nothing).
        EXPECT_NE(r.out.find("\"targets\""), std::string::npos) << r.out.substr(0, 500);
    }
}

}  // namespace
