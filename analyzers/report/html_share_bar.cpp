// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_share_bar.h"

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_page.h"
#include "report/html_svg.h"

namespace aio::report {
namespace {

constexpr double kBarWidth = 1000;
constexpr double kBarHeight = 18;

}  // namespace

std::vector<ShareSegment> verdict_segments(const model::VerdictTally& tally)
{
    std::vector<ShareSegment> out;
    for (const auto& [v, share] : tally.shares())
        out.push_back({std::string(model::name(v)), verdict_class(v), tally.count(v)});
    return out;
}

void render_share_bar(std::ostream& out, const std::vector<ShareSegment>& segments, std::string_view kind,
                      std::string_view attrs)
{
    std::uint64_t total = 0;
    for (const auto& s : segments)
        total += s.count;
    out << "<figure class=\"share\" data-kind=\"" << html_escape(kind) << "\" data-total=\"" << total << "\""
        << (attrs.empty() ? "" : " ") << attrs << ">";
    if (total == 0) {
        out << "<p class=\"muted\">nothing to show</p></figure>\n";
        return;
    }
    auto share = [&](std::uint64_t n) { return format_percent(static_cast<double>(n) / static_cast<double>(total)); };
    std::string label = std::string(kind) + ":";
    for (const auto& s : segments)
        if (s.count)
            label += fmt::format(" {} {}", s.label, share(s.count));
    svg_open(out, "sharebar", kBarWidth, kBarHeight, label);
    double x = 0;
    for (const auto& s : segments) {
        if (!s.count)
            continue;
        const double w = kBarWidth * static_cast<double>(s.count) / static_cast<double>(total);
        out << "<rect class=\"seg " << html_escape(s.css_class) << "\" x=\"" << svg_num(x)
            << "\" y=\"0\" width=\"" << svg_num(w) << "\" height=\"" << svg_num(kBarHeight)
            << "\" data-label=\"" << html_escape(s.label) << "\" data-count=\"" << s.count << "\"><title>"
            << html_escape(fmt::format("{}: {} of {} ({})", s.label, s.count, total, share(s.count)))
            << "</title></rect>";
        x += w;
    }
    svg_close(out);
    out << "<figcaption class=\"legend\">";
    for (const auto& s : segments) {
        if (!s.count)
            continue;
        out << "<span><span class=\"sw " << html_escape(s.css_class) << "\"></span>" << html_escape(s.label) << ' '
            << share(s.count) << " <span class=\"muted\">(" << s.count
            << ")</span></span>";
    }
    out << "</figcaption></figure>\n";
}

}  // namespace aio::report
