// SPDX-License-Identifier: GPL-2.0-only
//
// `aio-audit trace` from scripts: the JSON stream holds only the report, the
// exit status says how the traced command or the trace ended, the command
// never outlives the tracer, -p follows its process, and -i prints each
// interval's own numbers (JSON Lines with --json).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "host_env.h"

namespace aio::host {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

std::string read_file(const fs::path& p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

nlohmann::json parse_or_fail(const std::string& text, const RunResult& r)
{
    try {
        return nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not one JSON document (exit " << r.exit_code << "): " << e.what()
                      << "\nstderr: " << r.err << "\nstdout: " << text.substr(0, 2000);
        return {};
    }
}

bool has_op(const nlohmann::json& j, const std::string& symbol)
{
    if (j.contains("ops"))
        for (const auto& op : j["ops"])
            if (op["symbol"] == symbol)
                return true;
    return false;
}

// A process is running unless it is gone or a zombie.
bool running(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return false;
    const auto paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z' &&
           line[paren + 2] != 'X';
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit)
{
    const auto until = clock_type::now() + limit;
    while (running(pid)) {
        if (clock_type::now() >= until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::string probe_cmd(const std::string& args)
{
    return std::string("'") + AIO_AUDIT_BIN + "' probe " + args;
}

class TraceCliHost : public ::testing::Test {
protected:
    void SetUp() override { AIO_REQUIRE_ROOT(); }
};

// The traced command's standard output goes to standard error while the
// report is on standard output; with -o FILE it keeps standard output.
TEST_F(TraceCliHost, CommandOutputNeverLandsOnTheJsonStream)
{
    const std::string cmd =
        "echo hi-from-the-command; exec " + probe_cmd("/dev/shm -e libaio -o read -m buffered -n 16");
    const RunResult r = run_tool({"trace", "--json", "--", "sh", "-c", cmd});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto j = parse_or_fail(r.out, r);
    EXPECT_TRUE(has_op(j, "shmem_file_read_iter")) << r.out.substr(0, 2000);
    EXPECT_NE(r.err.find("hi-from-the-command"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("VERDICT"), std::string::npos) << "probe's table should be on stderr:\n" << r.err;

    TempDir dir;
    const fs::path file = dir.path() / "trace.json";
    const RunResult o = run_tool({"trace", "--json", "-o", file.string(), "--", "sh", "-c", cmd});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    EXPECT_NE(o.out.find("hi-from-the-command"), std::string::npos) << "with -o the command keeps stdout:\n"
                                                                    << o.out;
    EXPECT_NE(o.out.find("VERDICT"), std::string::npos) << o.out;
    EXPECT_EQ(o.err.find("hi-from-the-command"), std::string::npos) << o.err;
    EXPECT_TRUE(has_op(parse_or_fail(read_file(file), o), "shmem_file_read_iter"));
}

// The command's failure is trace's exit status (as with time(1) and
// timeout(1)), and the report is printed all the same.
TEST_F(TraceCliHost, ExitStatusIsTheCommandsFailure)
{
    TempDir dir;
    const fs::path not_executable = dir.path() / "script";
    std::ofstream(not_executable) << "#!/bin/sh\nexit 0\n";
    ::chmod(not_executable.c_str(), 0644);
    const struct {
        std::vector<std::string> command;
        int code;
        std::string err;
    } cases[] = {
        {{"/nonexistent"}, 127, "cannot run '/nonexistent'"},
        {{not_executable.string()}, 126, "cannot run '" + not_executable.string() + "'"},
        {{"/bin/false"}, 1, "exited with status 1"},
        {{"sh", "-c", "exit 7"}, 7, "exited with status 7"},
        {{"sh", "-c", "kill -KILL $$"}, 137, "exited with status 137"},
        {{"true"}, 0, ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.command.front());
        std::vector<std::string> args{"trace", "--json", "--"};
        args.insert(args.end(), c.command.begin(), c.command.end());
        const RunResult r = run_tool(args);
        EXPECT_EQ(r.exit_code, c.code) << r.err;
        if (!c.err.empty()) {
            EXPECT_NE(r.err.find(c.err), std::string::npos) << r.err;
        }
        const auto j = parse_or_fail(r.out, r);
        EXPECT_TRUE(j.contains("ops")) << "the report is printed all the same";
    }
}

TEST_F(TraceCliHost, MissingPidIsOneLineBeforeAnythingLoads)
{
    // A PID that just became free.
    const pid_t gone = ::fork();
    if (gone == 0)
        ::_exit(0);
    ::waitpid(gone, nullptr, 0);
    const RunResult r = run_tool({"trace", "-p", std::to_string(gone), "-d", "1"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "aio-audit: error: -p " + std::to_string(gone) + ": no such process\n");
    EXPECT_EQ(r.out, "");

    // A thread is not a process: name the process it belongs to.
    pid_t tid = 0;
    std::atomic<bool> done{false};
    std::thread thread([&] {
        tid = static_cast<pid_t>(::syscall(SYS_gettid));
        while (!done.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
    while (!tid)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const RunResult t = run_tool({"trace", "-p", std::to_string(tid), "-d", "1"});
    done.store(true);
    thread.join();
    EXPECT_EQ(t.exit_code, 2);
    EXPECT_NE(t.err.find("is a thread of process " + std::to_string(::getpid())), std::string::npos) << t.err;
    EXPECT_EQ(std::count(t.err.begin(), t.err.end(), '\n'), 1) << t.err;
}

TEST_F(TraceCliHost, TheTraceEndsWhenThePidExits)
{
    const pid_t sleeper = ::fork();
    if (sleeper == 0) {
        ::execlp("sleep", "sleep", "1.5", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const auto start = clock_type::now();
    const RunResult r = run_tool({"trace", "--json", "-p", std::to_string(sleeper), "-d", "60"});
    const double took = std::chrono::duration<double>(clock_type::now() - start).count();
    ::waitpid(sleeper, nullptr, 0);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(took, 15.0) << "the trace went on after the process exited";
    EXPECT_NE(r.err.find("process " + std::to_string(sleeper) + " exited"), std::string::npos) << r.err;
    EXPECT_EQ(parse_or_fail(r.out, r)["tgid"], sleeper);
}

// A tracer killed by SIGKILL runs no cleanup; the kernel must end the
// command (PR_SET_PDEATHSIG).
TEST_F(TraceCliHost, KillingTheTracerKillsTheCommand)
{
    Background trace({"trace", "--", "sleep", "30"});
    ASSERT_TRUE(trace.wait_for_stderr("Tracing with", 60)) << trace.err();
    const pid_t sleeper = trace.child();
    ASSERT_GT(sleeper, 0);
    ASSERT_TRUE(running(sleeper));
    ::kill(trace.pid(), SIGKILL);
    EXPECT_EQ(trace.wait_exit(), 128 + SIGKILL);
    EXPECT_TRUE(gone_within(sleeper, std::chrono::seconds(1))) << "the traced command outlived the tracer";
    if (running(sleeper))
        ::kill(sleeper, SIGKILL);
}

// SIGINT/SIGTERM stop the trace with 130/143 after the report, and reach the
// command; -d ends the command with SIGTERM and is a normal end (0).
TEST_F(TraceCliHost, StoppingTheTraceStopsTheCommand)
{
    for (int sig : {SIGINT, SIGTERM}) {
        SCOPED_TRACE(sig);
        Background trace({"trace", "--", "sleep", "30"});
        ASSERT_TRUE(trace.wait_for_stderr("Tracing with", 60)) << trace.err();
        const pid_t sleeper = trace.child();
        ASSERT_GT(sleeper, 0);
        const auto start = clock_type::now();
        ::kill(trace.pid(), sig);
        EXPECT_EQ(trace.wait_exit(), 128 + sig) << trace.err();
        EXPECT_LT(std::chrono::duration<double>(clock_type::now() - start).count(), 10.0);
        EXPECT_NE(trace.out().find("lost events:"), std::string::npos) << "no report:\n" << trace.out();
        EXPECT_TRUE(gone_within(sleeper, std::chrono::seconds(1)));
    }
    const auto start = clock_type::now();
    const RunResult r = run_tool({"trace", "--json", "-d", "1", "--", "sleep", "30"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(std::chrono::duration<double>(clock_type::now() - start).count(), 20.0);
    EXPECT_NE(r.err.find("sent SIGTERM to the traced command"), std::string::npos) << r.err;
    parse_or_fail(r.out, r);
}

std::string op_key(const nlohmann::json& op)
{
    return op["op"].get<std::string>() + " " + op["api"].get<std::string>() + " " +
           op["mode"].get<std::string>() + " " + op["dev"].get<std::string>();
}

// -i --json: one stamped object per line, each interval's own numbers, the
// total last; the intervals add up to the total.
TEST_F(TraceCliHost, IntervalsAreJsonLinesThatAddUpToTheTotal)
{
    const std::string cmd =
        probe_cmd("/dev/shm -e libaio -o read -m buffered -n 300") + " >/dev/null; sleep 0.7; " +
        probe_cmd("/dev/zero -e libaio -o read -m buffered -n 100") + " >/dev/null; sleep 0.4";
    const RunResult r = run_tool({"trace", "--json", "-i", "0.3", "--", "sh", "-c", cmd});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> lines;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line))
        lines.push_back(parse_or_fail(line, r));
    ASSERT_GE(lines.size(), 4u) << r.out.substr(0, 3000);

    std::map<std::string, std::uint64_t> summed;
    std::size_t active = 0;
    std::string last_end;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        const auto& j = lines[i];
        EXPECT_EQ(j["kind"], "interval");
        EXPECT_EQ(j["schema_version"], 1);
        EXPECT_EQ(j["subcommand"], "trace");
        EXPECT_EQ(j["interval"]["index"], i + 1);
        EXPECT_LE(j["interval"]["start"].get<std::string>(), j["interval"]["end"].get<std::string>());
        EXPECT_GE(j["interval"]["start"].get<std::string>(), last_end);
        last_end = j["interval"]["end"];
        if (!j["ops"].empty())
            ++active;
        for (const auto& op : j["ops"])
            summed[op_key(op)] += op["requests"].get<std::uint64_t>();
    }
    // The two workloads are 0.7 s apart: the counts are spread over intervals,
    // not repeated in each (as a cumulative report would).
    EXPECT_LT(active, lines.size() - 1) << "every interval saw requests: are they deltas?";
    const auto& total = lines.back();
    EXPECT_EQ(total["kind"], "total");
    EXPECT_TRUE(total["interval"]["index"].is_null());
    std::map<std::string, std::uint64_t> totals;
    for (const auto& op : total["ops"])
        totals[op_key(op)] = op["requests"].get<std::uint64_t>();
    EXPECT_EQ(summed, totals);
    bool shm = false, zero = false;
    for (const auto& [k, n] : totals) {
        shm |= k.rfind("shmem_file_read_iter libaio", 0) == 0 && n >= 300;
        zero |= k.rfind("read_iter_zero libaio", 0) == 0 && n >= 100;
    }
    EXPECT_TRUE(shm && zero) << total.dump(1).substr(0, 3000);
}

TEST_F(TraceCliHost, TextIntervalsHaveATimestampAndTheTotalComesLast)
{
    const RunResult r =
        run_tool({"trace", "-i", "0.3", "--", "sh", "-c",
                  probe_cmd("/dev/zero -e libaio -o read -m buffered -n 50") + " >/dev/null; sleep 0.5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto first = r.out.find(" interval 1, ");
    const auto total = r.out.find(" total since ");
    ASSERT_NE(first, std::string::npos) << r.out;
    ASSERT_NE(total, std::string::npos) << r.out;
    EXPECT_LT(first, total);
    // "HH:MM:SS interval 1, 0.3s since HH:MM:SS"
    EXPECT_EQ(r.out[first - 3], ':') << r.out.substr(0, 200);
    EXPECT_NE(r.out.find("Traced ", total), std::string::npos) << "no full report at the end:\n" << r.out;
    EXPECT_EQ(r.out.find("Traced "), r.out.find("Traced ", total)) << "intervals repeat the full report:\n"
                                                                   << r.out;
}

}  // namespace
}  // namespace aio::host
