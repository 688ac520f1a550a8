// SPDX-License-Identifier: GPL-2.0-only
//
// A hand-made TraceReport (trace needs root and BPF, the HTML test does
// not): two ops, completion contexts, histograms, and off-CPU stacks whose
// frames include markup and offsets. Writes OUT/trace.html, OUT/trace.json
// and OUT/trace.folded from it with the renderers `trace` uses, for
// chromium_check.py to compare.
#include <fstream>
#include <iostream>

#include "model/trace_result.h"
#include "report/html_trace.h"
#include "report/json_header.h"
#include "report/trace_report.h"
#include "trace_sample.h"

using namespace aio;

namespace {

model::TraceReport sample()
{
    model::TraceReport r = test::trace_report({});
    r.backend_why = "fentry/fexit refused, no kprobes";
    r.unseen = {"the driver function's own return value", "completions of requests never reaped"};
    r.notes = {"a <note> with \"markup\" & quotes"};
    r.lost["stacks_not_captured"] = 3;

    model::TraceOp blk = test::trace_op("blkdev_read_iter", model::FileKind::block_device, true);
    blk.requests = 200;
    blk.syscalls = 200;
    blk.syscalls_slept = 20;
    blk.completed_in_syscall = 10;
    blk.completed_after = 190;
    blk.slept_in_submission = 20;
    blk.tally.add(model::Verdict::async, 180);
    blk.tally.add(model::Verdict::blocking, 20);
    blk.contexts = {{model::CompletionContext::softirq, 150}, {model::CompletionContext::other_task, 50}};
    for (std::uint64_t v : {3000ul, 5000ul, 9000ul, 9000ul, 70000ul})
        blk.submit.add(v, 40);
    for (std::uint64_t v : {40000ul, 80000ul, 90000ul, 300000ul})
        blk.complete.add(v, 50);
    r.ops.push_back(blk);

    model::TraceOp gadget = test::trace_op("gadget_read_iter", model::FileKind::char_device, false, 240, 0, "", "aio_gadget");
    gadget.requests = 64;
    gadget.syscalls = 64;
    gadget.syscalls_slept = 64;
    gadget.completed_in_call = 64;
    gadget.slept_in_submission = 64;
    gadget.tally.add(model::Verdict::fake_async, 64);
    gadget.contexts = {{model::CompletionContext::hardirq, 64}};
    gadget.submit.add(2'000'000, 64);
    gadget.complete.add(2'100'000, 64);
    r.ops.push_back(gadget);

    auto stack = [&](const model::TraceOp& op, std::vector<std::string> frames, std::uint64_t ns) {
        r.stacks.push_back(test::trace_stack(op, std::move(frames), ns));
    };
    stack(gadget, {"schedule+0x3c", "wait_for_completion+0x90", "gadget_read_iter+0x40 [aio_gadget]",
                   "aio_read+0xd0", "io_submit_one+0x1a0"}, 120'000'000);
    stack(gadget, {"schedule+0x3c", "mutex_lock+0x20", "gadget_read_iter+0x18 [aio_gadget]", "aio_read+0xd0",
                   "io_submit_one+0x1a0"}, 30'000'000);
    stack(blk, {"schedule+0x3c", "io_schedule+0x10", "blk_mq_get_tag+0x120", "blkdev_read_iter+0x80",
                "aio_read+0xd0", "io_submit_one+0x1a0"}, 7'000'000);
    stack(blk, {"schedule+0x3c", "evil<b>&\"'+0x1", "blkdev_read_iter+0x80", "aio_read+0xd0",
                "io_submit_one+0x1a0"}, 1'000'000);
    return r;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: trace_sample OUTDIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    const model::TraceReport r = sample();
    model::RunInfo info;
    info.tool_version = "sample";
    info.subcommand = "trace";
    info.host = "sample-host";
    info.kernel_release = "6.18.0";
    info.machine = "x86_64";
    info.start = std::chrono::system_clock::now();
    info.command_line = {"aio-audit", "trace", "--html", "trace.html", "--", "fio", "job <1>.fio"};
    std::ofstream html(dir + "/trace.html"), json(dir + "/trace.json"), folded(dir + "/trace.folded");
    report::render_trace_html(html, r, report::page_facts(info, "aio-audit trace (hand-made sample report)"));
    json << report::stamped(report::trace_json(r), info).dump(2) << '\n';
    report::render_folded(folded, r);
    html.close();
    json.close();
    folded.close();
    return html && json && folded ? 0 : 1;
}
