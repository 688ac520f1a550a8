// SPDX-License-Identifier: GPL-2.0-only
#include <gtest/gtest.h>

#include <sstream>

#include "report/probe_report.h"

using namespace aio;

namespace {

model::ProbeReport sample_report()
{
    model::ProbeReport r;
    r.elapsed_s = 0.5;
    model::TargetResult t;
    t.label = "/dev/zero";
    t.path = "/dev/zero";
    t.kind = model::FileKind::char_device;
    t.notes.push_back("writes skipped: pass --write to write to this device");

    model::CaseResult read;
    read.engine = "libaio";
    read.op = "read";
    read.mode = "buffered";
    read.size = 4096;
    read.depth = 1;
    read.requests = 4;
    read.completed = 4;
    read.ready_at_return = 4;
    read.ambiguous = 4;
    read.device_reads = 0;
    read.tally.add(model::Verdict::sync, 4);
    read.submit = model::summarize({1000, 1000, 2000, 4000});
    read.complete = read.submit;
    t.cases.push_back(read);

    model::CaseResult direct = read;
    direct.mode = "direct";
    direct.requests = direct.completed = direct.ready_at_return = direct.ambiguous = 0;
    direct.device_reads.reset();
    direct.submit = direct.complete = {};
    direct.tally = {};
    direct.tally.add(model::Verdict::unsupported);
    direct.refused = 1;
    direct.first_error = "open(O_DIRECT): EINVAL: Invalid argument";
    t.cases.push_back(direct);

    model::CaseResult skipped = read;
    skipped.engine = "posix";
    skipped.variant = "nowait";
    skipped.skipped = "posix has no RWF_NOWAIT";
    t.cases.push_back(skipped);

    r.targets.push_back(t);
    model::TargetResult missing;
    missing.label = "/nope";
    missing.error = "/nope: ENOENT: No such file or directory";
    r.targets.push_back(missing);
    return r;
}

}  // namespace

TEST(ProbeReportText, Golden)
{
    std::ostringstream out;
    report::render_probe_text(out, sample_report());
    const std::string expected =
        "Measured from user space: submission time, the completion ring right after submission\n"
        "returned, voluntary context switches, helper threads. The completion's context is not\n"
        "visible here (a fake-async driver shows as blocking); `aio-audit trace` sees it.\n"
        "\n"
        "/dev/zero  [char device]\n"
        "  note: writes skipped: pass --write to write to this device\n"
        "OP           MODE      ENGINE  N  READY  SLEPT  DEV  SUBMIT p50    p99  DONE p50    p99  VERDICT      NOTES\n"
        "read         buffered  libaio  4   100%     0%   0%       1.0µs  4.0µs     1.0µs  4.0µs  sync         inline?\n"
        "read         direct    libaio  0      -      -    -           -      -         -      -  unsupported  "
        "open(O_DIRECT): EINVAL: Invalid argument\n"
        "read+nowait  buffered  posix   -      -      -    -           -      -         -      -  -            "
        "skipped: posix has no RWF_NOWAIT\n"
        "\n"
        "/nope\n"
        "  error: /nope: ENOENT: No such file or directory\n"
        "\n"
        "Notes:\n"
        "  inline?    complete when submission returned, without sleeping: an inline copy or a device fast "
        "enough to interrupt first; `aio-audit trace` tells which\n"
        "  refused    requests failed with EINVAL/EOPNOTSUPP (counted as unsupported)\n"
        "\n"
        "Columns: READY = completion already posted when submission returned; SLEPT = the submitter\n"
        "slept (voluntary context switch) inside the submitting call; DEV = reads for which the submitter\n"
        "itself made the block layer read (the request reached the device); DONE = submission to completion.\n"
        "\n"
        "3 cases in 0.50s: 1 unsupported, 1 sync (1 skipped)\n";
    EXPECT_EQ(out.str(), expected);
}

TEST(ProbeReportJson, CarriesEveryFact)
{
    const auto j = report::probe_json(sample_report());
    ASSERT_EQ(j["targets"].size(), 2u);
    const auto& c = j["targets"][0]["cases"][0];
    EXPECT_EQ(c["verdict"], "sync");
    EXPECT_EQ(c["shares"]["sync"], 1.0);
    EXPECT_EQ(c["ready_at_return"], 4);
    EXPECT_EQ(c["submit_ns"]["p50"], 1000);
    EXPECT_EQ(c["submit_ns"]["log2_hist"].size(), 12u);  // slots 0..11, 4000 ns in slot 11
    EXPECT_EQ(j["targets"][0]["cases"][1]["verdict"], "unsupported");
    EXPECT_TRUE(j["targets"][0]["cases"][2]["verdict"].is_null());
    EXPECT_TRUE(j["targets"][0]["cases"][1]["device_reads"].is_null());
    EXPECT_EQ(j["targets"][1]["error"], "/nope: ENOENT: No such file or directory");
}
