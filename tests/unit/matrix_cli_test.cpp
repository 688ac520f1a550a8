// SPDX-License-Identifier: GPL-2.0-only
//
// `aio-audit matrix` as users meet it without root: help, the list of
// configurations, saved runs read back, and one clear line (exit 2) for
// every mistake - before anything is made.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace matrix_cli_test {

using aio::test::run_tool;

namespace {

struct TempFile {
    explicit TempFile(const std::string& text)
    {
        char tmpl[] = "/tmp/aio-audit-matrix-cli.XXXXXX";
        const int fd = ::mkstemp(tmpl);
        path = tmpl;
        ::close(fd);
        std::ofstream(path) << text;
    }
    ~TempFile() { std::filesystem::remove(path); }
    std::string path;
};

// A minimal saved run: one file system, one scenario, two engines.
const char* kSaved = R"({"subcommand": "matrix", "kernel": {"release": "9.9.9", "machine": "x86_64"},
  "matrix": {"measured": {"kernel": "9.9.9", "machine": "x86_64", "host": "h", "start_time": "t"},
    "requests_per_cell": 8, "file_systems": [{"id": "ext4", "fstype": "ext4", "block_size": 4096,
    "sector_size": 512, "scenarios": [{"id": "direct/append/block/q1", "op": "append", "mode": "direct",
    "size": 4096, "size_of": "block", "depth": 1, "fsqual": "fsqual 1", "cells": [
      {"engine": "libaio", "counts": {"blocking": 8}, "requests": 8, "completed": 8, "switches_per_io": 1.0},
      {"engine": "io_uring", "counts": {"thread-async": 8}, "requests": 8, "completed": 8, "switches_per_io": 0.0}]}]}]}})";

}  // namespace

TEST(MatrixCli, HelpHasExamplesAndExitCodes)
{
    const auto r = run_tool({"matrix", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* word : {"--fs", "--compare", "--load", "--scratch", "EXAMPLES", "130"})
        EXPECT_NE(r.out.find(word), std::string::npos) << word;
}

TEST(MatrixCli, ListNamesEveryConfigurationAndWhyNot)
{
    const auto r = run_tool({"matrix", "--list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const char* id : {"ext4 ", "xfs ", "btrfs ", "tmpfs ", "ext4-data-journal", "btrfs-nodatacow"})
        EXPECT_NE(r.out.find(id), std::string::npos) << id;
    EXPECT_NE(r.out.find("can be made here"), std::string::npos) << r.out;  // tmpfs at least
}

TEST(MatrixCli, LoadRendersASavedRunAndCompareFindsTheChange)
{
    TempFile old_run(kSaved);
    std::string newer = kSaved;
    newer.replace(newer.find(R"("blocking": 8)"), 13, R"("async": 8)");
    newer.replace(newer.find("9.9.9\", \"machine"), 5, "10.0");
    TempFile new_run(newer);

    const auto md = run_tool({"matrix", "--load", old_run.path});
    ASSERT_EQ(md.exit_code, 0) << md.err;
    EXPECT_NE(md.out.find("| append | 4096 (block) | 1 | fsqual 1 | blocking (1.00) | thread-async (0.00) |"),
              std::string::npos)
        << md.out;

    const auto cmp = run_tool({"matrix", "--json", "--load", new_run.path, "--compare", old_run.path});
    ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
    const auto j = nlohmann::json::parse(cmp.out);
    EXPECT_EQ(j["subcommand"], "matrix");
    EXPECT_EQ(j["comparison"]["cells_compared"], 2);
    ASSERT_EQ(j["comparison"]["changes"].size(), 1u);
    EXPECT_EQ(j["comparison"]["changes"][0]["engine"], "libaio");
    EXPECT_EQ(j["comparison"]["changes"][0]["before"]["verdict"], "blocking");
    EXPECT_EQ(j["comparison"]["changes"][0]["after"]["verdict"], "async");
}

TEST(MatrixCli, MistakesAreOneLineAndExitTwo)
{
    TempFile not_matrix(R"({"targets": []})");
    TempFile not_json("this is not json");
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{"matrix", "--fs", "zfs"}, "unknown file system 'zfs'"},
        {{"matrix", "-e", "spdk"}, "unknown engine 'spdk'"},
        {{"matrix", "--fs", "ext4", "/tmp"}, "give one or the other"},
        {{"matrix", "--load", "/nonexistent/run.json"}, "cannot read"},
        {{"matrix", "--load", not_json.path}, "not JSON"},
        {{"matrix", "--compare", not_matrix.path}, "not an aio-audit matrix JSON document"},
        {{"matrix", "-n", "0"}, "--requests"},
    };
    for (const auto& c : cases) {
        const auto r = run_tool(c.args);
        std::string joined;
        for (const auto& a : c.args)
            joined += a + " ";
        EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << joined << "\nstderr: " << r.err;
        EXPECT_TRUE(r.out.empty()) << joined << "\nstdout: " << r.out;
    }
}

}  // namespace matrix_cli_test
