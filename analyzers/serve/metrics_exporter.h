// SPDX-License-Identifier: GPL-2.0-only
//
// `trace --listen`: an HTTP server (cpp-httplib, a small thread pool) that
// answers GET /metrics with the trace's running totals. The thread that owns
// the trace session publishes snapshots when a scrape asks for one (the
// session is not shared between threads); scrapes that arrive together share
// one snapshot, and each renders it in the format its client negotiated.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "model/trace_result.h"
#include "report/openmetrics.h"
#include "serve/exported_ops.h"

namespace httplib {
class Server;
}

namespace aio::serve {

// "[ADDR:]PORT", "[::1]:PORT"; no address: 127.0.0.1. Throws aio::UsageError.
struct ListenAddress {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port (the bound one is printed)
};
ListenAddress parse_listen_address(const std::string& text);

struct ExporterOptions {
    ListenAddress listen;
    std::size_t max_ops = 500;
    unsigned dropped_labels = 0;  // report::MetricsLabel bits
    report::MetricsContext context;  // version, kernel, start time
};

class MetricsExporter {
public:
    // Binds the socket and starts serving. Throws aio::EnvironmentError when
    // the address cannot be bound (in use, not local, ...).
    explicit MetricsExporter(const ExporterOptions& opts);
    ~MetricsExporter();  // stops serving, waits for scrapes in progress
    MetricsExporter(const MetricsExporter&) = delete;
    MetricsExporter& operator=(const MetricsExporter&) = delete;

    // "127.0.0.1:9435", with the port actually bound.
    std::string address() const;
    // True while a scrape waits for a snapshot (the session thread polls it).
    bool wanted() const;
    // From the session's thread: the latest running totals.
    void publish(const model::TraceReport& snapshot);

private:
    struct Published {
        model::TraceReport report;
        report::MetricsContext context;
    };
    std::shared_ptr<const Published> fresh();

    ExporterOptions opts_;
    ExportedOps exported_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool wanted_ = false;
    std::uint64_t generation_ = 0;
    std::shared_ptr<const Published> latest_;
    std::chrono::steady_clock::time_point published_at_;
};

}  // namespace aio::serve
