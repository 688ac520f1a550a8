// SPDX-License-Identifier: GPL-2.0-only
//
// What the SVG pictures share: numbers written compactly and identically on
// every machine (attributes that tests read back), and the opening of an
// inline <svg> that scales to its container's width.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace aio::report {

// 12.5 -> "12.5", 3.0 -> "3", 0.33333 -> "0.333": at most 3 decimals.
std::string svg_num(double v);

// <svg class=... viewBox="0 0 w h" ...> with role="img" and an accessible
// label; the width follows the page, the height the aspect ratio.
void svg_open(std::ostream& out, std::string_view css_class, double width, double height, std::string_view label);
void svg_close(std::ostream& out);

}  // namespace aio::report
