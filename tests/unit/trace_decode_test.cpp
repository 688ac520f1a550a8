// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "collector/ksyms.h"
#include "collector/trace_decode.h"

namespace trace_decode_test {

using namespace aio;

namespace {

const collector::Ksyms& fixture_ksyms()
{
    static const auto k = collector::Ksyms::load(AIO_AUDIT_SOURCE_DIR "/tests/fixtures/kallsyms.txt");
    return k;
}

aio_audit_evidence_key evidence(std::uint8_t ctx, std::uint8_t when, std::uint8_t in_call, std::uint8_t in_sub)
{
    aio_audit_evidence_key k{};
    k.context = ctx;
    k.completed = when;
    k.slept_in_call = in_call;
    k.slept_in_submission = in_sub;
    return k;
}

}  // namespace

TEST(Ksyms, ResolvesFunctionsAndModules)
{
    const auto& k = fixture_ksyms();
    ASSERT_FALSE(k.empty());
    const auto* s = k.exact(0xffffffff817a7860);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, "ext4_file_read_iter");
    EXPECT_EQ(s->module, "");
    const auto* g = k.exact(0xffffffffc0a01000);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->name, "gadget_async_read_iter");
    EXPECT_EQ(g->module, "aio_gadget");
    EXPECT_EQ(k.exact(0xffffffff817a7850), nullptr) << "__pfx_ padding is not a function";
    EXPECT_EQ(k.frame(0xffffffff817a7870), "ext4_file_read_iter+0x10");
    EXPECT_EQ(k.frame(0xffffffffc0a01204), "gadget_async_write_iter+0x4 [aio_gadget]");
    EXPECT_EQ(k.frame(0xffffffff81f10000), "0xffffffff81f10000") << "past a megabyte is not inside schedule";
    EXPECT_EQ(k.address_of("schedule"), 0xffffffff81e00800u);
}

TEST(TraceDecode, DescribesTheOp)
{
    aio_audit_op_key key{};
    key.fn = 0xffffffffc0a01000;
    key.dev = (10u << 20) | 125u;  // misc char device 10:125
    key.ftype = 0020000 >> 12;     // S_IFCHR
    key.kind = AA_KIND_READ;
    key.api = AA_API_KAIO;
    key.flags = AA_OPF_DIRECT;
    const auto op = collector::describe_op(key, fixture_ksyms());
    EXPECT_EQ(op.display(), "gadget_async_read_iter [aio_gadget]");
    EXPECT_EQ(op.file, model::FileKind::char_device);
    EXPECT_EQ(op.dev_major, 10u);
    EXPECT_EQ(op.dev_minor, 125u);
    EXPECT_TRUE(op.direct);
    EXPECT_EQ(op.api, model::Api::kernel_aio);

    aio_audit_op_key none{};
    none.kind = AA_KIND_WRITE;
    EXPECT_EQ(collector::describe_op(none, fixture_ksyms()).display(), "(no write_iter)");
    none.api = AA_API_URING;
    EXPECT_EQ(collector::describe_op(none, fixture_ksyms()).display(), "(io_uring submission)");
}

TEST(TraceDecode, EvidenceBecomesVerdictsThroughTheModel)
{
    model::TraceOp op;
    // fake-async: completed by a kworker inside its own driver call, which slept.
    collector::apply_evidence(op, evidence(AA_CTX_OTHER_TASK, AA_WHEN_IN_DRIVER_CALL, AA_TRI_YES, AA_TRI_YES), 3);
    // async: hardirq after the syscall returned, no sleep.
    collector::apply_evidence(op, evidence(AA_CTX_HARDIRQ, AA_WHEN_AFTER_SYSCALL, AA_TRI_NO, AA_TRI_NO), 6);
    // sync: the submitter, inside the call, no sleep.
    collector::apply_evidence(op, evidence(AA_CTX_SUBMITTER, AA_WHEN_IN_DRIVER_CALL, AA_TRI_NO, AA_TRI_NO), 1);
    EXPECT_EQ(op.tally.count(model::Verdict::fake_async), 3u);
    EXPECT_EQ(op.tally.count(model::Verdict::async), 6u);
    EXPECT_EQ(op.tally.count(model::Verdict::sync), 1u);
    EXPECT_EQ(op.completed_in_call, 4u);
    EXPECT_EQ(op.completed_after, 6u);
    EXPECT_EQ(op.slept_in_call, 3u);
    EXPECT_EQ(op.contexts[model::CompletionContext::other_task], 3u);
    EXPECT_EQ(op.contexts[model::CompletionContext::hardirq], 6u);

    // Tracepoint backend: no context, ring tail says inline, sleep measured.
    model::TraceOp tp;
    collector::apply_evidence(tp, evidence(AA_CTX_UNKNOWN, AA_WHEN_IN_SYSCALL, AA_TRI_UNKNOWN, AA_TRI_YES), 5);
    EXPECT_EQ(tp.tally.dominant(), model::Verdict::blocking);
    EXPECT_TRUE(tp.contexts.empty());

    aio_audit_evidence_key refused{};
    refused.refused = 1;
    collector::apply_evidence(tp, refused, 2);
    EXPECT_EQ(tp.refused, 2u);
    EXPECT_EQ(tp.tally.count(model::Verdict::unsupported), 2u);

    aio_audit_evidence_key punted{};
    punted.punted = 1;
    punted.context = AA_CTX_HELPER_THREAD;
    collector::apply_evidence(tp, punted, 4);
    EXPECT_EQ(tp.punted, 4u);
    EXPECT_EQ(tp.tally.count(model::Verdict::thread_async), 4u);
}

