// SPDX-License-Identifier: GPL-2.0-only
//
// The rules that read probe's measurements: the headline, --expect with a
// tolerance, when "inline?" matters, O_DIRECT alignment, and the
// conclusions drawn per target and per run.
#include <gtest/gtest.h>

#include "model/probe_rules.h"
#include "probe_samples.h"

namespace probe_rules_test {

using namespace aio;
using namespace aio::test;

namespace {

model::VerdictTally tally(std::vector<std::pair<model::Verdict, unsigned>> counts)
{
    model::VerdictTally t;
    for (const auto& [v, n] : counts)
        t.add(v, n);
    return t;
}

}  // namespace

TEST(ProbeHeadline, NamesEveryVerdictAtOrAboveTheThreshold)
{
    // fsqual's 512-byte fill on ext4: one write in eight allocates a block.
    EXPECT_EQ(model::named_verdicts(tally({{V::async, 56}, {V::blocking, 8}})),
              (std::vector<V>{V::async, V::blocking}));
    EXPECT_EQ(model::named_verdicts(tally({{V::async, 62}, {V::sync, 2}})), (std::vector<V>{V::async}));
    // Exactly the threshold is named, as fsqual says BAD at 0.1.
    EXPECT_EQ(model::named_verdicts(tally({{V::async, 90}, {V::blocking, 10}})),
              (std::vector<V>{V::async, V::blocking}));
    EXPECT_EQ(model::named_verdicts(tally({{V::async, 91}, {V::blocking, 9}})), (std::vector<V>{V::async}));
    // A higher threshold names less; the largest share is always named.
    EXPECT_EQ(model::named_verdicts(tally({{V::async, 56}, {V::blocking, 8}}), 0.5), (std::vector<V>{V::async}));
    EXPECT_EQ(model::named_verdicts(tally({{V::async, 3}, {V::sync, 3}, {V::blocking, 3}}), 0.5),
              (std::vector<V>{V::blocking}));
    EXPECT_TRUE(model::named_verdicts(model::VerdictTally{}).empty());
}

TEST(ProbeExpect, ToleranceCountsEveryDisagreeingRequest)
{
    const auto fill = tally({{V::async, 56}, {V::blocking, 8}});
    // The default fails `--expect async` on 12.5% blocking.
    auto o = model::check_expectation(fill, {V::async});
    EXPECT_FALSE(o.met);
    EXPECT_DOUBLE_EQ(o.disagreeing, 0.125);
    EXPECT_EQ(o.offending, (std::vector<V>{V::blocking}));
    EXPECT_TRUE(model::check_expectation(fill, {V::async}, 0.2).met);
    EXPECT_TRUE(model::check_expectation(fill, {V::async, V::blocking}, 0.0).met);
    // Exactly the tolerance passes; disagreeing verdicts add up.
    EXPECT_TRUE(model::check_expectation(tally({{V::async, 90}, {V::blocking, 10}}), {V::async}).met);
    EXPECT_FALSE(model::check_expectation(tally({{V::async, 88}, {V::blocking, 6}, {V::sync, 6}}), {V::async}).met);
    EXPECT_FALSE(model::check_expectation(tally({{V::async, 63}, {V::sync, 1}}), {V::async}, 0.0).met);
    EXPECT_FALSE(model::check_expectation(model::VerdictTally{}, {V::async}).met);
}

TEST(ProbeExpect, OverARun)
{
    const auto report = sample_report();
    const auto run = model::check_expectation(report, {V::async, V::thread_async});
    // Judged: every case with a tally (13 on ext4, 2 on /dev/null).
    EXPECT_EQ(run.judged, 15u);
    EXPECT_FALSE(run.met());
    std::vector<std::string> failed;
    for (const auto& f : run.failures)
        failed.push_back(f.target->label + " " + f.c->engine + " " + model::op_label(*f.c) + " " + f.c->mode);
    EXPECT_EQ(failed, (std::vector<std::string>{
                          "/mnt libaio append direct", "/mnt libaio fill-holes direct", "/mnt libaio read buffered",
                          "/mnt libaio append buffered", "/mnt libaio fill-holes buffered",
                          "/dev/null libaio read buffered",
                          "/dev/null libaio read direct"}));
}

TEST(ProbeExpect, RequestsUserSpaceCannotTellApartAreNotHeldAgainstAsync)
{
    // 24 of 64 O_DIRECT reads were ready when io_submit returned, without
    // sleeping: an inline copy or a fast device's interrupt, which user
    // space cannot tell apart (DESIGN.md). `--expect async` holds.
    auto report = sample_report();
    auto& ext4 = report.targets[0];
    const auto only = [&](const model::CaseResult& keep) {
        model::ProbeReport r = report;
        r.targets.resize(1);
        r.targets[0].cases = {keep};
        return r;
    };
    const auto& direct_read_uring = ext4.cases[7];
    ASSERT_GT(direct_read_uring.ambiguous, 0u);
    EXPECT_FALSE(model::check_expectation(direct_read_uring.tally, {V::async}).met);
    EXPECT_TRUE(model::check_expectation(only(direct_read_uring), {V::async}).met());
    // Expecting sync, they count as sync, as measured: the 40 async fail it.
    EXPECT_FALSE(model::check_expectation(only(direct_read_uring), {V::sync}).met());
    // Where no device could have posted the completion, ready means inline.
    auto tmpfs = only(direct_read_uring);
    tmpfs.targets[0].memory_only = true;
    EXPECT_FALSE(model::check_expectation(tmpfs, {V::async}).met());
}

TEST(ProbeInline, AmbiguityMattersOnlyWhereADeviceCouldHaveCompletedIt)
{
    const auto ext4 = ext4_target();
    const auto& direct_read_uring = ext4.cases[7];  // 40 async, 24 sync ready at return
    EXPECT_TRUE(model::inline_ambiguity_matters(direct_read_uring, ext4));
    const auto& prealloc = ext4.cases[3];  // 2 of 64 sync: below the threshold either way
    EXPECT_FALSE(model::inline_ambiguity_matters(prealloc, ext4));
    const auto& buffered_append = ext4.cases[5];  // a copy into the page cache
    EXPECT_FALSE(model::inline_ambiguity_matters(buffered_append, ext4));
    auto dsync = buffered_append;
    dsync.variant = "dsync";
    EXPECT_TRUE(model::inline_ambiguity_matters(dsync, ext4));

    const auto null = dev_null_target();  // the kernel's memory devices: no hardware
    EXPECT_FALSE(model::inline_ambiguity_matters(null.cases[0], null));
    auto gadget = null;
    gadget.driver = "aio_gadget";
    gadget.memory_only = false;
    EXPECT_TRUE(model::inline_ambiguity_matters(gadget.cases[0], gadget));
}

TEST(ProbeFacts, ReadNothingAndPageCache)
{
    const auto null = dev_null_target();
    EXPECT_TRUE(model::read_nothing(null.cases[0]));
    EXPECT_FALSE(model::read_nothing(null.cases[1]));  // refused: not a read that returned nothing
    auto c = ext4_target().cases[0];
    EXPECT_FALSE(model::served_by_page_cache(c));
    c.page_cache_fallback = true;
    EXPECT_TRUE(model::served_by_page_cache(c));
    c.mode = "buffered";
    EXPECT_FALSE(model::served_by_page_cache(c));
}

TEST(ProbeDirectIo, AlignmentFromTheRightSource)
{
    using E = model::DirectIoExpectation;
    model::DirectIoFacts btrfs;
    btrfs.device = "/dev/loop2";
    btrfs.device_logical_block = 512;
    btrfs.fs_block = 4096;
    // btrfs: the device takes 512 bytes, but btrfs wants its sector size
    // and serves anything smaller through the page cache.
    auto o = model::direct_io_outlook("btrfs", btrfs, 512);
    EXPECT_EQ(o.expect, E::buffered);
    EXPECT_EQ(o.alignment, 4096u);
    EXPECT_EQ(model::direct_io_outlook("btrfs", btrfs, 8192).expect, E::direct);

    model::DirectIoFacts ext4;
    ext4.statx_offset_align = 512;
    ext4.statx_memory_align = 512;
    ext4.device_logical_block = 512;
    EXPECT_EQ(model::direct_io_outlook("ext4", ext4, 512).expect, E::direct);
    EXPECT_EQ(model::direct_io_outlook("ext4", ext4, 512).source, "statx");
    EXPECT_EQ(model::direct_io_outlook("ext4", ext4, 100).expect, E::refused);

    model::DirectIoFacts old_kernel;  // no STATX_DIOALIGN: the device decides
    old_kernel.device_logical_block = 4096;
    EXPECT_EQ(model::direct_io_outlook("xfs", old_kernel, 512).expect, E::refused);
    EXPECT_EQ(model::direct_io_outlook("xfs", old_kernel, 512).source, "device");
    EXPECT_EQ(model::direct_io_outlook("xfs", model::DirectIoFacts{}, 512).expect, E::unknown);
}

TEST(ProbeConclusion, Ext4)
{
    const auto c = model::conclude(ext4_target());
    ASSERT_EQ(c.engines.size(), 2u);
    const auto& libaio = c.engines[0];
    EXPECT_EQ(libaio.engines, (std::vector<std::string>{"libaio"}));
    EXPECT_FALSE(libaio.never_blocks);
    ASSERT_EQ(libaio.modes.size(), 2u);
    EXPECT_EQ(libaio.modes[0].mode, "direct");
    EXPECT_EQ(libaio.modes[0].usual.named, (std::vector<V>{V::async}));
    EXPECT_EQ(libaio.modes[0].usual.ops,
              (std::vector<std::string>{"read", "fill-prealloc", "fill-holes+nowait"}));
    ASSERT_EQ(libaio.modes[0].exceptions.size(), 2u);
    EXPECT_EQ(libaio.modes[0].exceptions[0].ops, (std::vector<std::string>{"append"}));
    EXPECT_EQ(libaio.modes[0].exceptions[1].named, (std::vector<V>{V::async, V::blocking}));
    EXPECT_DOUBLE_EQ(libaio.modes[0].exceptions[1].minority_high, 0.125);
    EXPECT_EQ(libaio.modes[1].mode, "buffered");
    EXPECT_EQ(libaio.modes[1].usual.named, (std::vector<V>{V::sync}));
    EXPECT_EQ(libaio.nowait_refused, (std::vector<std::string>{"direct fill-holes"}));

    const auto& uring = c.engines[1];
    EXPECT_TRUE(uring.never_blocks);
    EXPECT_FALSE(uring.all_threaded);
    // Every buffered write went to io-wq: said as "buffered write".
    EXPECT_EQ(uring.threaded, (std::vector<std::string>{"direct append", "buffered write"}));
    EXPECT_FALSE(c.nothing_read);
}

TEST(ProbeConclusion, NothingReadAndIdenticalEnginesMerge)
{
    auto t = dev_null_target();
    auto uring = t.cases[0];
    uring.engine = "io_uring";
    t.cases.push_back(uring);
    auto uring_direct = t.cases[1];
    uring_direct.engine = "io_uring";
    t.cases.push_back(uring_direct);
    const auto c = model::conclude(t);
    EXPECT_TRUE(c.nothing_read);
    ASSERT_EQ(c.engines.size(), 1u);
    EXPECT_EQ(c.engines[0].engines, (std::vector<std::string>{"libaio", "io_uring"}));
    EXPECT_EQ(c.unmeasured, 1u);  // posix+nowait was skipped
}

TEST(ProbeConclusion, BottomLine)
{
    const auto b = model::bottom_line(sample_report());
    EXPECT_TRUE(b.measured_anything);
    EXPECT_EQ(b.never_blocked, (std::vector<std::string>{"io_uring"}));
    ASSERT_EQ(b.blocked.size(), 1u);
    EXPECT_EQ(b.blocked[0].engine, "libaio");
    EXPECT_EQ(b.blocked[0].target, "/mnt");
    EXPECT_EQ(b.blocked[0].ops,
              (std::vector<std::string>{"direct append", "direct fill-holes", "buffered read"}));
    EXPECT_EQ(b.failed_targets, 1u);
    EXPECT_EQ(b.unmeasured_cases, 1u);
}

TEST(ProbeNothingToDo, OnlyWhenNoTargetHasACase)
{
    model::ProbeReport r;
    model::TargetResult t;
    t.label = "victim.dat";
    t.kind = model::FileKind::regular;
    t.notes.push_back("none of the requested operations applies to this target");
    r.targets.push_back(t);
    EXPECT_TRUE(model::nothing_to_do(r));
    r.targets.push_back(dev_null_target());
    EXPECT_FALSE(model::nothing_to_do(r));
    model::ProbeReport missing;
    model::TargetResult m;
    m.error = "ENOENT";
    missing.targets.push_back(m);
    EXPECT_FALSE(model::nothing_to_do(missing)) << "a missing target is exit 4, not a usage error";
}

}  // namespace probe_rules_test
