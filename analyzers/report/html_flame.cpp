// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_flame.h"

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "report/format.h"
#include "report/html_page.h"
#include "report/html_svg.h"

namespace aio::report {
namespace {

constexpr double kFlameWidth = 1200;
constexpr double kFrameH = 17;
constexpr double kCharW = 6.6;  // 11px sans-serif, on average

struct Node {
    std::uint64_t weight = 0;
    std::map<std::string, std::unique_ptr<Node>> children;  // by name: flamegraph.pl's order
};

void walk(const Node& n, const std::string& name, unsigned depth, std::uint64_t start, std::vector<FlameFrame>& out)
{
    out.push_back({name, depth, start, n.weight});
    std::uint64_t x = start;
    for (const auto& [child_name, child] : n.children) {
        walk(*child, child_name, depth + 1, x, out);
        x += child->weight;
    }
}

// Warm colours are flamegraph.pl's for CPU time; off-CPU graphs are blue.
// The hue comes from the name, so a function keeps its colour across ops.
std::string colour(std::string_view name)
{
    std::uint32_t h = 2166136261u;
    for (unsigned char c : name)
        h = (h ^ c) * 16777619u;
    return fmt::format("hsl({},{}%,{}%)", 190 + h % 45, 55 + (h >> 8) % 25, 62 + (h >> 16) % 16);
}

}  // namespace

std::vector<FlameFrame> flame_layout(const std::vector<WeightedStack>& stacks)
{
    Node root;
    for (const auto& s : stacks) {
        if (s.frames.empty() || s.weight == 0)
            continue;
        Node* n = &root;
        n->weight += s.weight;
        for (const auto& f : s.frames) {
            auto& child = n->children[f];
            if (!child)
                child = std::make_unique<Node>();
            child->weight += s.weight;
            n = child.get();
        }
    }
    std::vector<FlameFrame> out;
    std::uint64_t x = 0;
    for (const auto& [name, child] : root.children) {
        walk(*child, name, 0, x, out);
        x += child->weight;
    }
    return out;
}

void render_flame(std::ostream& out, const std::vector<FlameFrame>& frames, std::string_view label,
                  std::string_view attrs)
{
    std::uint64_t total = 0;
    unsigned max_depth = 0;
    for (const auto& f : frames) {
        if (f.depth == 0)
            total += f.weight;
        max_depth = std::max(max_depth, f.depth);
    }
    out << "<figure class=\"flamegraph\" data-total=\"" << total << "\"" << (attrs.empty() ? "" : " ") << attrs
        << ">";
    if (total == 0) {
        out << "<p class=\"muted\">no off-CPU stacks</p></figure>\n";
        return;
    }
    const double height = kFrameH * (max_depth + 1);
    svg_open(out, "flame", kFlameWidth, height, label);
    for (const auto& f : frames) {
        const double x = kFlameWidth * static_cast<double>(f.start) / static_cast<double>(total);
        const double w = kFlameWidth * static_cast<double>(f.weight) / static_cast<double>(total);
        const double y = kFrameH * (max_depth - f.depth);
        const double share = static_cast<double>(f.weight) / static_cast<double>(total);
        out << "<g class=\"fg\" data-name=\"" << html_escape(f.name) << "\" data-depth=\"" << f.depth
            << "\" data-start=\"" << f.start << "\" data-weight=\"" << f.weight << "\"><title>"
            << html_escape(fmt::format("{}: {} ({})", f.name, format_ns(f.weight), format_percent(share)))
            << "</title><rect class=\"frame\" x=\"" << svg_num(x) << "\" y=\"" << svg_num(y) << "\" width=\""
            << svg_num(w) << "\" height=\"" << svg_num(kFrameH - 1) << "\" fill=\"" << colour(f.name) << "\"/>";
        const auto fits = static_cast<std::size_t>((w - 6) / kCharW);
        if (fits >= 3) {
            std::string text = f.name;
            if (display_width(text) > fits) {
                // Cut on a character boundary, then mark the cut.
                std::size_t cut = 0, chars = 0;
                while (cut < text.size() && chars + 2 < fits) {
                    ++cut;
                    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
                        ++cut;
                    ++chars;
                }
                text = text.substr(0, cut) + "..";
            }
            out << "<text x=\"" << svg_num(x + 3) << "\" y=\"" << svg_num(y + kFrameH - 5) << "\">"
                << html_escape(text) << "</text>";
        }
        out << "</g>";
    }
    svg_close(out);
    out << "<figcaption class=\"muted\">Width: off-CPU time of the submitters (" << html_escape(format_ns(total))
        << " in all); the op at the bottom, the innermost frame on top. Hover a frame for its time.</figcaption>"
           "</figure>\n";
}

}  // namespace aio::report
