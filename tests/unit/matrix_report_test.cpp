// SPDX-License-Identifier: GPL-2.0-only
//
// `matrix`'s renderers against golden strings, and its JSON read back: the
// document --compare and --load read must carry every count.
#include <gtest/gtest.h>

#include <sstream>

#include "model/errors.h"
#include "model/run_info.h"
#include "model/latency.h"
#include "report/html_matrix.h"
#include "report/json_header.h"
#include "report/matrix_report.h"

namespace matrix_report_test {

using namespace aio::model;
using namespace aio::report;

namespace {

MatrixReport sample()
{
    MatrixReport r;
    r.kernel_release = "6.18.0-test";
    r.machine = "x86_64";
    r.host = "box";
    r.started = "2026-12-01T00:00:00.000000Z";
    r.requests = 64;
    r.elapsed_s = 12.5;

    MatrixFs fs;
    fs.id = "ext4";
    fs.fstype = "ext4";
    fs.mkfs = "mkfs.ext4 -q";
    fs.why = "defaults";
    fs.backing = "loop device, direct I/O to an image on ext4";
    fs.block_size = 4096;
    fs.sector_size = 512;
    fs.elapsed_s = 3.3;

    MatrixScenario append;
    append.id = "direct/append/block/q1";
    append.op = "append";
    append.mode = "direct";
    append.size_of = "block";
    append.size = 4096;
    append.depth = 1;
    append.fsqual = "fsqual 1";
    MatrixCell libaio;
    libaio.engine = "libaio";
    libaio.tally.add(Verdict::blocking, 64);
    libaio.requests = libaio.completed = 64;
    libaio.switches_per_io = 1.0;
    libaio.submit = summarize({900, 1500, 1800, 70000});
    libaio.complete = summarize({1200, 2100, 2500, 90000});
    MatrixCell uring;
    uring.engine = "io_uring";
    uring.tally.add(Verdict::async, 56);
    uring.tally.add(Verdict::blocking, 8);
    uring.requests = uring.completed = 64;
    uring.switches_per_io = 0.125;
    append.cells = {libaio, uring};

    MatrixScenario nowait;
    nowait.id = "direct/fill-holes/block/q1/nowait";
    nowait.op = "fill-holes";
    nowait.mode = "direct";
    nowait.size_of = "block";
    nowait.size = 4096;
    nowait.nowait = true;
    nowait.fsqual = "fsqual nowait";
    MatrixCell n1;
    n1.engine = "libaio";
    n1.tally.add(Verdict::async, 64);
    n1.requests = 64;
    n1.completed = 64;
    n1.eagain = 64;
    n1.switches_per_io = 0.0;
    MatrixCell n2;
    n2.engine = "io_uring";
    n2.skipped = "not run";
    nowait.cells = {n1, n2};

    fs.scenarios = {append, nowait};
    r.file_systems.push_back(fs);

    MatrixFs f2fs;
    f2fs.id = "f2fs";
    f2fs.fstype = "f2fs";
    f2fs.skipped = "mkfs.f2fs is not installed";
    r.file_systems.push_back(f2fs);
    return r;
}

}  // namespace

TEST(MatrixReport, CellText)
{
    const auto r = sample();
    const auto& s = r.file_systems[0].scenarios;
    EXPECT_EQ(cell_text(s[0], s[0].cells[0]), "blocking (1.00)");
    EXPECT_EQ(cell_text(s[0], s[0].cells[1]), "async 88%, blocking 12% (0.12)");
    EXPECT_EQ(cell_text(s[1], s[1].cells[0]), "async (0.00) EAGAIN 100%");
    EXPECT_EQ(cell_text(s[1], s[1].cells[1]), "-");
    EXPECT_EQ(scenario_label(s[1]), "fill holes +nowait");
}

TEST(MatrixReport, MarkdownGolden)
{
    std::ostringstream out;
    render_matrix_markdown(out, sample());
    const std::string text = out.str();
    EXPECT_NE(
        text.find(
            "Kernel **6.18.0-test** (x86_64) on box, 2026-12-01T00:00:00.000000Z; 64 requests per cell."),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find("\n## ext4\n\nDefaults. Made with `mkfs.ext4 -q`, mounted with default options, on loop device, direct I/O "
                  "to an image on ext4; block 4096 B, O_DIRECT granularity 512 B; 3.3 s.\n"),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find(
            "| scenario | size | depth | fsqual | libaio | io_uring |\n"
            "| --- | ---: | ---: | --- | --- | --- |\n"
            "| append | 4096 (block) | 1 | fsqual 1 | blocking (1.00) | async 88%, blocking 12% (0.12) |\n"
            "| fill holes +nowait | 4096 (block) | 1 | fsqual nowait | async (0.00) EAGAIN 100% | - |\n"
            "\n- fill holes +nowait (4096, depth 1), io_uring: not run: not run\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("Not made here: f2fs (mkfs.f2fs is not installed)."), std::string::npos) << text;
}

TEST(MatrixReport, JsonRoundTrip)
{
    const auto r = sample();
    RunInfo info;
    info.kernel_release = "other";  // the header of a later command
    info.subcommand = "matrix";
    const auto doc = stamped(matrix_json(r), info);
    const auto back = matrix_from_json(nlohmann::json::parse(doc.dump()));
    EXPECT_EQ(back.kernel_release, "6.18.0-test");  // the run's own, not the header's
    EXPECT_EQ(back.requests, 64u);
    ASSERT_EQ(back.file_systems.size(), 2u);
    EXPECT_EQ(back.file_systems[1].skipped, "mkfs.f2fs is not installed");
    const auto& s = back.file_systems[0].scenarios;
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].cells[1].tally.count(Verdict::blocking), 8u);
    EXPECT_EQ(s[0].cells[1].tally.count(Verdict::async), 56u);
    EXPECT_DOUBLE_EQ(*s[0].cells[1].switches_per_io, 0.125);
    EXPECT_EQ(s[1].cells[0].eagain, 64u);
    EXPECT_TRUE(s[1].nowait);
    EXPECT_EQ(s[1].cells[1].skipped, "not run");
    // The same document renders the same way.
    std::ostringstream a, b;
    render_matrix_markdown(a, r);
    render_matrix_markdown(b, back);
    EXPECT_EQ(a.str(), b.str());
    EXPECT_TRUE(compare(r, back).changes.empty());
}

TEST(MatrixReport, CellLatenciesRoundTrip)
{
    const auto r = sample();
    const auto doc = matrix_json(r);
    const auto& jc = doc["matrix"]["file_systems"][0]["scenarios"][0]["cells"][0];
    EXPECT_EQ(jc["submit_ns"]["count"], 4u);
    EXPECT_EQ(jc["submit_ns"]["log2_hist"], nlohmann::json::parse("[0,0,0,0,0,0,0,0,0,1,2,0,0,0,0,0,1]"));
    const auto back = matrix_from_json(nlohmann::json::parse(doc.dump()));
    const auto& c = back.file_systems[0].scenarios[0].cells[0];
    EXPECT_EQ(c.submit.hist.slots(), r.file_systems[0].scenarios[0].cells[0].submit.hist.slots());
    EXPECT_EQ(c.complete.hist.slots(), r.file_systems[0].scenarios[0].cells[0].complete.hist.slots());
    EXPECT_EQ(c.complete.p99, 90000u);
    EXPECT_EQ(c.submit.count, 4u);
}

// Documents written before cells kept latencies load, draw and compare.
TEST(MatrixReport, DocumentsWithoutLatenciesStillLoadAndCompare)
{
    const auto r = sample();
    auto doc = matrix_json(r);
    for (auto& fs : doc["matrix"]["file_systems"])
        for (auto& sc : fs["scenarios"])
            for (auto& c : sc["cells"]) {
                c.erase("submit_ns");
                c.erase("complete_ns");
            }
    const auto old = matrix_from_json(doc);
    EXPECT_EQ(old.file_systems[0].scenarios[0].cells[0].submit.count, 0u);
    EXPECT_EQ(old.file_systems[0].scenarios[0].cells[0].complete.hist.count(), 0u);
    const auto cmp = compare(old, r);
    EXPECT_EQ(cmp.cells_compared, 3u);
    EXPECT_TRUE(cmp.changes.empty());
    std::ostringstream html;
    render_matrix_html(html, old, {});
    EXPECT_NE(html.str().find("no latencies: the document was written before matrix kept them"), std::string::npos);
    EXPECT_EQ(html.str().find("class=\"bar submit\""), std::string::npos);
}

TEST(MatrixReport, HtmlDrawsEachMeasuredCellsLatencies)
{
    std::ostringstream out;
    render_matrix_html(out, sample(), {});
    const std::string html = out.str();
    // One latency box per measured cell (the skipped one has none), the
    // libaio append cell's with one bar per non-empty slot of each series.
    for (const char* cell : {"0.0.libaio", "0.0.io_uring", "0.1.libaio"})
        EXPECT_NE(html.find(std::string("<div class=\"cell\" data-cell=\"") + cell + "\""), std::string::npos)
            << cell;
    EXPECT_EQ(html.find("data-cell=\"0.1.io_uring\""), std::string::npos);
    const auto box = html.find("<div class=\"cell\" data-cell=\"0.0.libaio\"");
    const auto end = html.find("</figure>", box);
    const std::string fig = html.substr(box, end - box);
    for (const char* bar : {"data-series=\"submission\" data-slot=\"9\" data-count=\"1\"",
                            "data-series=\"submission\" data-slot=\"10\" data-count=\"2\"",
                            "data-series=\"submission\" data-slot=\"16\" data-count=\"1\"",
                            "data-series=\"completion\" data-slot=\"10\" data-count=\"1\"",
                            "data-series=\"completion\" data-slot=\"11\" data-count=\"2\"",
                            "data-series=\"completion\" data-slot=\"16\" data-count=\"1\""})
        EXPECT_NE(fig.find(bar), std::string::npos) << bar << "\n" << fig;
    EXPECT_EQ(html.find("latency histograms: a matrix keeps verdict counts"), std::string::npos);
}

TEST(MatrixReport, MalformedDocumentsAreUsageErrors)
{
    EXPECT_THROW(matrix_from_json(nlohmann::json::parse(R"({"probe": {}})")), aio::UsageError);
    EXPECT_THROW(
        matrix_from_json(nlohmann::json::parse(R"({"matrix": {"file_systems": [{"scenarios": []}]}})")),
        aio::UsageError);
    EXPECT_THROW(
        matrix_from_json(nlohmann::json::parse(
            R"({"matrix": {"file_systems": [{"id": "x", "scenarios": [{"id": "s", "op": "read", "mode": "direct", "size": 1, "depth": 1, "cells": [{"engine": "libaio", "counts": {"speedy": 3}}]}]}]}})")),
        aio::UsageError);
}

TEST(MatrixReport, ComparisonMarkdownAndJson)
{
    auto before = sample();
    before.kernel_release = "6.1.0-test";
    before.file_systems[0].scenarios[0].cells[1].tally = {};
    before.file_systems[0].scenarios[0].cells[1].tally.add(Verdict::async, 64);
    before.file_systems[0].scenarios[0].cells[1].switches_per_io = 0.0;
    const auto after = sample();
    const auto cmp = compare(before, after);
    std::ostringstream out;
    render_comparison_markdown(out, cmp);
    const std::string text = out.str();
    EXPECT_NE(text.find("Before: kernel **6.1.0-test**"), std::string::npos) << text;
    EXPECT_NE(text.find("3 cells measured in both runs; 1 changed."), std::string::npos) << text;
    EXPECT_NE(text.find("| ext4 | append | 4096 (block) | 1 | io_uring | verdict | async (0.00) | async 88%, "
                        "blocking 12% (0.12) |"),
              std::string::npos)
        << text;
    const auto j = comparison_json(cmp)["comparison"];
    EXPECT_EQ(j["before"]["kernel"], "6.1.0-test");
    EXPECT_EQ(j["after"]["kernel"], "6.18.0-test");
    ASSERT_EQ(j["changes"].size(), 1u);
    EXPECT_EQ(j["changes"][0]["kind"], "verdict");
    EXPECT_EQ(j["changes"][0]["after"]["headline"], nlohmann::json::parse(R"(["async", "blocking"])"));
}

}  // namespace matrix_report_test
