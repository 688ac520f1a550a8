// SPDX-License-Identifier: GPL-2.0-only
//
// `trace --listen`: a trace's running totals as a Prometheus scrape, in the
// Prometheus text format (0.0.4) or OpenMetrics 1.0, whichever the scraper
// asks for. Every counter is the session's total since it started, so
// counters only grow between scrapes and a restart shows as a reset.
// The metric names, labels and what each counts: docs/fleet.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/trace_result.h"

namespace aio::report {

enum class MetricsFormat : std::uint8_t { prometheus_text, openmetrics };

// From an HTTP Accept header: OpenMetrics when the client ranks it at least
// as high as text/plain (Prometheus 2.x does), else the Prometheus text
// format (also for no header, curl's */*).
MetricsFormat negotiate_metrics_format(std::string_view accept);
std::string_view content_type(MetricsFormat f);

// Per-op labels that can be left out (`--drop-labels`), a bit mask. `dev`
// takes `dev_name` with it. `op` and `api` are always there.
enum MetricsLabel : unsigned {
    label_module = 1u << 0,
    label_kind = 1u << 1,
    label_file = 1u << 2,
    label_mode = 1u << 3,
    label_dev = 1u << 4,
};
// "module", "kind", "file", "mode", "dev"; 0 for anything else.
unsigned parse_metrics_label(std::string_view name);

struct MetricsContext {
    std::string version;         // aio_audit_build_info
    std::string kernel_release;  // uname -r
    double start_time_s = 0;     // Unix time the trace started
    unsigned dropped_labels = 0; // MetricsLabel bits: those labels are not printed
    // The exporter's cap on exported ops and what it left out (since start).
    std::uint64_t max_ops = 0;
    std::uint64_t ops_dropped = 0;
    std::uint64_t requests_dropped = 0;
};

// Appends the whole exposition of `report` (ops already folded and capped by
// the caller) to `out`, ending with "# EOF" in OpenMetrics.
void render_metrics(std::string& out, const model::TraceReport& report, const MetricsContext& ctx,
                    MetricsFormat format);

}  // namespace aio::report
