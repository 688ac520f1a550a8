// SPDX-License-Identifier: GPL-2.0-only
//
// `trace --listen` scraped by a real Prometheus (Debian's `prometheus`, on
// 127.0.0.1 with its own storage): a libaio workload on tmpfs and on ext4
// O_DIRECT, then Prometheus's HTTP API must give the numbers the same
// session's JSON report gives at its end; the exposition passes `promtool
// check metrics`; concurrent and vanishing clients do not disturb it; SIGTERM
// detaches every program.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include <httplib.h>

#include "host_env.h"

namespace aio::host {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int free_port()
{
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

// Debian's Prometheus server, scraping `target` every second; stopped and
// its storage removed on destruction.
class PrometheusServer {
public:
    explicit PrometheusServer(const std::string& target) : port_(free_port())
    {
        const fs::path config = dir_.path() / "prometheus.yml";
        std::ofstream(config) << "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\n"
                                 "scrape_configs:\n  - job_name: aio-audit\n    static_configs:\n"
                                 "      - targets: ['" << target << "']\n";
        const std::string log = (dir_.path() / "log").string();
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            const std::string cfg = "--config.file=" + config.string();
            const std::string storage = "--storage.tsdb.path=" + (dir_.path() / "data").string();
            const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
            ::execlp("prometheus", "prometheus", cfg.c_str(), storage.c_str(), listen.c_str(), nullptr);
            ::_exit(127);
        }
    }
    ~PrometheusServer()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool wait_ready(int seconds)
    {
        httplib::Client c("127.0.0.1", port_);
        for (int i = 0; i < seconds * 10; ++i) {
            if (auto r = c.Get("/-/ready"); r && r->status == 200)
                return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }
    // An instant query's result vector ([] on any failure, which the
    // comparisons then report).
    nlohmann::json query(const std::string& promql)
    {
        httplib::Client c("127.0.0.1", port_);
        auto r = c.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
        if (!r || r->status != 200)
            return nlohmann::json::array();
        const auto j = nlohmann::json::parse(r->body, nullptr, false);
        return j.is_object() && j["status"] == "success" ? j["data"]["result"] : nlohmann::json::array();
    }
    // The single value of `promql`, NaN when there is not exactly one. (The
    // caller wraps it in last_over_time() where one failed scrape of a
    // loaded machine must not make a series stale.)
    double value(const std::string& promql)
    {
        const auto v = query(promql);
        return v.size() == 1 ? std::stod(v[0]["value"][1].get<std::string>()) : std::nan("");
    }
    std::string log() const
    {
        std::ifstream in(dir_.path() / "log");
        return {std::istreambuf_iterator<char>(in), {}};
    }

private:
    TempDir dir_;
    int port_;
    pid_t pid_ = -1;
};

// The IDs of the BPF programs process `pid` holds (its fds' fdinfo).
std::vector<std::string> program_ids(pid_t pid)
{
    std::vector<std::string> ids;
    const fs::path fds = "/proc/" + std::to_string(pid) + "/fdinfo";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fds, ec)) {
        std::ifstream in(e.path());
        for (std::string line; std::getline(in, line);)
            if (line.rfind("prog_id:", 0) == 0)
                ids.push_back(line.substr(line.find_first_not_of(" \t", 8)));
    }
    return ids;
}

// Clients that send a request and hang up without reading the answer.
void vanishing_clients(int port, int n)
{
    for (int i = 0; i < n; ++i) {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
            (void)!::write(s, req.data(), req.size());
        }
        ::close(s);
    }
}

std::string selector(const nlohmann::json& op)
{
    return "op=\"" + op["symbol"].get<std::string>() + "\",api=\"" + op["api"].get<std::string>() + "\",mode=\"" +
           op["mode"].get<std::string>() + "\",dev=\"" + op["dev"].get<std::string>() + "\"";
}

