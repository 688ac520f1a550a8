// SPDX-License-Identifier: GPL-2.0-only
//
// `matrix`'s output: one Markdown table per file system (scenario × engine
// → verdict, with fsqual's number), a JSON document with every count, the
// reading of such a document back (for --compare and --load), and the
// comparison of two runs in Markdown and JSON.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "model/matrix_result.h"

namespace aio::report {

void render_matrix_markdown(std::ostream& out, const model::MatrixReport& report);

// The document without the common header (the CLI stamps it).
nlohmann::json matrix_json(const model::MatrixReport& report);

// A stamped matrix document back into the model (run facts from its
// header). Throws aio::UsageError naming what is wrong when it is not one.
model::MatrixReport matrix_from_json(const nlohmann::json& doc);

void render_comparison_markdown(std::ostream& out, const model::MatrixComparison& cmp);
nlohmann::json comparison_json(const model::MatrixComparison& cmp);

// "fill holes +nowait", "buffered read": a scenario as a row names it.
std::string scenario_label(const model::MatrixScenario& s);
// "async (0.00)", "async 88%, blocking 12% (0.12)", "unsupported", "-".
std::string cell_text(const model::MatrixScenario& s, const model::MatrixCell& c);

}  // namespace aio::report
