// SPDX-License-Identifier: GPL-2.0-only
//
// Hand-made trace reports for the renderers' tests (trace needs root and
// BPF; its text, JSON, folded, HTML and OpenMetrics renderers do not): the
// pieces every sample is built from, so that each test states only the
// counts it is about.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/trace_result.h"

namespace aio::test {

// An op with its identity set - the driver function, the file it was called
// on, the device - and every count zero.
model::TraceOp trace_op(const std::string& symbol, model::FileKind file = model::FileKind::regular,
                        bool direct = false, std::uint32_t major = 7, std::uint32_t minor = 0,
                        const std::string& dev_name = "loop0", const std::string& module = "");

// An off-CPU stack of `op`'s submitters (frames innermost first).
model::TraceStack trace_stack(const model::TraceOp& op, std::vector<std::string> frames, std::uint64_t offcpu_ns,
                              std::uint64_t sleeps = 1, const std::string& comm = "fio");

// A report of the tracepoint backend with raw syscall hooks, these ops and
// every drop counter at zero.
model::TraceReport trace_report(std::vector<model::TraceOp> ops, double duration_s = 2.5);

}  // namespace aio::test
