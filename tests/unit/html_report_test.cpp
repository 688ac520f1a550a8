// SPDX-License-Identifier: GPL-2.0-only
//
// The HTML renderer's pieces: escaping, the numbers SVG attributes carry,
// histogram bars proportional to the slots, share bars, and the flame
// graph's layout (widths and nesting from the stacks). Whole reports are
// opened in Chromium by tests/html.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "report/html_flame.h"
#include "report/html_histogram.h"
#include "report/html_page.h"
#include "report/html_probe.h"
#include "report/html_scan.h"
#include "report/html_share_bar.h"
#include "report/html_svg.h"
#include "report/html_trace.h"

namespace html_report_test {

using namespace aio;
using report::FlameFrame;

namespace {

// Every value of `attr` on elements whose text matches `element_re`, in order.
std::vector<std::map<std::string, std::string>> elements(const std::string& html, const std::string& tag,
                                                         const std::string& cls)
{
    std::vector<std::map<std::string, std::string>> out;
    const std::regex el("<" + tag + " class=\"" + cls + "[^\"]*\"([^>]*)>");
    const std::regex attr(R"re(([a-z-]+)="([^"]*)")re");
    for (std::sregex_iterator it(html.begin(), html.end(), el), end; it != end; ++it) {
        std::map<std::string, std::string> attrs;
        const std::string body = (*it)[0];
        for (std::sregex_iterator a(body.begin(), body.end(), attr); a != end; ++a)
            attrs[(*a)[1]] = (*a)[2];
        out.push_back(attrs);
    }
    return out;
}

report::PageFacts facts()
{
    report::PageFacts f;
    f.title = "aio-audit test";
    f.host = "host<1>";
    f.kernel = "6.18.0 x86_64";
    f.started = "2026-12-02T03:00:00.000000Z";
    f.command_line = "aio-audit probe '<x>'";
    return f;
}

}  // namespace

TEST(HtmlEscape, EscapesMarkupAndQuotes)
{
    EXPECT_EQ(report::html_escape(R"(<a href="x">Tom & 'Jerry'</a>)"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
    EXPECT_EQ(report::html_escape("plain_name+0x10"), "plain_name+0x10");
}

TEST(HtmlEscape, KeepsValidUtf8AndReplacesEverythingElse)
{
    EXPECT_EQ(report::html_escape("41.2µs ✓ 𝄞"), "41.2µs ✓ 𝄞");
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(report::html_escape("a\xFF" "b"), "a" + fffd + "b");            // not a lead byte
    EXPECT_EQ(report::html_escape("a\xC3"), "a" + fffd);                      // cut short
    EXPECT_EQ(report::html_escape("\xC0\xAF"), fffd + fffd);                  // overlong '/'
    EXPECT_EQ(report::html_escape("\xED\xA0\x80"), fffd + fffd + fffd);       // a surrogate
    EXPECT_EQ(report::html_escape(std::string("a\0b\x1b", 4)), "a" + fffd + "b" + fffd);
    EXPECT_EQ(report::html_escape("tab\tline\n"), "tab\tline\n");
}

TEST(HtmlPage, ShellJoinQuotesWhatAShellWouldSplit)
{
    EXPECT_EQ(report::shell_join({"aio-audit", "probe", "/mnt/x", "-s", "4k"}), "aio-audit probe /mnt/x -s 4k");
    EXPECT_EQ(report::shell_join({"trace", "--", "sh", "-c", "echo 'hi' there"}),
              "trace -- sh -c 'echo '\\''hi'\\'' there'");
    EXPECT_EQ(report::shell_join({""}), "''");
}

TEST(HtmlSvg, NumbersAreCompactAndStable)
{
    EXPECT_EQ(report::svg_num(12.5), "12.5");
    EXPECT_EQ(report::svg_num(3.0), "3");
    EXPECT_EQ(report::svg_num(1.0 / 3), "0.333");
    EXPECT_EQ(report::svg_num(-0.0001), "0");
    EXPECT_EQ(report::svg_num(1e300 * 1e300), "0");
}

TEST(HtmlHistogram, BarHeightsAreProportionalToTheSlotsOnOneScale)
{
    model::Log2Hist submit, complete;
    submit.add_slot(10, 40);
    submit.add_slot(12, 10);
    complete.add_slot(12, 80);
    complete.add_slot(16, 20);
    std::ostringstream out;
    report::render_log2_overlay(out, {{"submission", "submit", &submit, ""}, {"completion", "complete", &complete, ""}},
                                "test <latency>");
    const std::string html = out.str();
    EXPECT_NE(html.find("aria-label=\"test &lt;latency&gt;\""), std::string::npos);
    const auto bars = elements(html, "rect", "bar");
    ASSERT_EQ(bars.size(), 4u) << html;  // one per non-empty slot of each series
    const std::smatch m = [&] {
        std::smatch s;
        std::regex_search(html, s, std::regex(R"re(data-plot-height="([0-9.]+)" data-max-count="([0-9]+)")re"));
        return s;
    }();
    ASSERT_EQ(m.size(), 3u);
    const double plot_h = std::stod(m[1]);
    EXPECT_EQ(m[2], "80");
    const std::map<std::pair<std::string, int>, int> want{
        {{"submission", 10}, 40}, {{"submission", 12}, 10}, {{"completion", 12}, 80}, {{"completion", 16}, 20}};
    double mid12_submit = -1, mid12_complete = -2;
    for (const auto& b : bars) {
        const auto key = std::pair{b.at("data-series"), std::stoi(b.at("data-slot"))};
        ASSERT_TRUE(want.count(key)) << key.first << key.second;
        EXPECT_EQ(std::stoi(b.at("data-count")), want.at(key));
        EXPECT_NEAR(std::stod(b.at("height")), plot_h * want.at(key) / 80.0, 0.001);
        if (key.second == 12)
            (key.first == "submission" ? mid12_submit : mid12_complete) =
                std::stod(b.at("x")) + std::stod(b.at("width")) / 2;
    }
    EXPECT_NEAR(mid12_submit, mid12_complete, 0.01);  // overlaid: the same slot at the same place
}

TEST(HtmlHistogram, NoSamplesSaysSo)
{
    model::Log2Hist empty;
    std::ostringstream out;
    report::render_log2_overlay(out, {{"submission", "submit", &empty, ""}}, "x");
    EXPECT_NE(out.str().find("no latency samples"), std::string::npos);
    EXPECT_EQ(out.str().find("<svg"), std::string::npos);
}

TEST(HtmlShareBar, WidthsFollowTheCountsAndEmptySegmentsAreLeftOut)
{
    model::VerdictTally t;
    t.add(model::Verdict::async, 30);
    t.add(model::Verdict::blocking, 10);
    std::ostringstream out;
    report::render_share_bar(out, report::verdict_segments(t), "verdicts", "data-case=\"0.1\"");
    const auto segs = elements(out.str(), "rect", "seg");
    ASSERT_EQ(segs.size(), 2u);
    EXPECT_EQ(segs[0].at("data-label"), "async");
    EXPECT_EQ(segs[0].at("width"), "750");
    EXPECT_EQ(segs[1].at("data-label"), "blocking");
    EXPECT_EQ(segs[1].at("x"), "750");
    EXPECT_EQ(segs[1].at("width"), "250");
    EXPECT_NE(out.str().find("data-case=\"0.1\""), std::string::npos);
    EXPECT_NE(out.str().find("async 75%"), std::string::npos);

    std::ostringstream none;
    report::render_share_bar(none, {{"async", "v-async", 0}}, "verdicts");
    EXPECT_EQ(none.str().find("<rect"), std::string::npos);
}

TEST(HtmlFlame, LayoutMergesStacksByNameWithCalleesInsideCallers)
{
    const std::vector<report::WeightedStack> stacks{
        {{"op", "b", "c"}, 10}, {{"op", "b", "d"}, 5}, {{"op", "a"}, 5}, {{"op", "b", "c"}, 2}, {{"op", "z"}, 0}, {{}, 7}};
    const auto frames = report::flame_layout(stacks);
    // Pre-order, siblings by name: op, a, b, c, d.
    const std::vector<FlameFrame> want{
        {"op", 0, 0, 22}, {"a", 1, 0, 5}, {"b", 1, 5, 17}, {"c", 2, 5, 12}, {"d", 2, 17, 5}};
    ASSERT_EQ(frames.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(frames[i].name, want[i].name) << i;
        EXPECT_EQ(frames[i].depth, want[i].depth) << i;
        EXPECT_EQ(frames[i].start, want[i].start) << i;
        EXPECT_EQ(frames[i].weight, want[i].weight) << i;
    }
}

TEST(HtmlFlame, SvgFrameWidthsAndRowsFollowTheLayout)
{
    const auto frames = report::flame_layout({{{"op", "b", "c"}, 30}, {{"op", "<a>"}, 10}});
    std::ostringstream out;
    report::render_flame(out, frames, "flame");
    const std::string html = out.str();
    EXPECT_EQ(html.find("<a>"), std::string::npos);
    EXPECT_NE(html.find("data-name=\"&lt;a&gt;\""), std::string::npos);
    const auto rects = elements(html, "rect", "frame");
    ASSERT_EQ(rects.size(), 4u);
    // op (whole width, bottom row), <a> (left quarter), b and c (the rest, c on top).
    const std::vector<std::tuple<std::string, std::string, std::string>> want{
        {"0", "1200", "34"}, {"0", "300", "17"}, {"300", "900", "17"}, {"300", "900", "0"}};
    for (std::size_t i = 0; i < rects.size(); ++i) {
        EXPECT_EQ(rects[i].at("x"), std::get<0>(want[i])) << i;
        EXPECT_EQ(rects[i].at("width"), std::get<1>(want[i])) << i;
        EXPECT_EQ(rects[i].at("y"), std::get<2>(want[i])) << i;
    }
}

TEST(HtmlTrace, FlameStacksAreTheOpsOwnCutLikeFolded)
{
    model::TraceReport r;
    model::TraceOp op;
    op.op = {"gadget_read_iter", "aio_gadget", model::OpKind::read_iter};
    op.dev_major = 240;
    r.ops.push_back(op);
    model::TraceStack mine{op.display(), "240:0", "", model::Api::kernel_aio, true,
                           {"schedule+0x3c", "gadget_read_iter+0x40 [aio_gadget]"}, 1, 500, "fio"};
    model::TraceStack other_dev = mine;
    other_dev.dev = "7:0";
    r.stacks = {mine, other_dev};
    const auto stacks = report::op_flame_stacks(r, r.ops[0]);
    ASSERT_EQ(stacks.size(), 1u);
    EXPECT_EQ(stacks[0].frames,
              (std::vector<std::string>{"gadget_read_iter [aio_gadget]", "gadget_read_iter", "schedule"}));
    EXPECT_EQ(stacks[0].weight, 500u);
}

TEST(HtmlScan, SubsystemIsTheFirstThreeDirectories)
{
    EXPECT_EQ(report::subsystem_dir("drivers/usb/gadget/function/f_fs.c"), "drivers/usb/gadget");
    EXPECT_EQ(report::subsystem_dir("./fs/ext4/file.c"), "fs/ext4");
    EXPECT_EQ(report::subsystem_dir("aio_gadget.c"), ".");
}

TEST(HtmlReports, HostileNamesAreEscapedEverywhere)
{
    const std::string evil = "<img src=x onerror=alert(1)>\"'&";
    model::FopsReport f;
    f.at = {"drivers/" + evil + "/x.c", 3};
    f.name = evil;
    f.verdict = model::Verdict::fake_async;
    model::HandlerReport h;
    h.op = model::OpKind::read_iter;
    h.handler = evil;
    h.verdict = model::Verdict::fake_async;
    h.evidence.push_back({model::EvidenceKind::engine_wait, {"drivers/x.c", 9}, evil, evil, {}});
    f.handlers.push_back(h);
    std::ostringstream scan;
    report::render_scan_html(scan, {f}, model::summarize({f}), {evil}, facts());

    model::ProbeReport p;
    model::TargetResult t;
    t.label = evil;
    t.path = "/tmp/" + evil;
    t.notes = {evil};
    model::CaseResult c;
    c.engine = "libaio";
    c.op = "read";
    c.mode = "buffered";
    c.skipped = evil;
    t.cases.push_back(c);
    p.targets.push_back(t);
    std::ostringstream probe;
    report::render_probe_html(probe, p, facts());

    model::TraceReport r;
    r.backend_why = evil;
    r.unseen = {evil};
    model::TraceOp op;
    op.op = {evil, evil, model::OpKind::read_iter};
    op.dev_name = evil;
    op.tally.add(model::Verdict::blocking, 1);
    r.ops.push_back(op);
    r.stacks.push_back({op.display(), "0:0", evil, model::Api::kernel_aio, true, {evil}, 1, 10, evil});
    std::ostringstream trace;
    report::render_trace_html(trace, r, facts());

    for (const auto& [what, html] : {std::pair{"scan", scan.str()}, {"probe", probe.str()}, {"trace", trace.str()}}) {
        EXPECT_EQ(html.find("<img"), std::string::npos) << what;
        EXPECT_EQ(html.find("<script"), std::string::npos) << what;
        EXPECT_EQ(html.find("host<1>"), std::string::npos) << what;
        EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"), std::string::npos) << what;
        EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos) << what;
        EXPECT_EQ(html.rfind("</html>\n"), html.size() - 8) << what;
    }
}

}  // namespace html_report_test
