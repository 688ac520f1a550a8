// SPDX-License-Identifier: GPL-2.0-only
//
// The command line as users meet it: help, and one clear line for every
// mistake, with exit code 2. Runs the built binary; needs no privileges.
#include <gtest/gtest.h>

#include "subprocess.h"

namespace cli_usage_test {

using aio::test::run_tool;

TEST(CliUsage, HelpListsEveryCommandAndExitCodes)
{
    const auto r = run_tool({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* word : {"probe", "trace", "scan", "check", "doctor", "EXAMPLES", "EXIT STATUS"})
        EXPECT_NE(r.out.find(word), std::string::npos) << word;
}

TEST(CliUsage, ProbeHelpHasExamples)
{
    const auto r = run_tool({"probe", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--expect"), std::string::npos);
    EXPECT_NE(r.out.find("EXAMPLES"), std::string::npos);
    EXPECT_NE(r.out.find("--destructive"), std::string::npos);
}

TEST(CliUsage, MistakesAreOneLineAndExitTwo)
{
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{}, "subcommand is required"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"probe", "--bogus"}, "--bogus"},
        {{"probe", "-e", "spdk", "/dev/zero"}, "unknown engine 'spdk'"},
        {{"probe", "-m", "sideways", "/dev/zero"}, "unknown mode 'sideways'"},
        {{"probe", "-o", "trim", "/dev/zero"}, "unknown operation 'trim'"},
        {{"probe", "--expect", "fast", "/dev/zero"}, "unknown verdict 'fast'"},
        {{"probe", "-s", "0", "/dev/zero"}, "--size"},
        {{"probe", "-q", "0", "/dev/zero"}, "--depth"},
        {{"doctor", "--backend", "ftrace"}, "ftrace"},
    };
    for (const auto& c : cases) {
        const auto r = run_tool(c.args);
        std::string joined;
        for (const auto& a : c.args)
            joined += a + " ";
        EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << joined << "\nstderr: " << r.err;
        EXPECT_TRUE(r.out.empty()) << joined << "\nstdout: " << r.out;
        EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
    }
}

TEST(CliUsage, Version)
{
    const auto r = run_tool({"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out.rfind("aio-audit ", 0), 0u) << r.out;
}

TEST(CliUsage, ListOptionsDoNotSwallowTheTarget)
{
    // CLI11 2.1 vector options took "/dev/zero" as a second operation.
    const auto r = run_tool({"probe", "-o", "read", "/dev/zero", "-e", "libaio", "-m", "buffered", "-n", "2",
                             "--expect", "sync", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"label\": \"/dev/zero\""), std::string::npos) << r.out.substr(0, 500);
}

}  // namespace cli_usage_test
