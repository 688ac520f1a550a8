// SPDX-License-Identifier: GPL-2.0-only
//
// `matrix --html`: per file system one table, scenarios by engines, each
// cell a verdict-share bar with fsqual's number.
#pragma once

#include <ostream>

#include "model/matrix_result.h"
#include "report/html_page.h"

namespace aio::report {

// Host, kernel and time come from the report itself (a run loaded with
// --load keeps its own); `facts` adds the command line.
void render_matrix_html(std::ostream& out, const model::MatrixReport& report, PageFacts facts);

}  // namespace aio::report
