// SPDX-License-Identifier: GPL-2.0-only
//
// `doctor`'s output: the capabilities it found by trying, grouped, and the
// trace backend plan that follows from them.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "model/backend_plan.h"
#include "model/capability.h"

namespace aio::report {

void render_doctor_text(std::ostream& out, const model::Capabilities& caps, const model::BackendPlan& plan);
nlohmann::json doctor_json(const model::Capabilities& caps, const model::BackendPlan& plan);

}  // namespace aio::report
