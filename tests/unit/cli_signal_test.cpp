// SPDX-License-Identifier: GPL-2.0-only
//
// Every subcommand stopped by SIGINT or SIGTERM exits 128+N (130, 143), as a
// shell reports a command killed by signal N (docs/usage.md); those that
// measure print what they measured first. `trace` is checked in the host
// tier (it needs root).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "subprocess.h"

namespace cli_signal_test {

namespace {

// Runs `aio-audit ARGS` in the background under sh, sends it SIG `delay`
// seconds after it catches SIG (its SigCgt in /proc has the bit: on a busy
// machine a fixed delay can fall before the handler is installed), and
// returns what it printed; its exit status is on the last line of err
// ("exit N").
aio::test::RunResult run_and_signal(const std::string& args, const std::string& sig, const std::string& delay,
                                    const std::string& stdin_from = "/dev/null")
{
    // SIGINT is bit 1, SIGTERM bit 14: both in the mask's last 4 hex digits.
    const std::string bit = sig == "INT" ? "2" : "16384";
    const std::string wait_caught = "i=0; while [ $i -lt 200 ]; do c=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/$p/status "
                                    "2>/dev/null); c=${c#????????????}; [ -n \"$c\" ] && [ $((0x$c & " +
                                    bit + ")) -ne 0 ] && break; i=$((i+1)); sleep 0.05; done; ";
    return aio::test::run({"sh", "-c",
                           "'" + std::string(AIO_AUDIT_BIN) + "' " + args + " <" + stdin_from + " & p=$!; " +
                               wait_caught + "sleep " + delay + "; kill -" + sig +
                               " $p; wait $p; echo \"exit $?\" >&2"});
}

TEST(CliSignals, ProbeExits128PlusTheSignalAfterPrintingTheReport)
{
    for (const auto& [sig, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
        SCOPED_TRACE(sig);
        // Enough requests to still run when the signal comes.
        const auto r =
            run_and_signal("probe /dev/zero -e libaio -o read -m buffered -n 1000000 --json", sig, "0.5");
        EXPECT_NE(r.err.find("exit " + std::to_string(code)), std::string::npos) << r.err;
        // The handler ran (a process killed by the signal would look the same
        // to the shell, but prints nothing).
        EXPECT_NE(r.out.find("\"targets\""), std::string::npos) << r.out.substr(0, 500);
    }
}

TEST(CliSignals, MatrixOnMountedDirectoriesExits128PlusTheSignalAfterItsReport)
{
    for (const auto& [sig, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
        SCOPED_TRACE(sig);
        const auto r = run_and_signal("matrix /dev/shm -e posix -n 100000 --json", sig, "1");
        EXPECT_NE(r.err.find("exit " + std::to_string(code)), std::string::npos) << r.err;
        EXPECT_NE(r.out.find("\"matrix\""), std::string::npos) << r.out.substr(0, 500);
    }
}

// check waits for its diff on standard input; scan and doctor have the same
// handler (main() installs it for every subcommand).
TEST(CliSignals, CheckExits128PlusTheSignalAndRemovesItsEmptyReportFile)
{
    char dir[] = "/tmp/aio-audit-signal.XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const std::string fifo = std::string(dir) + "/diff";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    for (const auto& [sig, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
        SCOPED_TRACE(sig);
        const std::string report = std::string(dir) + "/report-" + sig + ".txt";
        // The FIFO opened read-write never ends: check blocks reading it.
        const auto r = run_and_signal("check --diff - -o " + report, sig, "0.5", "/dev/null 0<>" + fifo);
        EXPECT_NE(r.err.find("exit " + std::to_string(code)), std::string::npos) << r.err;
        EXPECT_NE(::access(report.c_str(), F_OK), 0) << report << " was left behind";
    }
    ::unlink(fifo.c_str());
    ::rmdir(dir);
}

}  // namespace

}  // namespace cli_signal_test
