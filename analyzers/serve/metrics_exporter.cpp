// SPDX-License-Identifier: GPL-2.0-only
#include "serve/metrics_exporter.h"

#include <signal.h>

#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <httplib.h>

#include "model/errors.h"

namespace aio::serve {
namespace {

// A scrape waits at most this long for the session's thread (which polls
// every 100 ms) to publish; Prometheus's own scrape timeout is 10 s.
constexpr auto kFreshWait = std::chrono::seconds(3);
// Enough for a few Prometheus servers and a curl; a slow or dead client
// holds one for at most the socket timeouts.
constexpr std::size_t kServerThreads = 4;
// A snapshot younger than this answers a scrape at once.
constexpr auto kShareWithin = std::chrono::milliseconds(1000);

}  // namespace

ListenAddress parse_listen_address(const std::string& text)
{
    ListenAddress a;
    std::string port = text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw UsageError("--listen " + text + ": expected [ADDR:]PORT, e.g. 9435, 127.0.0.1:9435, [::1]:9435");
        a.host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
        if (text.find(':') != colon)
            throw UsageError("--listen " + text + ": an IPv6 address goes in brackets, e.g. [::1]:9435");
        a.host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (a.host.empty())
            throw UsageError("--listen " + text + ": no address before ':'",
                             "give 0.0.0.0:PORT to listen on every interface, or PORT for localhost");
    }
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || a.port < 0 || a.port > 65535)
        throw UsageError("--listen " + text + ": the port must be a number from 0 to 65535");
    return a;
}

MetricsExporter::MetricsExporter(const ExporterOptions& opts)
    : opts_(opts), exported_(opts.max_ops, opts.dropped_labels), server_(std::make_unique<httplib::Server>())
{
    auto& srv = *server_;
    srv.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
    srv.set_read_timeout(5, 0);
    srv.set_write_timeout(5, 0);
    srv.set_keep_alive_timeout(2);
    srv.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
        const auto snap = fresh();
        if (!snap) {
            res.status = 503;
            res.set_content("aio-audit: no snapshot of the trace yet\n", "text/plain; charset=utf-8");
            return;
        }
        const auto format = report::negotiate_metrics_format(req.get_header_value("Accept"));
        // Each server thread renders into its own buffer, kept between
        // scrapes: a large exposition is not reallocated (page faults) each
        // time. The response holds a copy (and gzips it when the client
        // asks, as Prometheus does).
        thread_local std::string body;
        body.clear();
        report::render_metrics(body, snap->report, snap->context, format);
        res.set_content(body.data(), body.size(), std::string(report::content_type(format)));
    });
    srv.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("<html><body><a href=\"/metrics\">aio-audit metrics</a></body></html>\n",
                        "text/html; charset=utf-8");
    });

    port_ = opts.listen.port ? (srv.bind_to_port(opts.listen.host, opts.listen.port) ? opts.listen.port : -1)
                             : srv.bind_to_any_port(opts.listen.host);
    if (port_ <= 0)
        throw EnvironmentError(fmt::format("--listen: cannot listen on {}:{} (in use, or not an address of "
                                           "this host)",
                                           opts.listen.host, opts.listen.port),
                               "choose another port, or stop what listens there (ss -ltnp)");

    // SIGINT and SIGTERM belong to the session's thread, whose loop stops on
    // them; the server's threads (this one's children) never take them.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &block, &old);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

MetricsExporter::~MetricsExporter()
{
    {
        // Scrapes waiting for a snapshot get the last one (or a 503).
        std::lock_guard lock(mu_);
        ++generation_;
    }
    cv_.notify_all();
    server_->stop();
    if (thread_.joinable())
        thread_.join();
}

std::string MetricsExporter::address() const
{
    const auto& h = opts_.listen.host;
    return h.find(':') != std::string::npos ? fmt::format("[{}]:{}", h, port_) : fmt::format("{}:{}", h, port_);
}

bool MetricsExporter::wanted() const
{
    std::lock_guard lock(mu_);
    return wanted_;
}

void MetricsExporter::publish(const model::TraceReport& snapshot)
{
    auto p = std::make_shared<Published>();
    p->report = exported_.apply(snapshot);
    p->context = opts_.context;
    p->context.max_ops = exported_.max_ops();
    p->context.ops_dropped = exported_.ops_dropped();
    p->context.requests_dropped = exported_.requests_dropped();
    {
        std::lock_guard lock(mu_);
        latest_ = std::move(p);
        published_at_ = std::chrono::steady_clock::now();
        wanted_ = false;
        ++generation_;
    }
    cv_.notify_all();
}

std::shared_ptr<const MetricsExporter::Published> MetricsExporter::fresh()
{
    std::unique_lock lock(mu_);
    // Scrapes close together (HA pairs of Prometheus, a curl beside it)
    // share a snapshot: taking one reads every map and costs the session's
    // thread more than rendering does.
    if (latest_ && std::chrono::steady_clock::now() - published_at_ < kShareWithin)
        return latest_;
    const std::uint64_t asked_at = generation_;
    wanted_ = true;
    cv_.wait_for(lock, kFreshWait, [&] { return generation_ != asked_at; });
    return latest_;
}

}  // namespace aio::serve
