// SPDX-License-Identifier: GPL-2.0-only
//
// One line of `doctor`: something this kernel or process can or cannot do,
// found out by trying it.
#pragma once

#include <string>
#include <vector>

namespace aio::model {

enum class CapStatus { yes, no, warn, unknown };
std::string_view name(CapStatus s);

struct Capability {
    std::string id;      // stable key for --json: "bpf.fentry", "aio.io_setup"
    std::string label;   // "fentry programs"
    CapStatus status = CapStatus::unknown;
    std::string detail;  // what was tried and what happened
};

using Capabilities = std::vector<Capability>;

const Capability* find(const Capabilities& caps, std::string_view id);
bool has(const Capabilities& caps, std::string_view id);  // status == yes

}  // namespace aio::model
