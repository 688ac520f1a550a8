// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_histogram.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_page.h"
#include "report/html_svg.h"

namespace aio::report {
namespace {

constexpr double kHistWidth = 520;
constexpr double kHistHeight = 190;
constexpr double kLeft = 46;
constexpr double kRight = 24;
constexpr double kTop = 10;
constexpr double kBottom = 40;
constexpr double kPlotW = kHistWidth - kLeft - kRight;
constexpr double kPlotH = kHistHeight - kTop - kBottom;
constexpr std::size_t kMaxLabels = 6;
constexpr int kFont = 13;
// Completions are drawn across the whole slot, submissions narrower and in
// front, so both stay visible where they share a slot.
constexpr double kSubmitWidth = 0.55;

}  // namespace

std::string latency_note(const model::LatencySummary& s)
{
    if (s.count == 0)
        return {};
    return fmt::format("p50 {}, p99 {}, max {}", format_ns(s.p50), format_ns(s.p99), format_ns(s.max));
}

void render_log2_overlay(std::ostream& out, const std::vector<HistSeries>& series, std::string_view label)
{
    std::size_t lo = model::Log2Hist::kSlots, hi = 0;
    std::uint64_t max_count = 0;
    for (const auto& s : series) {
        if (!s.hist)
            continue;
        for (std::size_t i = 0; i < model::Log2Hist::kSlots; ++i)
            if (const auto n = s.hist->slot(i)) {
                lo = std::min(lo, i);
                hi = std::max(hi, i);
                max_count = std::max(max_count, n);
            }
    }
    out << "<figure class=\"hist\" data-label=\"" << html_escape(label) << "\">";
    if (max_count == 0) {
        out << "<p class=\"muted\">" << html_escape(label) << ": no latency samples</p></figure>\n";
        return;
    }
    const std::size_t slots = hi - lo + 1;
    const double slot_w = kPlotW / static_cast<double>(slots);
    svg_open(out, "log2hist", kHistWidth, kHistHeight, label);
    out << "<g data-plot-height=\"" << svg_num(kPlotH) << "\" data-max-count=\"" << max_count << "\">";
    const double base = kTop + kPlotH;
    for (auto it = series.rbegin(); it != series.rend(); ++it) {
        const HistSeries& s = *it;
        if (!s.hist)
            continue;
        for (std::size_t i = lo; i <= hi; ++i) {
            const auto n = s.hist->slot(i);
            if (!n)
                continue;
            const double h = kPlotH * static_cast<double>(n) / static_cast<double>(max_count);
            const double full = std::max(slot_w - 2, 0.5);
            const double w = &s == &series.front() && series.size() > 1 ? full * kSubmitWidth : full;
            const double x = kLeft + slot_w * static_cast<double>(i - lo) + 1 + (full - w) / 2;
            out << "<rect class=\"bar " << html_escape(s.css_class) << "\" x=\"" << svg_num(x) << "\" y=\""
                << svg_num(base - h) << "\" width=\"" << svg_num(w) << "\" height=\""
                << svg_num(h) << "\" data-series=\"" << html_escape(s.name) << "\" data-slot=\"" << i
                << "\" data-count=\"" << n << "\"><title>"
                << html_escape(fmt::format("{} {} – {}: {}", s.name, format_ns(model::Log2Hist::slot_low(i)),
                                           format_ns(model::Log2Hist::slot_high(i)), n))
                << "</title></rect>";
        }
    }
    out << "</g>";
    // Axes: counts on the left (0 and the largest), slot bounds below.
    out << "<line class=\"axis\" x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(base) << "\" x2=\""
        << svg_num(kLeft + kPlotW) << "\" y2=\"" << svg_num(base) << "\"/>";
    out << "<line class=\"axis\" x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(kTop) << "\" x2=\""
        << svg_num(kLeft) << "\" y2=\"" << svg_num(base) << "\"/>";
    out << "<text class=\"tick\" x=\"" << svg_num(kLeft - 4) << "\" y=\"" << svg_num(kTop + 9)
        << "\" font-size=\"" << kFont << "\" text-anchor=\"end\">" << max_count << "</text>";
    out << "<text class=\"tick\" x=\"" << svg_num(kLeft - 4) << "\" y=\"" << svg_num(base)
        << "\" font-size=\"" << kFont << "\" text-anchor=\"end\">0</text>";
    const std::size_t step = (slots + 1 + kMaxLabels - 1) / kMaxLabels;
    for (std::size_t k = 0; k <= slots; k += step) {
        const double x = kLeft + slot_w * static_cast<double>(k);
        out << "<line class=\"axis\" x1=\"" << svg_num(x) << "\" y1=\"" << svg_num(base) << "\" x2=\"" << svg_num(x)
            << "\" y2=\"" << svg_num(base + 4) << "\"/>";
        out << "<text class=\"tick\" x=\"" << svg_num(x) << "\" y=\"" << svg_num(base + 16)
            << "\" font-size=\"" << kFont << "\" text-anchor=\"middle\">" << html_escape(format_ns(lo + k < model::Log2Hist::kSlots ? model::Log2Hist::slot_low(lo + k)
                                                                        : model::Log2Hist::slot_high(lo + k - 1)))
            << "</text>";
    }
    out << "<text class=\"tick\" x=\"" << svg_num(kLeft + kPlotW / 2) << "\" y=\"" << svg_num(kHistHeight - 3)
        << "\" font-size=\"" << kFont
        << "\" text-anchor=\"middle\">latency (log2 slots), requests per slot</text>";
    svg_close(out);
    out << "<figcaption class=\"legend\">";
    for (const auto& s : series) {
        if (!s.hist)
            continue;
        out << "<span><span class=\"sw " << html_escape(s.css_class) << "\"></span>" << html_escape(s.name)
            << " <span class=\"muted\">(n=" << s.hist->count() << (s.note.empty() ? "" : ", ")
            << html_escape(s.note) << ")</span></span>";
    }
    out << "</figcaption></figure>\n";
}

}  // namespace aio::report
