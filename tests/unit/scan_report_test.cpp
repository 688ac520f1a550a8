// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <sstream>

#include "report/scan_report.h"

namespace scan_report_test {

using namespace aio;
using model::Contract;
using model::Verdict;

namespace {

model::FopsReport sample()
{
    model::FopsReport f;
    f.at = {"drivers/demo/demo.c", 42};
    f.name = "demo_fops";
    f.verdict = Verdict::async;
    f.reason = "returns -EIOCBQUEUED at drivers/demo/demo.c:30; completes later: ki_complete() in demo_work";
    f.findings = {Contract::no_cancel};
    model::HandlerReport h;
    h.op = model::OpKind::read_iter;
    h.handler = "demo_read_iter";
    h.definition = {"drivers/demo/demo.c", 20};
    h.verdict = Verdict::async;
    h.evidence.push_back(
        {model::EvidenceKind::queued, {"drivers/demo/demo.c", 30}, "-EIOCBQUEUED", "demo_read_iter", {}});
    h.evidence.push_back({model::EvidenceKind::deferred_completion,
                          {"drivers/demo/demo.c", 12},
                          "ki_complete() (2 arguments) in demo_work (workqueue)",
                          "demo_read_iter ~> demo_work",
                          {}});
    f.handlers.push_back(h);
    model::HandlerReport w = h;
    w.op = model::OpKind::write_iter;
    w.handler = "demo_write_iter";
    w.evidence.clear();
    f.handlers.push_back(w);
    f.uring_cmd = "demo_uring_cmd";
    return f;
}

}  // namespace

TEST(ScanReport, CompilerStyleLine)
{
    std::ostringstream out;
    report::render_scan_line(out, sample(), false);
    EXPECT_EQ(
        out.str(),
        "drivers/demo/demo.c:42: async: demo_fops (read_iter=demo_read_iter, write_iter=demo_write_iter, "
        "uring_cmd=demo_uring_cmd) — returns -EIOCBQUEUED at drivers/demo/demo.c:30; completes later: "
        "ki_complete() in demo_work\n"
        "drivers/demo/demo.c:42: note: no-cancel: demo_fops — completes asynchronously but sets no cancel "
        "function (kiocb_set_cancel_fn; 2.6: ->ki_cancel): io_cancel cannot stop a queued request\n");
}

TEST(ScanReport, VerboseShowsTheEvidenceChain)
{
    model::FopsReport f = sample();
    f.findings.clear();
    std::ostringstream out;
    report::render_scan_line(out, f, true);
    EXPECT_EQ(
        out.str(),
        "drivers/demo/demo.c:42: async: demo_fops (read_iter=demo_read_iter, write_iter=demo_write_iter, "
        "uring_cmd=demo_uring_cmd) — returns -EIOCBQUEUED at drivers/demo/demo.c:30; completes later: "
        "ki_complete() in demo_work\n"
        "    read_iter demo_read_iter (drivers/demo/demo.c:20): async\n"
        "      queued: drivers/demo/demo.c:30: -EIOCBQUEUED  [demo_read_iter]\n"
        "      deferred-completion: drivers/demo/demo.c:12: ki_complete() (2 arguments) in demo_work "
        "(workqueue)"
        "  [demo_read_iter ~> demo_work]\n"
        "    write_iter demo_write_iter (drivers/demo/demo.c:20): async\n");
}

TEST(ScanReport, UnsupportedHasNoHandlerList)
{
    model::FopsReport f;
    f.at = {"x.c", 3};
    f.name = "x_fops";
    f.verdict = Verdict::unsupported;
    f.reason = "no read_iter/write_iter";
    std::ostringstream out;
    report::render_scan_line(out, f, false);
    EXPECT_EQ(out.str(), "x.c:3: unsupported: x_fops — no read_iter/write_iter\n");
}

TEST(ScanReport, Summary)
{
    std::vector<model::FopsReport> fops = {sample(), sample()};
    fops[1].verdict = Verdict::fake_async;
    fops[1].at.file = "other.c";
    fops[1].findings = {Contract::no_cancel, Contract::double_completion};
    std::ostringstream out;
    report::render_scan_summary(out, model::summarize(fops));
    EXPECT_EQ(out.str(),
              "summary: 2 file_operations in 2 files: 1 async, 0 odirect-async, 0 sync, 0 blocking, "
              "1 fake-async, 0 unsupported, 0 unknown; 3 contract findings (1 double-completion, "
              "2 no-cancel)\n");
}

TEST(ScanReport, Json)
{
    const std::vector<model::FopsReport> fops = {sample()};
    const auto j = report::scan_json(fops, model::summarize(fops), {"x.c: binary file (NUL bytes), skipped"});
    EXPECT_EQ(j["summary"]["verdicts"]["async"], 1);
    EXPECT_EQ(j["summary"]["contract_findings"]["no-cancel"], 1);
    const auto& f = j["file_operations"][0];
    EXPECT_EQ(f["file"], "drivers/demo/demo.c");
    EXPECT_EQ(f["line"], 42);
    EXPECT_EQ(f["verdict"], "async");
    EXPECT_EQ(f["uring_cmd"], "demo_uring_cmd");
    EXPECT_EQ(f["findings"][0], "no-cancel");
    EXPECT_EQ(f["handlers"][0]["op"], "read_iter");
    EXPECT_EQ(f["handlers"][0]["definition"]["line"], 20);
    EXPECT_EQ(f["handlers"][0]["evidence"][1]["kind"], "deferred-completion");
    EXPECT_EQ(f["handlers"][0]["evidence"][1]["chain"], "demo_read_iter ~> demo_work");
    EXPECT_EQ(f["handlers"][0]["facts"]["other"]["queues"], false);
    EXPECT_TRUE(f["condition"].is_null());
    EXPECT_TRUE(f["otherwise"].is_null());
    EXPECT_EQ(f["resolved"], true);
    EXPECT_TRUE(f["unresolved"].empty());
    EXPECT_EQ(f["struct"], "file_operations");
    EXPECT_EQ(j["warnings"][0], "x.c: binary file (NUL bytes), skipped");
}

TEST(ScanReport, ConditionsMaySleepAndUnseenCode)
{
    model::FopsReport f = sample();
    f.findings.clear();
    f.verdict = Verdict::odirect_async;
    f.condition = "o_direct";
    f.otherwise = Verdict::blocking;
    auto& h = f.handlers[0];
    h.verdict = Verdict::odirect_async;
    h.condition = "o_direct";
    h.otherwise = Verdict::blocking;
    h.evidence[0].condition = "o_direct";
    h.evidence.push_back({model::EvidenceKind::lock_wait,
                          {"drivers/demo/demo.c", 25},
                          "mutex_lock(&d->lock)",
                          "demo_read_iter",
                          {}});
    h.unresolved.push_back({"demo_helper", {"drivers/demo/demo.c", 26}, "demo_read_iter"});
    h.facts.resolved = false;
    f.handlers.resize(1);

    std::ostringstream out;
    report::render_scan_line(out, f, true);
    EXPECT_EQ(out.str(),
              "drivers/demo/demo.c:42: odirect-async (O_DIRECT only; buffered: blocking): demo_fops "
              "(read_iter=demo_read_iter, uring_cmd=demo_uring_cmd) — returns -EIOCBQUEUED at "
              "drivers/demo/demo.c:30; completes later: ki_complete() in demo_work\n"
              "    read_iter demo_read_iter (drivers/demo/demo.c:20): odirect-async (O_DIRECT only; buffered: "
              "blocking)\n"
              "      queued: drivers/demo/demo.c:30: -EIOCBQUEUED  (O_DIRECT only)  [demo_read_iter]\n"
              "      deferred-completion: drivers/demo/demo.c:12: ki_complete() (2 arguments) in demo_work "
              "(workqueue)  [demo_read_iter ~> demo_work]\n"
              "      lock-wait: drivers/demo/demo.c:25: mutex_lock(&d->lock)  [demo_read_iter]\n"
              "      unresolved: drivers/demo/demo.c:26: demo_helper is not in the scanned paths  [demo_read_iter]\n");

    const std::vector<model::FopsReport> fops = {f};
    const auto j = report::scan_json(fops, model::summarize(fops), {});
    const auto& jf = j["file_operations"][0];
    EXPECT_EQ(jf["verdict"], "odirect-async");
    EXPECT_EQ(jf["condition"], "o_direct");
    EXPECT_EQ(jf["otherwise"], "blocking");
    EXPECT_EQ(jf["resolved"], false);
    EXPECT_EQ(jf["unresolved"][0]["name"], "demo_helper");
    EXPECT_EQ(jf["unresolved"][0]["line"], 26);
    const auto& jh = jf["handlers"][0];
    EXPECT_EQ(jh["condition"], "o_direct");
    EXPECT_EQ(jh["otherwise"], "blocking");
    // May-sleep facts are their own category, not evidence for the verdict.
    ASSERT_EQ(jh["may_sleep"].size(), 1u);
    EXPECT_EQ(jh["may_sleep"][0]["kind"], "lock-wait");
    for (const auto& e : jh["evidence"])
        EXPECT_NE(e["kind"], "lock-wait");
    EXPECT_EQ(jh["evidence"][0]["condition"], "o_direct");
}

}  // namespace scan_report_test
