// SPDX-License-Identifier: GPL-2.0-only
//
// `scan --html`: a tree-wide overview. Verdict counts per subsystem
// directory (each a share bar), then every finding with its evidence.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "model/static_verdict.h"
#include "report/html_page.h"

namespace aio::report {

// The directory a fops is counted under: the first three directory levels
// of its file as reached from the scanned root ("drivers/usb/gadget",
// "fs/ext4"); "." for a file at the root.
std::string subsystem_dir(std::string_view file);

void render_scan_html(std::ostream& out, const std::vector<model::FopsReport>& fops,
                      const model::StaticSummary& summary, const std::vector<std::string>& warnings, PageFacts facts);

}  // namespace aio::report