TEST(TraceDecode, NewFactsAreCounted)
{
    model::TraceOp op;
    auto e = evidence(AA_CTX_SUBMITTER, AA_WHEN_IN_DRIVER_CALL, AA_TRI_NO, AA_TRI_NO);
    e.call_slept = AA_TRI_NO;
    e.waited_for_device = AA_TRI_YES;
    collector::apply_evidence(op, e, 4);
    EXPECT_EQ(op.waited_for_device, 4u);
    EXPECT_EQ(op.tally.count(model::Verdict::blocking), 4u);
    auto c = evidence(AA_CTX_HARDIRQ, AA_WHEN_AFTER_SYSCALL, AA_TRI_NO, AA_TRI_NO);
    c.call_slept = AA_TRI_YES;
    collector::apply_evidence(op, c, 3);
    EXPECT_EQ(op.slept_in_submission, 3u) << "a call that slept for the op counts as a sleep in submission";
    EXPECT_EQ(op.tally.count(model::Verdict::blocking), 7u);
    // Ready at return, no context: ambiguous, counted so the report marks it.
    auto a = evidence(AA_CTX_UNKNOWN, AA_WHEN_IN_SYSCALL, AA_TRI_UNKNOWN, AA_TRI_NO);
    a.call_slept = AA_TRI_NO;
    a.waited_for_device = AA_TRI_NO;
    collector::apply_evidence(op, a, 2);
    EXPECT_EQ(op.ambiguous, 2u);
    auto el = a;
    el.context = AA_CTX_ELSEWHERE;
    collector::apply_evidence(op, el, 5);
    EXPECT_EQ(op.ambiguous, 2u);
    EXPECT_EQ(op.contexts[model::CompletionContext::elsewhere], 5u);
    EXPECT_EQ(op.tally.count(model::Verdict::async), 5u);
}

TEST(TraceDecode, StatsAndDriverReturns)
{
    aio_audit_op_stats s{};
    s.requests = 10;
    s.syscalls = 5;
    s.syscalls_slept = 2;
    s.device_io = 4;
    s.ret_queued = 7;
    s.ret_bytes = 3;
    s.submit_hist[10] = 10;
    s.offcpu_hist[20] = 2;
    model::TraceOp op;
    collector::apply_stats(op, s, {false, "the tracepoint backend cannot hook driver functions"});
    EXPECT_EQ(op.requests, 10u);
    EXPECT_EQ(op.syscalls_slept, 2u);
    EXPECT_EQ(op.device_io, 4u);
    EXPECT_FALSE(op.driver_returned.has_value()) << "no hook: the return value was not seen";
    EXPECT_EQ(op.driver_returned_unseen, "the tracepoint backend cannot hook driver functions");
    EXPECT_EQ(op.submit.slot(10), 10u);
    EXPECT_EQ(op.offcpu.count(), 2u);
    model::TraceOp hooked;
    collector::apply_stats(hooked, s, {true, ""});
    ASSERT_TRUE(hooked.driver_returned.has_value());
    EXPECT_EQ(hooked.driver_returned->queued, 7u);
    EXPECT_EQ(hooked.driver_returned->bytes, 3u);
    EXPECT_EQ(hooked.driver_returned->observed(), 10u);
    EXPECT_TRUE(hooked.driver_returned_unseen.empty());
}

// Hooked too late for any of the op's requests: "not observed", never zeros.
TEST(TraceDecode, DriverReturnsHookedTooLateAreNotObserved)
{
    aio_audit_op_stats s{};
    s.requests = 32;
    model::TraceOp op;
    collector::apply_stats(op, s, {true, ""});
    EXPECT_FALSE(op.driver_returned.has_value());
    EXPECT_NE(op.driver_returned_unseen.find("hooked only after"), std::string::npos) << op.driver_returned_unseen;
}

TEST(TraceDecode, DeviceNamesFromSysDev)
{
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("aio-sysdev-" + std::to_string(::getpid()));
    fs::create_directories(root / "dev/block");
    fs::create_directories(root / "dev/char");
    fs::create_symlink("../../devices/virtual/block/loop3", root / "dev/block/7:3");
    fs::create_symlink("../../devices/virtual/mem/zero", root / "dev/char/1:5");
    fs::create_symlink("../../devices/virtual/block/ram5", root / "dev/block/1:5");
    EXPECT_EQ(collector::device_name(model::FileKind::block_device, 7, 3, root), "loop3");
    EXPECT_EQ(collector::device_name(model::FileKind::regular, 7, 3, root), "loop3") << "a file on loop3";
    EXPECT_EQ(collector::device_name(model::FileKind::char_device, 1, 5, root), "zero");
    EXPECT_EQ(collector::device_name(model::FileKind::block_device, 1, 5, root), "ram5")
        << "1:5 is a RAM disk as a block device, /dev/zero as a char device";
    EXPECT_EQ(collector::device_name(model::FileKind::regular, 0, 44, root), "") << "anonymous (tmpfs)";
    fs::remove_all(root);
}

}  // namespace trace_decode_test
