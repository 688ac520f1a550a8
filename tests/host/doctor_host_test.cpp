// SPDX-License-Identifier: GPL-2.0-only
//
// `aio-audit doctor` must tell the truth about this kernel. Its claims are
// checked against facts it does not compute itself: the kprobe PMU in sysfs,
// and consistency between the kinds it found and the backend it chose.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "host_env.h"

namespace aio::host {
namespace {

std::string status(const nlohmann::json& doc, const std::string& id)
{
    for (const auto& c : doc["capabilities"])
        if (c["id"] == id)
            return c["status"];
    return "missing";
}

TEST(DoctorHost, ReportsWhatThisKernelAllows)
{
    AIO_REQUIRE_ROOT();
    const auto r = run_tool({"doctor", "--json"});
    const auto doc = nlohmann::json::parse(r.out);
    // The host tier needs BPF tracepoints: DESIGN.md verified them here.
    EXPECT_EQ(status(doc, "bpf.tracepoint"), "yes");
    EXPECT_EQ(status(doc, "kernel.btf"), std::filesystem::exists("/sys/kernel/btf/vmlinux") ? "yes" : "no");
    const bool kprobe_pmu = std::filesystem::exists("/sys/bus/event_source/devices/kprobe");
    if (!kprobe_pmu) {
        EXPECT_EQ(status(doc, "bpf.kprobe"), "no") << "kprobes cannot attach without the kprobe PMU";
    }
    EXPECT_EQ(status(doc, "aio.io_setup"), "yes");
    // The kernel's own version string, read another way (uname -v).
    std::ifstream version_file("/proc/sys/kernel/version");
    std::string version;
    std::getline(version_file, version);
    EXPECT_EQ(status(doc, "kernel.preempt_rt"), version.find("PREEMPT_RT") != std::string::npos ? "yes" : "no");
    // The io_uring submission event trace will attach to: the one tracefs
    // lists (io_uring_submit_sqe before 6.4), found by attaching to it.
    const std::filesystem::path events = "/sys/kernel/tracing/events/io_uring";
    std::string submit_event;
    for (const char* e : {"io_uring_submit_req", "io_uring_submit_sqe"})
        if (submit_event.empty() && std::filesystem::exists(events / e))
            submit_event = e;
    if (!submit_event.empty()) {
        EXPECT_EQ(status(doc, "bpf.io_uring_submit"), "yes");
        for (const auto& c : doc["capabilities"]) {
            if (c["id"] == "bpf.io_uring_submit") {
                EXPECT_EQ(c["detail"].get<std::string>().rfind("io_uring:" + submit_event, 0), 0u) << c.dump();
            }
        }
    }
    // io_submit_one is hooked with a kind only where that kind works at all.
    if (status(doc, "bpf.fentry") != "yes") {
        EXPECT_EQ(status(doc, "bpf.fentry_io_submit_one"), "no");
    }
    if (status(doc, "bpf.kprobe") != "yes") {
        EXPECT_EQ(status(doc, "bpf.kprobe_io_submit_one"), "no");
    }

    const std::string backend = doc["trace_backend"]["backend"];
    const bool fentry = status(doc, "bpf.fentry") == "yes" && status(doc, "bpf.fexit") == "yes";
    const bool kprobe = status(doc, "bpf.kprobe") == "yes" && status(doc, "bpf.kretprobe") == "yes";
    EXPECT_EQ(backend, fentry ? "fentry" : kprobe ? "kprobe" : "tracepoint");
    EXPECT_EQ(doc["trace_backend"]["syscall_hooks"],
              backend == "fentry" ? "fentry" : status(doc, "bpf.tp_btf") == "yes" ? "raw" : "event");
    EXPECT_EQ(r.exit_code, 0);
    if (backend == "tracepoint") {
        EXPECT_FALSE(doc["trace_backend"]["cannot_see"].empty());
    }
}

TEST(DoctorHost, ForcedUnavailableBackendExitsThree)
{
    AIO_REQUIRE_ROOT();
    const auto probe = nlohmann::json::parse(run_tool({"doctor", "--json"}).out);
    if (status(probe, "bpf.fentry") == "yes")
        GTEST_SKIP() << "fentry works on this kernel";
    const auto r = run_tool({"doctor", "--backend", "fentry"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.out.find("trace backend: none"), std::string::npos) << r.out;
}

TEST(DoctorHost, UnprivilegedHasNoBackend)
{
    AIO_REQUIRE_ROOT();
    // Drop to nobody: no CAP_BPF, so no backend, exit 3, and the reason says so.
    const auto r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                        AIO_AUDIT_BIN, "doctor", "--json", "--no-mount"});
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(doc["trace_backend"]["backend"], "none");
    EXPECT_EQ(status(doc, "priv.bpf"), "no");
}

}  // namespace
}  // namespace aio::host