TEST(FleetHost, PrometheusScrapesWhatTheJsonReportSays)
{
    AIO_REQUIRE_ROOT();
    ASSERT_EQ(run({"sh", "-c", "command -v prometheus && command -v promtool"}).exit_code, 0)
        << "prometheus is not installed: scripts/install-deps.sh test";
    LoopFs::Options fs_opts;
    fs_opts.size_mb = 64;
    LoopFs ext4(fs_opts);
    ASSERT_TRUE(ext4.ok()) << ext4.error();
    TempDir work;
    const fs::path json = work.path() / "report.json", done = work.path() / "done";
    const std::string probe = std::string("'") + AIO_AUDIT_BIN + "' probe ";
    const std::string workload = probe + "/dev/shm -e libaio -o read,overwrite -m buffered -n 64 >/dev/null && " +
                                 probe + ext4.mount_point().string() + " -e libaio -o read -m direct -n 64 " +
                                 ">/dev/null && touch " + done.string() + " && exec sleep 120";

    Background exporter({"trace", "--listen", "127.0.0.1:0", "--json", "-o", json.string(), "--", "sh", "-c",
                         workload});
    ASSERT_TRUE(exporter.wait_for_stderr("Serving metrics on http://", 10)) << exporter.err();
    std::smatch m;
    const std::string err = exporter.err();
    ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(http://127\.0\.0\.1:(\d+)/metrics)"))) << err;
    const int port = std::stoi(m[1]);

    PrometheusServer prom("127.0.0.1:" + std::to_string(port));
    ASSERT_TRUE(prom.wait_ready(30)) << prom.log();
    for (int i = 0; i < 300 && !fs::exists(done); ++i)
        std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(fs::exists(done)) << "the workload did not finish: " << exporter.err();
    const auto programs = program_ids(exporter.pid());
    EXPECT_FALSE(programs.empty()) << "the exporter holds no BPF program";

    // Scrapes after the workload ended: Prometheus then holds the final numbers.
    const double finished = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    bool scraped = false;
    for (int i = 0; i < 200 && !scraped; ++i) {
        scraped = prom.value("timestamp(aio_audit_traced_seconds)") > finished + 2.5;
        if (!scraped)
            std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(scraped) << "no scrape after the workload; up = " << prom.query("up").dump() << "\n" << prom.log();
    EXPECT_EQ(prom.value("up{job=\"aio-audit\"}"), 1.0);

    // Both formats, straight from the exporter; the text one passes promtool.
    httplib::Client client("127.0.0.1", port);
    auto text = client.Get("/metrics");
    ASSERT_TRUE(text && text->status == 200);
    EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const fs::path exposition = work.path() / "metrics.txt";
    std::ofstream(exposition) << text->body;
    const RunResult lint = run({"sh", "-c", "promtool check metrics < '" + exposition.string() + "'"});
    EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
    auto om = client.Get("/metrics", {{"Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"}});
    ASSERT_TRUE(om && om->status == 200);
    EXPECT_EQ(om->get_header_value("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
    EXPECT_TRUE(om->body.ends_with("# EOF\n"));

    // Concurrent scrapes, and clients that hang up before the answer.
    std::vector<std::thread> scrapers;
    std::atomic<int> ok{0};
    for (int t = 0; t < 6; ++t)
        scrapers.emplace_back([&] {
            httplib::Client c("127.0.0.1", port);
            for (int i = 0; i < 4; ++i)
                if (auto r = c.Get("/metrics"); r && r->status == 200 && r->body.find("aio_audit_requests_total{") !=
                                                                             std::string::npos)
                    ok.fetch_add(1);
        });
    vanishing_clients(port, 20);
    for (auto& t : scrapers)
        t.join();
    EXPECT_EQ(ok.load(), 24);
    auto after = client.Get("/metrics");
    EXPECT_TRUE(after && after->status == 200) << "the exporter stopped answering after vanishing clients";

    // Everything Prometheus has, before the session ends.
    struct Expected {
        std::string metric;
        std::string json_field;
    };
    const std::vector<Expected> counters{
        {"aio_audit_requests_total", "requests"},
        {"aio_audit_requests_slept_in_submission_total", "slept_in_submission"},
        {"aio_audit_requests_completed_total{when=\"after\"", "completed_after"},
        {"aio_audit_requests_completed_total{when=\"in_syscall\"", "completed_in_syscall"},
        {"aio_audit_requests_ambiguous_total", "ambiguous"},
        {"aio_audit_submit_calls_total", "syscalls"},
        {"aio_audit_request_errors_total", "errors"},
    };
    auto promql = [](const std::string& metric, const std::string& sel) {
        const auto brace = metric.find('{');
        return "last_over_time(" +
               (brace == std::string::npos ? metric + "{" + sel + "}" : metric + "," + sel + "}") + "[1m])";
    };
    const auto ops_seen = prom.query("last_over_time(aio_audit_requests_total[1m])");
    std::map<std::string, double> got;
    const std::string backend_seen = prom.query("last_over_time(aio_audit_build_info[1m])").dump();

    // The report of the same session, written at its end (SIGTERM).
    ::kill(exporter.pid(), SIGTERM);
    EXPECT_EQ(exporter.wait_exit(), 143) << exporter.err();
    for (const auto& id : programs)
        EXPECT_NE(run({"bpftool", "prog", "show", "id", id}).exit_code, 0) << "program " << id << " left behind";
    std::ifstream in(json);
    const auto report = nlohmann::json::parse(in, nullptr, false);
    ASSERT_TRUE(report.is_object()) << "no JSON report: " << exporter.err();

    EXPECT_NE(backend_seen.find("\"backend\":\"" + report["backend"].get<std::string>() + "\""), std::string::npos)
        << backend_seen;
    EXPECT_EQ(ops_seen.size(), report["ops"].size()) << ops_seen.dump() << "\n" << report["ops"].dump();
    bool tmpfs = false, ext4_direct = false;
    for (const auto& op : report["ops"]) {
        const std::string sel = selector(op);
        tmpfs |= op["symbol"] == "shmem_file_read_iter" && op["requests"].get<int>() >= 64;
        ext4_direct |= op["symbol"] == "ext4_file_read_iter" && op["mode"] == "direct" && op["requests"].get<int>() >= 64;
        for (const auto& c : counters)
            EXPECT_EQ(prom.value(promql(c.metric, sel)), op[c.json_field].get<double>()) << c.metric << " " << sel;
        EXPECT_EQ(prom.value(promql("aio_audit_completion_seconds_count", sel)), op["complete_ns"]["count"].get<double>())
            << sel;
        EXPECT_EQ(prom.value(promql("aio_audit_submit_seconds_bucket{le=\"+Inf\"", sel)),
                  op["submit_ns"]["count"].get<double>())
            << sel;
        // _sum is the kernel's exact sum of the same values, in seconds.
        EXPECT_NEAR(prom.value(promql("aio_audit_submit_seconds_sum", sel)),
                    op["submit_ns"]["sum"].get<double>() / 1e9, 1e-9 * op["submit_ns"]["sum"].get<double>() / 1e9)
            << sel;
        for (const auto& [verdict, share] : op["shares"].items())
            EXPECT_NEAR(prom.value(promql("aio_audit_verdict_ratio{verdict=\"" + verdict + "\"", sel)),
                        share.get<double>(), 1e-9)
                << verdict << " " << sel;
    }
    EXPECT_TRUE(tmpfs) << report["ops"].dump();
    EXPECT_TRUE(ext4_direct) << report["ops"].dump();
    for (const auto& [cause, n] : report["lost"].items())
        EXPECT_EQ(prom.value("last_over_time(aio_audit_lost_events_total{cause=\"" + cause + "\"}[1m])"),
                  n.get<double>())
            << cause;
}

TEST(FleetHost, ListenOnAPortInUseIsOneLineExit3)
{
    AIO_REQUIRE_ROOT();
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(s, 1), 0);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    const RunResult r = run_tool({"trace", "--listen", "127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "-d", "1"});
    ::close(s);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("aio-audit: error: --listen: cannot listen on 127.0.0.1:"), std::string::npos) << r.err;
    const RunResult bad = run_tool({"trace", "--listen", "host:port"});
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

}  // namespace
}  // namespace aio::host
