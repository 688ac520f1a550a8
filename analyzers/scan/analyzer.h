// SPDX-License-Identifier: GPL-2.0-only
//
// From one file_operations to its FopsReport: resolve each async-capable
// handler, follow its calls (inline, to a bounded depth) and the functions
// it hands to callbacks, timers, work and IRQs (deferred), collect the
// evidence with file:line, and let the model classify it.
#pragma once

#include "model/static_verdict.h"
#include "scan/module.h"

namespace aio::scan {

struct AnalyzerLimits {
    int inline_depth = 6;     // calls followed from a handler (f_fs needs 2, block/fops.c 3)
    int deferred_depth = 4;   // callback -> work -> ... hops followed for the completion
    int max_instances = 400;  // inlined function copies per root, against call-graph blowup
};

model::FopsReport analyze_fops(Module& module, const ParsedFile& file, const FopsDecl& decl,
                               const AnalyzerLimits& limits = {});

}  // namespace aio::scan
