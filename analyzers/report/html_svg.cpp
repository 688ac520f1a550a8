// SPDX-License-Identifier: GPL-2.0-only
#include "report/html_svg.h"

#include <cmath>

#include <fmt/format.h>

#include "report/html_page.h"

namespace aio::report {

std::string svg_num(double v)
{
    if (!std::isfinite(v))
        return "0";
    std::string s = fmt::format("{:.3f}", v);
    while (!s.empty() && s.back() == '0')
        s.pop_back();
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s == "-0" ? "0" : s;
}

void svg_open(std::ostream& out, std::string_view css_class, double width, double height, std::string_view label)
{
    out << "<svg class=\"" << css_class << "\" viewBox=\"0 0 " << svg_num(width) << ' ' << svg_num(height)
        << "\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"" << html_escape(label)
        << "\" xmlns=\"http://www.w3.org/2000/svg\">";
}

void svg_close(std::ostream& out)
{
    out << "</svg>\n";
}

}  // namespace aio::report
