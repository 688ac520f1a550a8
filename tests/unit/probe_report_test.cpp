// SPDX-License-Identifier: GPL-2.0-only
//
// Golden tests for `probe`'s renderers: the conclusion each target starts
// with, the table, the notes, the bottom line, and the JSON document.
#include <gtest/gtest.h>

#include <sstream>

#include "report/probe_conclusion.h"
#include "report/probe_report.h"
#include "probe_samples.h"

namespace probe_report_test {

using namespace aio;

using namespace aio::test;

TEST(ProbeReportText, Golden)
{
    std::ostringstream out;
    report::render_probe_text(out, sample_report());
    const std::string expected = R"golden(/mnt  [temp file on ext4 (/dev/loop0), removed after]
  ext4 on loop0: libaio O_DIRECT is async except appends, which block, and hole fills, of which 12%
  block; buffered I/O completes inline except reads, which block; RWF_NOWAIT gets EAGAIN for
  O_DIRECT hole fills (100%). io_uring never blocks the caller (io-wq threads take O_DIRECT appends,
  buffered writes).
OP                 MODE      ENGINE     N  READY  SLEPT   DEV  SUBMIT p50     p99  DONE p50    p99  VERDICT                  NOTES
read               direct    libaio    64     0%     0%     -      20.0µs  20.0µs     150µs  150µs  async
append             direct    libaio    64   100%   100%     -      20.0µs  20.0µs     150µs  150µs  blocking
fill-holes         direct    libaio    64    12%    12%     -      20.0µs  20.0µs     150µs  150µs  88% async, 12% blocking
fill-prealloc      direct    libaio    64     3%     0%     -      20.0µs  20.0µs     150µs  150µs  async (3% sync)
read               buffered  libaio    64   100%   100%  100%      20.0µs  20.0µs     150µs  150µs  blocking
append             buffered  libaio    64   100%     0%     -      20.0µs  20.0µs     150µs  150µs  sync
fill-holes         buffered  libaio    64   100%     0%     -      20.0µs  20.0µs     150µs  150µs  sync
read               direct    io_uring  64    38%     0%     -      20.0µs  20.0µs     150µs  150µs  62% async, 38% sync      inline?
append             direct    io_uring  64     0%     0%     -      20.0µs  20.0µs     150µs  150µs  thread-async             helpers:1
read               buffered  io_uring  64     0%     0%     -      20.0µs  20.0µs     150µs  150µs  async
append             buffered  io_uring  64     0%     0%     -      20.0µs  20.0µs     150µs  150µs  thread-async             helpers:1
fill-holes         buffered  io_uring  64     0%     0%     -      20.0µs  20.0µs     150µs  150µs  thread-async             helpers:1
fill-holes+nowait  direct    libaio    64     0%     0%     -      20.0µs  20.0µs     150µs  150µs  async                    EAGAIN 100%

/dev/null  [char device, driver mem]
  /dev/null: libaio O_DIRECT reads are refused; buffered reads complete inline. Every read returned
  0 bytes (end of file): nothing was read, so the verdicts only say the call returned at once. 1
  case was not measured (see the table).
  note: writes skipped: pass --write to write to this device
OP           MODE      ENGINE  N  READY  SLEPT  DEV  SUBMIT p50     p99  DONE p50    p99  VERDICT      NOTES
read         buffered  libaio  4   100%     0%   0%      20.0µs  20.0µs     150µs  150µs  sync         EOF: nothing read
read         direct    libaio  0      -      -    -           -       -         -      -  unsupported  open(O_DIRECT): EINVAL: Invalid argument
read+nowait  buffered  posix   -      -      -    -           -       -         -      -  -            skipped: posix has no RWF_NOWAIT

/nope
  error: /nope: ENOENT: No such file or directory

Notes:
  EAGAIN     RWF_NOWAIT refused this share with EAGAIN (would have blocked); each was retried at
             once without it, and the verdict is that of the retries
  EOF        every read returned 0 bytes (end of file): nothing was read, the call only returned
  helpers    threads of this process (io-wq workers, glibc AIO helpers) did the I/O
  inline?    complete when submission returned, without sleeping: an inline copy or a device fast
             enough to interrupt first, and the verdict depends on which; `aio-audit trace` tells
             them apart
  refused    requests failed with EINVAL/EOPNOTSUPP (counted as unsupported)

Measured from user space. READY = the completion was already posted when the submitting call
returned; SLEPT = the submitter slept (a voluntary context switch) inside that call; DEV = reads for
which the submitter itself made the block layer read (the request reached the device); DONE =
submission to completion. The completion's context is not visible from here (a fake-async driver
shows as blocking); `aio-audit trace` sees it.
Each case: 64 requests of 4 KiB, one per submitting call. A verdict is named when at least 10% of a
case's requests got it.

Bottom line: io_uring never blocked the caller; libaio blocked on /mnt (ext4): O_DIRECT appends and
hole fills, buffered reads. Not measured: 1 target and 1 case (see above).
)golden";
    EXPECT_EQ(out.str(), expected) << out.str();
}

