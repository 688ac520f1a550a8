// SPDX-License-Identifier: GPL-2.0-only
//
// `matrix`: makes each file-system configuration on a loop device in a
// scratch directory (or takes directories the user names), runs every
// scenario through probe's engines there, and collects the cells.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "model/matrix_result.h"
#include "probe/engine.h"

namespace aio::matrix {

struct MatrixOptions {
    // Configuration ids ("ext4", "ext4-data-journal"); empty: every
    // configuration this machine can make.
    std::vector<std::string> only;
    // Measure the file systems these directories are on instead of making
    // any (no root needed). Exclusive with `only`.
    std::vector<std::string> dirs;
    std::vector<probe::EngineKind> engines{probe::EngineKind::libaio, probe::EngineKind::io_uring,
                                           probe::EngineKind::posix};
    unsigned requests = 64;  // per cell (at least twice the depth)
    std::filesystem::path scratch_parent = "/var/tmp";
    std::chrono::milliseconds timeout{5000};
};

// Throws aio::UsageError for a name in `only` that is in no configuration.
void check_selection(const std::vector<std::string>& only);

using ProgressFn = std::function<void(const std::string& what)>;

// Runs everything; the run stops early (report.interrupted) once
// probe::stop_requested is set, after undoing what it made. Throws
// aio::EnvironmentError when it cannot make file systems here (not root).
model::MatrixReport run_matrix(const MatrixOptions& opts, const ProgressFn& progress = {});

}  // namespace aio::matrix
