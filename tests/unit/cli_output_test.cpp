// SPDX-License-Identifier: GPL-2.0-only
//
// Every subcommand's report: to standard output or --output FILE, never
// silently truncated (a full disk is exit 2), never over an existing file,
// and every JSON document starts with the same header.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/run_info.h"
#include "report/json_header.h"
#include "subprocess.h"

namespace cli_output_test {

namespace fs = std::filesystem;
using aio::test::run;
using aio::test::run_tool;

namespace {

const std::string kFixtures = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan/modern";
const std::string kDiff = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan/diffs/fake_async.diff";
const std::string kTree = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/fixtures/scan";

// One command per subcommand that needs no privileges and writes a report.
struct Command {
    std::string name;
    std::vector<std::string> args;       // without the output option
    std::vector<std::string> json_args;  // the JSON form
    std::string output_flag = "-o";
};

std::vector<Command> commands()
{
    return {
        {"scan", {"scan", kFixtures}, {"scan", "--json", kFixtures}},
        {"check", {"check", "--diff", kDiff, "--tree", kTree, "--fail-on", "none"},
         {"check", "--diff", kDiff, "--tree", kTree, "--fail-on", "none", "--format", "json"}},
        {"probe",
         {"probe", "/dev/zero", "-e", "libaio", "-o", "read", "-m", "buffered", "-n", "4"},
         {"probe", "/dev/zero", "-e", "libaio", "-o", "read", "-m", "buffered", "-n", "4", "--json"},
         "--output"},
        {"doctor", {"doctor", "--no-mount"}, {"doctor", "--no-mount", "--json"}},
    };
}

// Runs a shell command line, so that stdout can be redirected to /dev/full.
aio::test::RunResult shell(const std::string& line)
{
    return run({"sh", "-c", line});
}

std::string quoted(const std::vector<std::string>& args)
{
    std::string s = "'" + std::string(AIO_AUDIT_BIN) + "'";
    for (const auto& a : args)
        s += " '" + a + "'";
    return s;
}

fs::path fresh_dir()
{
    std::string tmpl = (fs::temp_directory_path() / "aio-audit-out.XXXXXX").string();
    return ::mkdtemp(tmpl.data()) ? fs::path(tmpl) : fs::path();
}

}  // namespace

TEST(CliOutput, AFullDiskIsAnErrorForEverySubcommand)
{
    for (const auto& c : commands()) {
        for (const auto& args : {c.args, c.json_args}) {
            const auto r = shell(quoted(args) + " >/dev/full");
            EXPECT_EQ(r.exit_code, 2) << c.name << "\n" << r.err;
            EXPECT_NE(r.err.find("cannot write the report to standard output: ENOSPC"), std::string::npos)
                << c.name << "\n" << r.err;
        }
        auto args = c.args;
        args.insert(args.end(), {c.output_flag, "/dev/full"});
        const auto r = run_tool(args);
        EXPECT_EQ(r.exit_code, 2) << c.name << "\n" << r.err;
        EXPECT_NE(r.err.find("cannot write the report to /dev/full: ENOSPC"), std::string::npos) << r.err;
    }
    const auto sarif = shell(quoted({"scan", "--sarif", kFixtures}) + " >/dev/full");
    EXPECT_EQ(sarif.exit_code, 2) << sarif.err;
    const auto help = shell(quoted({"scan", "--help"}) + " >/dev/full");
    EXPECT_EQ(help.exit_code, 2) << help.err;
}

TEST(CliOutput, OutputFileHoldsWhatStdoutWould)
{
    const fs::path dir = fresh_dir();
    ASSERT_FALSE(dir.empty());
    for (const auto& c : commands()) {
        if (c.name == "probe" || c.name == "doctor")
            continue;  // measurements differ between two runs; the JSON test below covers them
        const auto to_stdout = run_tool(c.args);
        const fs::path file = dir / (c.name + ".txt");
        auto args = c.args;
        args.insert(args.end(), {c.output_flag, file.string()});
        const auto to_file = run_tool(args);
        EXPECT_EQ(to_file.exit_code, to_stdout.exit_code) << c.name << "\n" << to_file.err;
        EXPECT_TRUE(to_file.out.empty()) << c.name << ": " << to_file.out;
        std::ifstream in(file);
        const std::string written{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        EXPECT_EQ(written, to_stdout.out) << c.name;
    }
    fs::remove_all(dir);
}

TEST(CliOutput, AnExistingFileIsNeverOverwritten)
{
    const fs::path dir = fresh_dir();
    ASSERT_FALSE(dir.empty());
    const fs::path file = dir / "report.json";
    std::ofstream(file) << "keep me\n";
    for (const auto& c : commands()) {
        auto args = c.json_args;
        args.insert(args.end(), {c.output_flag, file.string()});
        const auto r = run_tool(args);
        EXPECT_EQ(r.exit_code, 2) << c.name;
        EXPECT_NE(r.err.find("the file exists"), std::string::npos) << c.name << "\n" << r.err;
        std::ifstream in(file);
        std::string line;
        std::getline(in, line);
        EXPECT_EQ(line, "keep me") << c.name;
    }
    fs::remove_all(dir);
}

TEST(CliOutput, AFailedRunLeavesNoEmptyReportBehind)
{
    const fs::path dir = fresh_dir();
    ASSERT_FALSE(dir.empty());
    const fs::path file = dir / "report.txt";
    const auto r = run_tool({"scan", "/nonexistent/tree", "-o", file.string()});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_FALSE(fs::exists(file));
    const auto bad_dir = run_tool({"scan", kFixtures, "-o", (dir / "no" / "such" / "dir").string()});
    EXPECT_EQ(bad_dir.exit_code, 2);
    EXPECT_NE(bad_dir.err.find("ENOENT"), std::string::npos) << bad_dir.err;
    fs::remove_all(dir);
}

TEST(CliOutput, EveryJsonDocumentCarriesTheHeader)
{
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    for (const auto& c : commands()) {
        const auto r = run_tool(c.json_args);
        ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << c.name << "\n" << r.err;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j.at("schema_version"), aio::model::kJsonSchemaVersion) << c.name;
        EXPECT_EQ(j.at("tool").at("name"), "aio-audit");
        EXPECT_FALSE(j.at("tool").at("version").get<std::string>().empty());
        EXPECT_EQ(j.at("subcommand"), c.name);
        EXPECT_EQ(j.at("host"), host);
        EXPECT_FALSE(j.at("kernel").at("release").get<std::string>().empty());
        EXPECT_EQ(j.at("start_time").get<std::string>().size(), std::string("2026-12-01T20:44:19.123456Z").size());
        EXPECT_EQ(j.at("command_line").size(), c.json_args.size() + 1) << c.name;
    }
}

TEST(JsonHeader, StampKeepsTheDocumentAndFormatsTimeInUtc)
{
    aio::model::RunInfo info;
    info.tool_version = "9.9.9";
    info.subcommand = "scan";
    info.host = "h";
    info.kernel_release = "6.1.0";
    info.machine = "x86_64";
    info.start = std::chrono::system_clock::time_point(std::chrono::microseconds(1764621859123456LL));
    info.command_line = {"aio-audit", "scan", "."};
    const auto j = aio::report::stamped({{"summary", {{"fops", 3}}}, {"host", "kept"}}, info);
    EXPECT_EQ(j.at("summary").at("fops"), 3);
    EXPECT_EQ(j.at("host"), "kept");
    EXPECT_EQ(j.at("start_time"), "2025-12-01T20:44:19.123456Z");
    EXPECT_EQ(j.at("kernel").at("release"), "6.1.0");
    EXPECT_EQ(aio::report::stamped(nlohmann::json::array({1, 2}), info).at("report").size(), 2u);
}

}  // namespace cli_output_test