// `probe .` is labelled with the directory's absolute name: the heading says
// it once, not "/abs = .".
TEST(ProbeReportText, TargetNamedOnceWhenTheLabelIsThePath)
{
    model::TargetResult t;
    t.kind = model::FileKind::directory;
    t.label = "/home/me/src";
    t.path = ".";
    EXPECT_EQ(report::target_name(t), "/home/me/src");
    t.path = "./";
    EXPECT_EQ(report::target_name(t), "/home/me/src");
    t.label = "tmpfs";
    t.path = "/dev/shm/aio-audit.x";
    EXPECT_EQ(report::target_name(t), "tmpfs = /dev/shm/aio-audit.x");
    t.label = "/dev/zero";
    t.path = "/dev/zero";
    EXPECT_EQ(report::target_name(t), "/dev/zero");
}

TEST(ProbeReportText, HeadlineColumn)
{
    model::VerdictTally t;
    EXPECT_EQ(report::format_headline(t), "-");
    t.add(V::async, 62);
    EXPECT_EQ(report::format_headline(t), "async");
    t.add(V::sync, 2);
    EXPECT_EQ(report::format_headline(t), "async (3% sync)");
    t.add(V::blocking, 8);
    EXPECT_EQ(report::format_headline(t), "86% async, 11% blocking (3% sync)");
    EXPECT_EQ(report::format_headline(t, 0.5), "async (11% blocking, 3% sync)");
}

TEST(ProbeReportText, ConclusionsInOtherShapes)
{
    // tmpfs: one engine completes everything inline, two hand it all to threads.
    model::TargetResult tmpfs;
    tmpfs.label = "/dev/shm";
    tmpfs.kind = model::FileKind::directory;
    tmpfs.fstype = "tmpfs";
    tmpfs.source = "tmpfs";
    tmpfs.memory_only = true;
    for (const char* mode : {"buffered", "direct"}) {
        for (const char* op : {"read", "overwrite"}) {
            tmpfs.cases.push_back(make_case("libaio", op, mode, {{V::sync, 64}}));
            tmpfs.cases.push_back(make_case("io_uring", op, mode, {{V::thread_async, 64}}));
            tmpfs.cases.push_back(make_case("posix", op, mode, {{V::thread_async, 64}}));
            if (std::string(mode) == "direct")
                tmpfs.cases.back().page_cache_fallback = true;
        }
    }
    EXPECT_EQ(report::conclusion_text(tmpfs, model::conclude(tmpfs)),
              "tmpfs: libaio completes inline. io_uring and POSIX AIO never block the caller: helper threads do "
              "all of it. O_DIRECT I/O went through the page cache.");

    // A block device read only, in both modes.
    model::TargetResult dev;
    dev.label = "/dev/loop3";
    dev.kind = model::FileKind::block_device;
    dev.cases.push_back(make_case("libaio", "read", "direct", {{V::async, 64}}));
    dev.cases.push_back(make_case("libaio", "read", "buffered", {{V::blocking, 60}, {V::sync, 4}}));
    EXPECT_EQ(report::conclusion_text(dev, model::conclude(dev)),
              "/dev/loop3: libaio O_DIRECT reads are async; buffered reads block.");

    model::TargetResult none;
    none.label = "/x";
    EXPECT_EQ(report::conclusion_text(none, model::conclude(none)), "");
}

