// SPDX-License-Identifier: GPL-2.0-only
//
// `aio-audit trace` on this host's kernel (the tracepoint backend, or better
// where the kernel allows), tracing real workloads on real filesystems. The
// workload is `aio-audit probe`, run as the traced command.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "host_env.h"

namespace aio::host {
namespace {

namespace fs = std::filesystem;

// `trace --json ... -- sh -c 'PROBE_ARGS >/dev/null'`, parsed.
nlohmann::json trace_probe(const std::vector<std::string>& trace_args, const std::string& probe_args,
                           RunResult* raw = nullptr)
{
    std::vector<std::string> argv{"trace", "--json"};
    argv.insert(argv.end(), trace_args.begin(), trace_args.end());
    argv.insert(argv.end(), {"--", "sh", "-c", std::string("exec '") + AIO_AUDIT_BIN + "' probe " + probe_args +
                                                   " >/dev/null"});
    const RunResult r = run_tool(argv);
    if (raw)
        *raw = r;
    try {
        return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "trace --json (exit " << r.exit_code << "): " << e.what() << "\nstderr: " << r.err
                      << "\nstdout: " << r.out.substr(0, 2000);
        return {};
    }
}

const nlohmann::json* find_op(const nlohmann::json& j, const std::string& symbol, const std::string& api,
                              const std::string& mode)
{
    if (!j.contains("ops"))
        return nullptr;
    for (const auto& op : j["ops"])
        if (op["symbol"] == symbol && op["api"] == api && op["mode"] == mode)
            return &op;
    return nullptr;
}

std::string ops_summary(const nlohmann::json& j)
{
    std::ostringstream s;
    if (j.contains("ops"))
        for (const auto& op : j["ops"])
            s << "\n  " << op["op"] << " " << op["api"] << " " << op["mode"] << " " << op["requests"] << " "
              << op["verdict"] << " " << op["shares"];
    return s.str();
}

void expect_op(const nlohmann::json& j, const std::string& symbol, const std::string& api, const std::string& mode,
               const std::string& verdict)
{
    const auto* op = find_op(j, symbol, api, mode);
    ASSERT_NE(op, nullptr) << symbol << " " << api << " " << mode << " not traced; ops:" << ops_summary(j);
    EXPECT_EQ((*op)["verdict"], verdict) << symbol << " " << api << " " << mode << ":" << ops_summary(j);
    EXPECT_GE((*op)["requests"].get<int>(), 16) << ops_summary(j);
}

// The ids of the BPF programs some process holds an fd of (a program's own
// fd, or a link's, whose fdinfo names its program too).
std::set<std::uint32_t> held_program_ids(pid_t only = 0)
{
    std::set<std::uint32_t> ids;
    std::error_code ec;
    const fs::path proc = only ? fs::path("/proc") / std::to_string(only) : fs::path("/proc");
    auto scan = [&](const fs::path& fdinfo) {
        for (const auto& e : fs::directory_iterator(fdinfo, ec)) {
            std::ifstream in(e.path());
            std::string line;
            while (std::getline(in, line))
                if (line.rfind("prog_id:", 0) == 0)
                    ids.insert(static_cast<std::uint32_t>(std::stoul(line.substr(8))));
        }
    };
    if (only) {
        scan(proc / "fdinfo");
        return ids;
    }
    for (const auto& e : fs::directory_iterator(proc, ec))
        if (std::isdigit(static_cast<unsigned char>(e.path().filename().string()[0])))
            scan(e.path() / "fdinfo");
    return ids;
}

// trace's programs (by name) that are loaded, and among them those held by
// process `holder`, or with `orphans`, those no process holds (pinned, or
// otherwise left behind): another tracer running meanwhile holds its own.
std::size_t our_programs(pid_t holder, bool orphans = false)
{
    const auto held = held_program_ids(orphans ? 0 : holder);
    const RunResult r = run({"bpftool", "-j", "prog", "show"});
    std::size_t n = 0;
    for (const auto& prog : nlohmann::json::parse(r.out)) {
        const std::string name = prog.value("name", "");
        bool ours = false;
        for (const char* want : {"io_submit_enter", "io_submit_exit", "sys_enter_btf", "sys_exit_btf",
                                 "sched_switch_tp", "sched_switch_bt", "uring_complete"})
            ours = ours || name == want;
        if (ours && held.count(prog["id"].get<std::uint32_t>()) != orphans)
            ++n;
    }
    return n;
}

// Programs left behind settle within a moment of their holder's exit (the
// kernel frees them after an RCU grace period).
std::size_t orphan_programs()
{
    std::size_t n = 0;
    for (int i = 0; i < 20 && (n = our_programs(0, true)) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return n;
}

class TraceHost : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        if (::geteuid() != 0)
            return;
        ext4 = new LoopFs({.fstype = "ext4", .squashfs_source = {}});
        xfs = new LoopFs({.fstype = "xfs", .squashfs_source = {}});
    }
    static void TearDownTestSuite()
    {
        delete xfs;
        delete ext4;
        xfs = ext4 = nullptr;
    }
    void SetUp() override
    {
        AIO_REQUIRE_ROOT();
        ASSERT_TRUE(ext4 && ext4->ok()) << ext4->error();
        ASSERT_TRUE(xfs && xfs->ok()) << xfs->error();
    }
    static LoopFs* ext4;
    static LoopFs* xfs;
};

LoopFs* TraceHost::ext4 = nullptr;
LoopFs* TraceHost::xfs = nullptr;

TEST_F(TraceHost, TmpfsIsSyncAndNamesShmem)
{
    const auto j = trace_probe({}, "/dev/shm -e libaio -o read,overwrite -m buffered -n 32");
    expect_op(j, "shmem_file_read_iter", "libaio", "buffered", "sync");
    expect_op(j, "shmem_file_write_iter", "libaio", "buffered", "sync");
    EXPECT_NE(j["backend"], "none");
}

TEST_F(TraceHost, Ext4BufferedColdReadBlocksAndTheStackShowsTheWait)
{
    const auto j = trace_probe({}, ext4->mount_point().string() + " -e libaio -o read -m buffered -n 32");
    expect_op(j, "ext4_file_read_iter", "libaio", "buffered", "blocking");
    bool waits = false;
    for (const auto& st : j["stacks"]) {
        if (st["op"] != "ext4_file_read_iter" || st["api"] != "libaio")
            continue;
        std::string frames;
        for (const auto& f : st["frames"])
            frames += f.get<std::string>() + "\n";
        // ext4_file_read_iter tail-calls into filemap_read: the op names it,
        // the stack shows the wait under aio_read.
        if (frames.find("io_schedule") != std::string::npos && frames.find("filemap_read") != std::string::npos &&
            frames.find("aio_read") != std::string::npos)
            waits = true;
    }
    EXPECT_TRUE(waits) << "no stack showing the page wait under ext4_file_read_iter: " << j["stacks"].dump(1);
}

TEST_F(TraceHost, Ext4AndXfsDirectAreAsync)
{
    auto async = [](const nlohmann::json& j, std::initializer_list<const char*> symbols) {
        for (const char* sym : symbols) {
            const auto* op = find_op(j, sym, "libaio", "direct");
            if (!op || (*op)["verdict"] != "async")
                return false;
        }
        return true;
    };
    const auto e = measure_until(
        [&] { return trace_probe({}, ext4->mount_point().string() + " -e libaio -o read -m direct -n 32"); },
        [&](const auto& j) { return async(j, {"ext4_file_read_iter"}); });
    expect_op(e, "ext4_file_read_iter", "libaio", "direct", "async");
    const auto x = measure_until(
        [&] { return trace_probe({}, xfs->mount_point().string() + " -e libaio -o read,overwrite -m direct -n 32"); },
        [&](const auto& j) { return async(j, {"xfs_file_read_iter", "xfs_file_write_iter"}); });
    expect_op(x, "xfs_file_read_iter", "libaio", "direct", "async");
    expect_op(x, "xfs_file_write_iter", "libaio", "direct", "async");
}

// Both ways of hooking the syscalls (raw sys_enter/sys_exit through tp_btf,
// the default here, and one tracepoint per syscall) give the same verdicts.
TEST_F(TraceHost, BothSyscallHookKindsAgree)
{
    for (const std::string kind : {"raw", "event"}) {
        SCOPED_TRACE("--syscall-hooks " + kind);
        const auto t = trace_probe({"--syscall-hooks", kind}, "/dev/shm -e libaio -o read -m buffered -n 32");
        EXPECT_EQ(t["syscall_hooks"], kind);
        expect_op(t, "shmem_file_read_iter", "libaio", "buffered", "sync");
        const auto e = measure_until(
            [&] {
                return trace_probe({"--syscall-hooks", kind},
                                   ext4->mount_point().string() + " -e libaio -o read -m direct -n 32");
            },
            [&](const auto& j) {
                const auto* op = find_op(j, "ext4_file_read_iter", "libaio", "direct");
                return op && (*op)["verdict"] == "async";
            });
        expect_op(e, "ext4_file_read_iter", "libaio", "direct", "async");
    }
}

std::uint64_t hist_total(const nlohmann::json& h)
{
    std::uint64_t n = 0;
    for (const auto& v : h["log2_hist"])
        n += v.get<std::uint64_t>();
    return n;
}

// Servers often reap in a completion thread: the tracepoint backend must time
// those completions too (it matches io_getevents' events to the requests the
// process submitted, whichever thread reaps them).
TEST_F(TraceHost, CompletionsReapedByAnotherThreadAreTimed)
{
    const fs::path file = ext4->mount_point() / "reap-elsewhere.dat";
    {
        std::ofstream out(file, std::ios::binary);
        const std::string block(4096, 'r');
        for (int i = 0; i < 256; ++i)
            out << block;
    }
    // Clean pages: O_DIRECT reads of dirty ones wait for writeback in io_submit.
    ::sync();
    for (const std::string kind : {"raw", "event"}) {
        SCOPED_TRACE("--syscall-hooks " + kind);
        const RunResult r = run_tool({"trace", "--json", "--syscall-hooks", kind, "--", REAP_ELSEWHERE_BIN,
                                      file.string(), "200"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto j = nlohmann::json::parse(r.out);
        const auto* op = find_op(j, "ext4_file_read_iter", "libaio", "direct");
        ASSERT_NE(op, nullptr) << ops_summary(j);
        EXPECT_EQ((*op)["requests"], 200) << ops_summary(j);
        EXPECT_GT((*op)["completed_after"].get<int>(), 0) << ops_summary(j);
        // Every request has a completion time: at io_submit's exit when it
        // completed inside it, else when the other thread reaped it.
        EXPECT_EQ(hist_total((*op)["complete_ns"]), 200u) << (*op).dump();
    }
    fs::remove(file);
}

// A thread per request, 5000 of them one after another: more than the 4096
// thread states trace keeps at once. Each state must end with its thread, or
// the requests of the threads after the 4096th are lost.
TEST_F(TraceHost, ThreadsThatEndGiveBackTheirState)
{
    const RunResult r = run_tool({"trace", "--json", "--", THREAD_CHURN_BIN, "/dev/zero", "5000"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto* op = find_op(j, "read_iter_zero", "libaio", "buffered");
    ASSERT_NE(op, nullptr) << ops_summary(j);
    EXPECT_EQ((*op)["requests"], 5000) << ops_summary(j);
    EXPECT_EQ(j["lost"]["task_table_full"], 0) << j["lost"].dump();
}

// A context made, used once and destroyed, 300 times: each ring is a new
// kioctx, mostly at the user address of the last. Every read of /dev/zero
// is served inside io_submit, with either syscall hook kind (the event kind
// sees io_destroy through a tracepoint of its own).
TEST_F(TraceHost, RingsRebornAtOneAddressAreStillSeenPostingInTheCall)
{
    for (const std::string kind : {"raw", "event"}) {
        SCOPED_TRACE("--syscall-hooks " + kind);
        const RunResult r = run_tool(
            {"trace", "--json", "--syscall-hooks", kind, "--", RING_CHURN_BIN, "/dev/zero", "300"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto j = nlohmann::json::parse(r.out);
        const auto* op = find_op(j, "read_iter_zero", "libaio", "buffered");
        ASSERT_NE(op, nullptr) << ops_summary(j);
        EXPECT_EQ((*op)["requests"], 300) << ops_summary(j);
        EXPECT_EQ((*op)["verdict"], "sync") << ops_summary(j);
        EXPECT_EQ((*op)["completed_in_syscall"], 300) << op->dump();
    }
}

// One io_submit with a read of each file: every request keeps its own op
// (kernels before 6.7 once merged them all into the batch's last op).
TEST_F(TraceHost, BatchedRequestsKeepTheirOwnOps)
{
    for (const std::string kind : {"raw", "event"}) {
        SCOPED_TRACE("--syscall-hooks " + kind);
        const RunResult r = run_tool({"trace", "--json", "--syscall-hooks", kind, "--", BATCH_SUBMIT_BIN, "16",
                                      "/dev/zero", "/dev/urandom"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto j = nlohmann::json::parse(r.out);
        for (const char* sym : {"read_iter_zero", "urandom_read_iter"}) {
            const auto* op = find_op(j, sym, "libaio", "buffered");
            ASSERT_NE(op, nullptr) << sym << ops_summary(j);
            EXPECT_EQ((*op)["requests"], 16) << sym << ops_summary(j);
            EXPECT_EQ((*op)["verdict"], "sync") << sym << ops_summary(j);
        }
    }
}

// probe reads a file buffered, then O_DIRECT: two ops, each request in its
// own (the mode is taken at each submission, never from a struct file seen
// earlier: the O_DIRECT open often gets the buffered one's memory back). The
// merge happened in four runs of six: twenty runs, traced in one session so
// that a single misfiled request shows in the counts.
TEST_F(TraceHost, BufferedAndDirectReadsOfOneFileStayTwoOps)
{
    constexpr int kRuns = 20;
    const RunResult r = run_tool({"trace", "--json", "--", "sh", "-c",
                                  "for i in $(seq " + std::to_string(kRuns) + "); do '" + AIO_AUDIT_BIN + "' probe " +
                                      ext4->mount_point().string() + " -e libaio -o read >/dev/null || exit; done"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto* buffered = find_op(j, "ext4_file_read_iter", "libaio", "buffered");
    const auto* direct = find_op(j, "ext4_file_read_iter", "libaio", "direct");
    ASSERT_NE(buffered, nullptr) << ops_summary(j);
    ASSERT_NE(direct, nullptr) << ops_summary(j);
    EXPECT_EQ((*buffered)["requests"], 64 * kRuns) << ops_summary(j);
    EXPECT_EQ((*direct)["requests"], 64 * kRuns) << ops_summary(j);
    EXPECT_EQ((*buffered)["verdict"], "blocking") << ops_summary(j);
    // The loop worker may finish a request while io_submit still runs: never
    // as the submitter's own inline copy.
    EXPECT_EQ((*direct)["verdict"], "async") << ops_summary(j);
    EXPECT_EQ((*direct)["shares"].value("sync", 0.0), 0.0) << ops_summary(j);
}

// Block device files are their device (i_rdev), not devtmpfs's: two loop
// devices read at once are two ops, each named by its device.
TEST_F(TraceHost, EachBlockDeviceIsItsOwnOpNamedByItsDevice)
{
    LoopDevice a(16), b(16);
    ASSERT_TRUE(a.ok()) << a.error();
    ASSERT_TRUE(b.ok()) << b.error();
    const RunResult r = run_tool({"trace", "--json", "--", BATCH_SUBMIT_BIN, "16", a.device(), b.device()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto* dev : {&a, &b}) {
        struct stat st {};
        ASSERT_EQ(::stat(dev->device().c_str(), &st), 0);
        const std::string name = fs::path(dev->device()).filename();
        const std::string id = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
        const nlohmann::json* found = nullptr;
        for (const auto& op : j["ops"])
            if (op["symbol"] == "blkdev_read_iter" && op["dev_name"] == name)
                found = &op;
        ASSERT_NE(found, nullptr) << name << " not traced as its own op:" << ops_summary(j) << "\n" << j["ops"].dump();
        EXPECT_EQ((*found)["dev"], id);
        EXPECT_EQ((*found)["file"], "blockdev");
        EXPECT_EQ((*found)["requests"], 16) << ops_summary(j);
    }
}

// Cold buffered reads (no readahead, pages dropped each time): every request
// issues block I/O and waits for it - asleep, or preempted while another
// context completes it. The block I/O facts must have been collected: a
// tracer whose block hooks saw nothing would call the preempted ones sync.
TEST_F(TraceHost, ColdReadsWaitForTheirDeviceAndTheFactsAreCollected)
{
    const fs::path file = ext4->mount_point() / "cold.dat";
    {
        std::ofstream out(file, std::ios::binary);
        const std::string block(4096, 'c');
        for (int i = 0; i < 512; ++i)
            out << block;
    }
    ::sync();
    const RunResult r = run_tool({"trace", "--json", "--", BATCH_SUBMIT_BIN, "--cold", "--stride", "8192", "--span",
                                  std::to_string(512 * 4096), "64", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto* op = find_op(j, "ext4_file_read_iter", "libaio", "buffered");
    ASSERT_NE(op, nullptr) << ops_summary(j);
    EXPECT_EQ((*op)["requests"], 64);
    EXPECT_EQ((*op)["device_io"], 64) << "block I/O issued in submission was not seen: " << op->dump();
    EXPECT_EQ((*op)["shares"].value("blocking", 0.0), 1.0) << ops_summary(j);
    // Each one slept or waited off CPU for its device I/O.
    EXPECT_GE((*op)["slept_in_submission"].get<int>() + (*op)["waited_for_device"].get<int>(), 64) << op->dump();
    EXPECT_EQ((*op)["syscalls"], 64);
    EXPECT_EQ((*op)["syscalls_slept"], (*op)["slept_in_submission"]) << "one request per call";
    fs::remove(file);
}

// The tracepoint backend cannot see who posted a completion that was ready
// when io_submit returned: tmpfs reads are `sync`, marked inline?.
TEST_F(TraceHost, ReadyAtReturnIsMarkedAmbiguousWithoutCompletionContext)
{
    const auto j = trace_probe({"--backend", "tracepoint"}, "/dev/shm -e libaio -o read -m buffered -n 32");
    const auto* op = find_op(j, "shmem_file_read_iter", "libaio", "buffered");
    ASSERT_NE(op, nullptr) << ops_summary(j);
    EXPECT_EQ((*op)["verdict"], "sync");
    EXPECT_EQ((*op)["ambiguous"], (*op)["requests"]) << op->dump();
    const RunResult r = run_tool({"trace", "--backend", "tracepoint", "--", "sh", "-c",
                                  std::string("exec '") + AIO_AUDIT_BIN +
                                      "' probe /dev/shm -e libaio -o read -m buffered -n 32 >/dev/null"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("sync inline?"), std::string::npos) << r.out;
}

// Values the backend never saw are said to be unseen, never printed as zeros.
TEST_F(TraceHost, UnseenDriverReturnsAreNotZeros)
{
    const auto j = trace_probe({"--backend", "tracepoint"}, "/dev/shm -e libaio -o read -m buffered -n 8");
    const auto* op = find_op(j, "shmem_file_read_iter", "libaio", "buffered");
    ASSERT_NE(op, nullptr) << ops_summary(j);
    EXPECT_TRUE((*op)["driver_returned"].is_null()) << op->dump();
    EXPECT_EQ((*op)["driver_returned_not_observed"], "the tracepoint backend cannot hook driver functions");
    // Every way of losing a request is a counter, present when zero.
    for (const char* what :
         {"completions_not_seen", "program_runs_missed", "requests_beyond_ops_per_call", "evidence_table_full"})
        EXPECT_TRUE(j["lost"].contains(what)) << what << ": " << j["lost"].dump();
    EXPECT_EQ(j["requests_unfinished"], 0);
}

TEST_F(TraceHost, IoUringPuntsAreSeen)
{
    // tmpfs reads through io_uring are punted to io-wq on this kernel (the
    // probe tests check that against the kernel's own tracepoint).
    const auto j = trace_probe({}, "/dev/shm -e io_uring -o read -m buffered -n 32");
    expect_op(j, "shmem_file_read_iter", "io_uring", "buffered", "thread-async");
    const auto* op = find_op(j, "shmem_file_read_iter", "io_uring", "buffered");
    ASSERT_NE(op, nullptr);
    EXPECT_EQ((*op)["punted"], (*op)["requests"]);
}

TEST_F(TraceHost, GlibcPosixAioIsUserSpaceThreads)
{
    const auto j = trace_probe({}, "/dev/zero -e posix -m buffered -n 32");
    expect_op(j, "read_iter_zero", "posix", "buffered", "thread-async");
}

TEST_F(TraceHost, PidFilterTracesOnlyThatProcess)
{
    // Two long-running workloads; trace only the first one.
    auto spawn = [](const std::string& target) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, 1);
            ::dup2(null, 2);
            ::execl(AIO_AUDIT_BIN, AIO_AUDIT_BIN, "probe", target.c_str(), "-e", "libaio", "-o", "read", "-m",
                    "buffered", "-n", "1000000", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        return pid;
    };
    const pid_t shm = spawn("/dev/shm");
    const pid_t zero = spawn("/dev/zero");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const RunResult r = run_tool({"trace", "--json", "-d", "1.5", "-p", std::to_string(shm)});
    ::kill(shm, SIGKILL);
    ::kill(zero, SIGKILL);
    ::waitpid(shm, nullptr, 0);
    ::waitpid(zero, nullptr, 0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_NE(find_op(j, "shmem_file_read_iter", "libaio", "buffered"), nullptr) << ops_summary(j);
    EXPECT_EQ(find_op(j, "read_iter_zero", "libaio", "buffered"), nullptr) << "-p let another process in:"
                                                                            << ops_summary(j);
}

// Counted by the programs' holders, not by name alone: another tracer may run
// meanwhile (a concurrent test, a user's own), and its programs are not ours.
TEST_F(TraceHost, SignalsAndTimeoutDetachEverything)
{
    ASSERT_EQ(orphan_programs(), 0u) << "programs left behind before the test";
    for (int sig : {SIGINT, SIGTERM}) {
        Background trace({"trace"});
        ASSERT_TRUE(trace.wait_for_stderr("Tracing with", 30)) << "trace did not start";
        EXPECT_GT(our_programs(trace.pid()), 0u) << "programs should be loaded while tracing";
        ::kill(trace.pid(), sig);
        EXPECT_EQ(trace.wait_exit(), 128 + sig) << "signal " << sig;  // 130, 143 (docs/usage.md)
        EXPECT_EQ(orphan_programs(), 0u) << "BPF programs left behind after signal " << sig;
    }
    const RunResult r = run_tool({"trace", "-d", "0.5"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("lost events: none"), std::string::npos) << r.out;
    // A link left attached (pinned) holds its program: an orphan too.
    EXPECT_EQ(orphan_programs(), 0u) << "BPF programs left behind after -d";
}

TEST_F(TraceHost, LostSleepsAreReportedWhenTheStackTablesAreFull)
{
    // One entry in the stack and sleep tables, and cold reads of two file
    // systems: two ops that sleep in two places, so the second op's sleeps
    // have neither a stack nor a sleep-table entry and must be counted.
    const auto j = trace_probe({"--stack-storage", "1"}, ext4->mount_point().string() + " " +
                                                             xfs->mount_point().string() +
                                                             " -e libaio -o read -m buffered -n 3000");
    ASSERT_TRUE(j.contains("lost"));
    EXPECT_GT(j["lost"]["stacks_not_captured"].get<int>(), 0) << j["lost"].dump();
    EXPECT_GT(j["lost"]["sleep_table_full"].get<int>(), 0) << j["lost"].dump();
    EXPECT_EQ(j["stacks"].size(), 1u) << j["stacks"].dump();
    // Counts and verdicts are aggregated in the kernel and do not depend on the stack tables.
    expect_op(j, "ext4_file_read_iter", "libaio", "buffered", "blocking");
    const auto* op = find_op(j, "ext4_file_read_iter", "libaio", "buffered");
    ASSERT_NE(op, nullptr);
    EXPECT_EQ((*op)["requests"], 3000);
}

// One slot in the op table (--op-storage 1) and two ops (reads and writes of
// a tmpfs file, in batches of 8 per io_submit): the first op seen is reported
// whole, the other's requests are counted as lost and it shows no row, not a
// verdict over no requests. Fails if a full op table loses requests silently,
// counts the calls that lost them instead of the requests, or leaves the
// second op's evidence behind without its counts.
TEST_F(TraceHost, AFullOpTableLosesWholeOpsAndSaysSo)
{
    const auto j = trace_probe({"--op-storage", "1"}, "/dev/shm -e libaio -o read,overwrite -m buffered -n 32 -q 8");
    ASSERT_TRUE(j.contains("ops")) << j.dump().substr(0, 2000);
    ASSERT_EQ(j["ops"].size(), 1u) << ops_summary(j);
    EXPECT_EQ(j["ops"][0]["requests"], 32) << ops_summary(j);
    EXPECT_EQ(j["lost"]["op_table_full"], 32) << j["lost"].dump();

    // The default table holds both.
    const auto all = trace_probe({}, "/dev/shm -e libaio -o read,overwrite -m buffered -n 32");
    ASSERT_NE(find_op(all, "shmem_file_read_iter", "libaio", "buffered"), nullptr) << ops_summary(all);
    ASSERT_NE(find_op(all, "shmem_file_write_iter", "libaio", "buffered"), nullptr) << ops_summary(all);
    EXPECT_EQ(all["lost"]["op_table_full"], 0) << all["lost"].dump();
}

// --sample 4: one io_submit call in 4 is followed; all are counted, and the
// report says so. Fails if every call is followed or the sampling is not told.
TEST_F(TraceHost, SampleFollowsOneCallInNAndSaysSo)
{
    const auto j = trace_probe({"--sample", "4"}, "/dev/shm -e libaio -o read -m buffered -n 400");
    ASSERT_TRUE(j.contains("sampling")) << j.dump().substr(0, 2000);
    ASSERT_FALSE(j["sampling"].is_null()) << "sampling not reported";
    EXPECT_EQ(j["sampling"]["every"], 4);
    const auto calls = j["sampling"]["io_submit_calls"].get<std::uint64_t>();
    const auto iocbs = j["sampling"]["io_submit_iocbs"].get<std::uint64_t>();
    EXPECT_GE(iocbs, 400u);
    EXPECT_GE(calls, 400u / 32u);
    const auto* op = find_op(j, "shmem_file_read_iter", "libaio", "buffered");
    ASSERT_NE(op, nullptr) << ops_summary(j);
    const auto followed = (*op)["requests"].get<std::uint64_t>();
    // Per-CPU counters decide, so a call's turn may come early or late on
    // each CPU: about a quarter, never all.
    EXPECT_GT(followed, 0u);
    EXPECT_LE(followed, iocbs / 4 + 2 * 32) << "more followed than 1 call in 4 carries";
    EXPECT_LT(followed, iocbs) << "every request followed: sampling not applied";

    // Exact by default: no sampling, every request followed.
    const auto exact = trace_probe({}, "/dev/shm -e libaio -o read -m buffered -n 400");
    EXPECT_TRUE(exact["sampling"].is_null()) << exact["sampling"].dump();
    const auto* all = find_op(exact, "shmem_file_read_iter", "libaio", "buffered");
    ASSERT_NE(all, nullptr) << ops_summary(exact);
    EXPECT_EQ((*all)["requests"], 400);

    const RunResult text = run_tool({"trace", "--sample", "4", "--", "sh", "-c",
                                     std::string("exec '") + AIO_AUDIT_BIN +
                                         "' probe /dev/shm -e libaio -o read -n 40 >/dev/null"});
    EXPECT_NE(text.out.find("Sampled: 1 io_submit call in 4"), std::string::npos) << text.out;
}

// --sample 4 over a command's forked child (as fio forks its jobs) that
// submits batches of 8: every call and every iocb is counted, exactly, although
// whether the child is traced is remembered per CPU rather than looked up per
// call, and the iocbs are counted as the extras beyond one per call.
TEST_F(TraceHost, SampleCountsEveryCallOfAForkedChildExactly)
{
    const RunResult r =
        run_tool({"trace", "--json", "--sample", "4", "--", "sh", "-c",
                  std::string("'") + AIO_AUDIT_BIN +
                      "' probe /dev/shm -e libaio -o read -m buffered -n 400 -q 8 >/dev/null; true"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_FALSE(j["sampling"].is_null()) << "sampling not reported";
    EXPECT_EQ(j["sampling"]["io_submit_calls"], 50) << j["sampling"].dump();
    EXPECT_EQ(j["sampling"]["io_submit_iocbs"], 400) << j["sampling"].dump();
    const auto* op = find_op(j, "shmem_file_read_iter", "libaio", "buffered");
    ASSERT_NE(op, nullptr) << ops_summary(j);
    const auto followed = (*op)["requests"].get<std::uint64_t>();
    EXPECT_EQ(followed % 8, 0u) << "a followed call is followed whole";
    EXPECT_GT(followed, 0u);
    // One call in 4 on each CPU, each CPU's first call included.
    EXPECT_LE(followed, 400u / 4 + 2 * 8) << "more followed than 1 call in 4 carries";
}

TEST_F(TraceHost, FoldedStacksAndNoOverwrite)
{
    TempDir dir;
    const std::string folded = (dir.path() / "out.folded").string();
    RunResult raw;
    trace_probe({"--folded", folded}, ext4->mount_point().string() + " -e libaio -o read -m buffered -n 16", &raw);
    ASSERT_EQ(raw.exit_code, 0) << raw.err;
    std::ifstream in(folded);
    std::string line;
    bool found = false;
    while (std::getline(in, line)) {
        // comm;op;outermost;...;innermost weight
        if (line.find(";ext4_file_read_iter;") != std::string::npos &&
            line.find(";io_schedule") != std::string::npos) {
            found = true;
            const auto space = line.rfind(' ');
            ASSERT_NE(space, std::string::npos);
            EXPECT_GT(std::stoul(line.substr(space + 1)), 0u);
        }
    }
    EXPECT_TRUE(found) << "no folded ext4 read stack in " << folded;
    const RunResult again = run_tool({"trace", "-d", "0.1", "--folded", folded});
    EXPECT_EQ(again.exit_code, 2);
    EXPECT_NE(again.err.find("does not overwrite"), std::string::npos) << again.err;
}

TEST_F(TraceHost, UnprivilegedIsOneClearLine)
{
    const RunResult r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                             AIO_AUDIT_BIN, "trace", "-d", "1"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("needs CAP_BPF"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace aio::host
