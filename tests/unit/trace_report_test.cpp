// SPDX-License-Identifier: GPL-2.0-only
//
// Golden tests for `trace`'s renderers (text, JSON, folded stacks) and
// `doctor`'s (text, JSON), fed hand-made model structs rather than live
// traces, so they pin the formatting alone. The expected output is in
// tests/unit/golden/; when a renderer changes on purpose, rerun with
// AIO_AUDIT_UPDATE_GOLDEN=1 to rewrite those files, and review their diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "report/doctor_report.h"
#include "report/trace_report.h"
#include "trace_sample.h"

namespace aio::model::trace_report_test {
namespace {

void expect_golden(const std::string& name, const std::string& got)
{
    const std::string path = std::string(AIO_AUDIT_SOURCE_DIR) + "/tests/unit/golden/" + name;
    if (std::getenv("AIO_AUDIT_UPDATE_GOLDEN")) {
        std::ofstream(path) << got;
        return;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << path << " is missing (AIO_AUDIT_UPDATE_GOLDEN=1 writes it)";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(got, expected.str()) << path;
}

TraceOp buffered_reads()
{
    TraceOp o = test::trace_op("xfs_file_read_iter");
    o.requests = 64;
    o.syscalls = 64;
    o.syscalls_slept = 64;
    o.completed_in_call = 64;
    o.slept_in_call = 64;
    o.slept_in_submission = 64;
    o.waited_for_device = 60;
    o.device_io = 64;
    o.contexts[CompletionContext::submitter] = 64;
    o.driver_returned = TraceOp::DriverReturns{0, 64, 0};
    o.tally.add(Verdict::blocking, 64);
    for (std::uint64_t i = 0; i < 64; ++i) {
        o.submit.add(80'000 + i * 1000);
        o.call.add(75'000 + i * 1000);
        o.complete.add(80'000 + i * 1000);
        o.offcpu.add(60'000 + i * 500);
    }
    return o;
}

TraceOp direct_reads()
{
    TraceOp o = test::trace_op("xfs_file_read_iter", FileKind::regular, true);
    o.requests = 64;
    o.syscalls = 64;
    o.completed_after = 60;
    o.completed_in_syscall = 4;
    o.device_io = 64;
    o.contexts[CompletionContext::softirq] = 60;
    o.contexts[CompletionContext::submitter] = 4;
    o.driver_returned = TraceOp::DriverReturns{60, 4, 0};
    o.tally.add(Verdict::async, 60);
    o.tally.add(Verdict::sync, 4);
    for (std::uint64_t i = 0; i < 64; ++i) {
        o.submit.add(20'000 + i * 100);
        o.call.add(15'000 + i * 100);
        o.complete.add(50'000 + i * 2000);
    }
    return o;
}

TraceReport sample_trace()
{
    TraceReport r = test::trace_report({buffered_reads(), direct_reads()});
    r.backend_why = "fentry and kprobe programs cannot attach on this kernel";
    r.unseen = {"driver return values"};
    r.notes = {"driver return values: fexit on 1 function"};
    r.tgid = 4242;
    r.comm = "fio";
    TraceStack s = test::trace_stack(
        r.ops[0],
        {"__schedule+0x2f1", "schedule+0x5e", "io_schedule+0x46", "folio_wait_bit_common+0x13d",
         "filemap_get_pages+0x5d0", "filemap_read+0xd7", "xfs_file_buffered_read+0x52", "xfs_file_read_iter+0x6a",
         "aio_read+0xe6", "io_submit_one+0x4c1"},
        6'500'000, 64);
    s.in_call = true;
    TraceStack t = s;
    t.frames = {"__schedule+0x2f1", "schedule+0x5e", "rwsem_down_read_slowpath+0x2b0", "xfs_ilock+0x70",
                "xfs_file_buffered_read+0x40", "xfs_file_read_iter+0x6a", "aio_read+0xe6", "io_submit_one+0x4c1"};
    t.sleeps = 3;
    t.offcpu_ns = 120'000;
    r.stacks = {s, t};
    r.lost["sleep_table_full"] = 2;
    r.unfinished = 1;
    return r;
}

std::string text(const TraceReport& r, const report::TraceTextOptions& opts)
{
    std::ostringstream out;
    report::render_trace_text(out, r, opts);
    return out.str();
}

TEST(TraceReportText, Golden)
{
    expect_golden("trace.txt", text(sample_trace(), {}));
}

TEST(TraceReportText, GoldenWithStacksAndHistograms)
{
    expect_golden("trace-stacks-hist.txt",
                  text(sample_trace(), {.histograms = true, .stacks = true, .stacks_per_op = 3}));
}

TEST(TraceReportJson, Golden)
{
    expect_golden("trace.json", report::trace_json(sample_trace()).dump(2) + "\n");
}

TEST(TraceReportFolded, Golden)
{
    std::ostringstream out;
    report::render_folded(out, sample_trace());
    expect_golden("trace.folded", out.str());
}

Capabilities sample_caps()
{
    Capabilities caps = {
        {"priv.bpf", "BPF privileges", CapStatus::yes, "CAP_BPF and CAP_PERFMON (running as root)"},
        {"kernel.btf", "kernel BTF", CapStatus::yes, "/sys/kernel/btf/vmlinux"},
        {"tracefs", "tracefs", CapStatus::warn, "mounted it at /sys/kernel/tracing"},
        {"bpf.tracepoint", "tracepoint programs", CapStatus::yes, "attached to syscalls:sys_enter_io_submit"},
        {"bpf.tp_btf", "tp_btf programs", CapStatus::yes, "attached to raw_syscalls:sys_enter"},
        {"bpf.fentry", "fentry programs", CapStatus::no, "attach to aio_read: Operation not supported (-95)"},
        {"bpf.kprobe", "kprobe programs", CapStatus::no, "attach to aio_read: No such file or directory (-2)"},
        {"bpf.uprobe", "uprobe programs", CapStatus::yes, "attached to aio_audit_uprobe_target"},
        {"aio.io_setup", "io_setup", CapStatus::yes, "io_setup(1) worked"},
        {"uring.setup", "io_uring_setup", CapStatus::unknown, "not tried"},
    };
    // The events the tracepoint backend needs, all there.
    for (const auto ev : tracepoint_backend_events())
        caps.push_back({"tracepoint." + std::string(ev), std::string(ev), CapStatus::yes, "in tracefs"});
    return caps;
}

TEST(DoctorReportText, Golden)
{
    const Capabilities caps = sample_caps();
    std::ostringstream out;
    report::render_doctor_text(out, caps, plan_backend(caps));
    expect_golden("doctor.txt", out.str());
}

TEST(DoctorReportJson, Golden)
{
    const Capabilities caps = sample_caps();
    expect_golden("doctor.json", report::doctor_json(caps, plan_backend(caps)).dump(2) + "\n");
}

}  // namespace
}  // namespace aio::model::trace_report_test