TEST(ProbeReportText, BottomLines)
{
    model::BottomLine b;
    EXPECT_EQ(report::bottom_line_text(b), "Nothing was measured.");
    b.failed_targets = 2;
    EXPECT_EQ(report::bottom_line_text(b), "Nothing was measured: every target failed (see above).");
    b = {};
    b.measured_anything = true;
    b.never_blocked = {"io_uring", "posix"};
    b.blocked.push_back({"libaio", ".", "ext4", {"buffered read", "direct append+dsync"}});
    b.blocked.push_back({"libaio", "/dev/vdb", "", {"buffered read"}});
    EXPECT_EQ(report::bottom_line_text(b),
              "io_uring and POSIX AIO never blocked the caller; libaio blocked on . (ext4): buffered reads, "
              "O_DIRECT O_DSYNC appends; on /dev/vdb: buffered reads.");
}

TEST(ProbeReportText, ExpectAndNothingToDoLines)
{
    const auto report = sample_report();
    const auto run = model::check_expectation(report, {V::async});
    ASSERT_FALSE(run.failures.empty());
    EXPECT_EQ(report::expect_failure_line("async", run.failures[1], 0.1),
              "expected async: /mnt fill-holes direct libaio is 88% async, 12% blocking (12% disagree, tolerance "
              "10%)");

    model::ProbeReport nothing;
    model::TargetResult t;
    t.label = "victim.dat";
    t.notes = {"writes skipped: aio-audit never writes to a file it did not create",
               "none of the requested operations applies to this target"};
    nothing.targets.push_back(t);
    EXPECT_EQ(report::nothing_to_do_line(nothing),
              "nothing to do: victim.dat: writes skipped: aio-audit never writes to a file it did not create; none "
              "of the requested operations applies to this target");
}

TEST(ProbeReportJson, CarriesEveryFactAndTheConclusions)
{
    const auto j = report::probe_json(sample_report());
    EXPECT_EQ(j["threshold"], 0.1);
    ASSERT_EQ(j["targets"].size(), 3u);
    const auto& mnt = j["targets"][0];
    EXPECT_EQ(mnt["conclusion"]["text"].get<std::string>().rfind("ext4 on loop0: libaio O_DIRECT is async", 0), 0u);
    EXPECT_EQ(mnt["conclusion"]["engines"][1]["never_blocks"], true);
    const auto& fill = mnt["cases"][2];
    EXPECT_EQ(fill["op"], "fill-holes");
    EXPECT_EQ(fill["verdict"], "async");
    EXPECT_EQ(fill["headline"], nlohmann::json::array({"async", "blocking"}));
    EXPECT_EQ(fill["shares"]["blocking"], 0.125);
    EXPECT_EQ(fill["depth_kind"], "batch");
    EXPECT_EQ(mnt["cases"][7]["inline_uncertain"], true);
    EXPECT_EQ(mnt["cases"][3]["inline_uncertain"], false);
    const auto& nowait = mnt["cases"][12];
    EXPECT_EQ(nowait["eagain"], 64);
    EXPECT_EQ(nowait["submit_calls"], 128);
    EXPECT_EQ(nowait["ctxsw_per_io"], 0.0);
    EXPECT_EQ(mnt["cases"][0]["submit_ns"]["p50"], 20000);
    EXPECT_TRUE(mnt["cases"][0]["dio"].is_null());

    const auto& null = j["targets"][1];
    EXPECT_EQ(null["driver"], "mem");
    EXPECT_EQ(null["memory_only"], true);
    EXPECT_EQ(null["cases"][0]["read_nothing"], true);
    EXPECT_EQ(null["cases"][1]["verdict"], "unsupported");
    EXPECT_TRUE(null["cases"][2]["verdict"].is_null());
    EXPECT_TRUE(null["cases"][1]["device_reads"].is_null());
    EXPECT_EQ(j["targets"][2]["error"], "/nope: ENOENT: No such file or directory");

    EXPECT_EQ(j["bottom_line"]["never_blocked"], nlohmann::json::array({"io_uring"}));
    EXPECT_EQ(j["bottom_line"]["blocked"][0]["ops"],
              nlohmann::json::array({"direct append", "direct fill-holes", "buffered read"}));
}

}  // namespace probe_report_test
