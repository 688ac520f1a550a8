// SPDX-License-Identifier: GPL-2.0-only
#include "output.h"

#include "stop_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <iostream>

#include "model/errors.h"
#include "model/exit_codes.h"
#include "probe/prober.h"
#include "report/file_rewrite.h"

namespace aio::cli {
namespace {

model::RunInfo g_run_info;
FdBuf* g_stdout_buf = nullptr;

// The report files this run created (--output, --html), while nothing is
// written to them: the signal handler removes them as ~ReportOutput would
// (async-signal-safe copies).
struct CreatedFile {
    volatile sig_atomic_t fd = -1;
    char path[4096];
};
CreatedFile g_created[2];

int remember_created_file(const std::string& path, int fd)
{
    for (int i = 0; i < 2; ++i) {
        if (g_created[i].fd < 0 && path.size() < sizeof g_created[i].path) {
            path.copy(g_created[i].path, path.size());
            g_created[i].path[path.size()] = '\0';
            g_created[i].fd = fd;
            return i;
        }
    }
    return -1;
}

void forget_created_file(int& slot)
{
    if (slot >= 0)
        g_created[slot].fd = -1;
    slot = -1;
}

extern "C" void exit_now(int sig)
{
    for (auto& c : g_created) {
        struct stat st {};
        const int fd = c.fd;
        if (fd >= 0 && ::fstat(fd, &st) == 0 && st.st_size == 0)
            ::unlink(c.path);
    }
    ::_exit(exit_for_signal(sig));
}

std::atomic<int> g_stop_signal{0};

extern "C" void record_stop_signal(int sig)
{
    g_stop_signal.store(sig);
    probe::stop_requested.store(true);
}

}  // namespace

const model::RunInfo& run_info()
{
    return g_run_info;
}

void set_run_info(model::RunInfo info)
{
    g_run_info = std::move(info);
}

bool FdBuf::drain()
{
    int err = 0;
    if (!report::write_all(fd_, std::string_view(pbase(), static_cast<std::size_t>(pptr() - pbase())), err)) {
        if (!error_)
            error_ = err;
        return false;
    }
    setp(buf_, buf_ + sizeof buf_);
    return true;
}

FdBuf::int_type FdBuf::overflow(int_type ch)
{
    if (!drain())
        return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
        *pptr() = traits_type::to_char_type(ch);
        pbump(1);
    }
    return traits_type::not_eof(ch);
}

int FdBuf::sync()
{
    return drain() ? 0 : -1;
}

ReportOutput::ReportOutput(const std::string& path, std::string_view option) : option_(option)
{
    if (path.empty() || path == "-")
        return;
    path_ = path;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        throw UsageError(option_ + " " + path + ": is a directory");
    if (exists && S_ISREG(st.st_mode))
        throw UsageError(option_ + " " + path + ": the file exists and aio-audit does not overwrite files",
                         "remove it or choose another name");
    // O_EXCL: a file that appears between the check and here is not clobbered either.
    fd_ = exists ? ::open(path.c_str(), O_WRONLY | O_CLOEXEC)
                 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw UsageError(option_ + " " + path + ": " + errno_text(errno));
    created_ = !exists;
    if (created_)
        created_slot_ = remember_created_file(path, fd_);
    buf_ = std::make_unique<FdBuf>(fd_);
    file_ = std::make_unique<std::ostream>(buf_.get());
}

ReportOutput::~ReportOutput()
{
    forget_created_file(created_slot_);
    if (fd_ < 0)
        return;
    if (!finished_) {
        file_->flush();
        // The run failed before its report was complete: a file that holds
        // nothing is removed rather than left looking like an empty report.
        struct stat st {};
        if (created_ && ::fstat(fd_, &st) == 0 && st.st_size == 0)
            ::unlink(path_.c_str());
    }
    ::close(fd_);
}

std::ostream& ReportOutput::stream()
{
    return file_ ? *file_ : std::cout;
}

void ReportOutput::finish()
{
    finished_ = true;
    forget_created_file(created_slot_);
    if (!file_) {
        std::cout.flush();
        return;  // check_stdout() decides at exit
    }
    file_->flush();
    int err = buf_->error();
    if (!err && ::close(fd_) != 0)
        err = errno;
    else if (err)
        ::close(fd_);
    fd_ = -1;
    if (err || !*file_)
        throw UsageError("cannot write the report to " + path_ + (err ? ": " + errno_text(err) : std::string()));
}

void add_output_option(Command& cmd, std::string& path, bool short_flag)
{
    cmd.option(short_flag ? "-o,--output" : "--output", path,
               "Write the report to FILE instead of standard output (a new file: existing files are "
               "not overwritten)")
        .type_name("FILE");
}

void add_html_option(Command& cmd, std::string& path)
{
    cmd.option("--html", path,
               "Also write the report as one self-contained HTML file (inline SVG pictures, no scripts; a "
               "new file: existing files are not overwritten)")
        .type_name("FILE");
}

void open_html(std::optional<ReportOutput>& html, const std::string& path)
{
    if (path.empty())
        return;
    if (path == "-")
        throw UsageError("--html needs a file name: standard output carries the text or JSON report");
    html.emplace(path, "--html");
}

void exit_on_stop_signals()
{
    struct sigaction sa {};
    sa.sa_handler = exit_now;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

void record_stop_signals(std::initializer_list<int> signals)
{
    struct sigaction sa {};
    sa.sa_handler = record_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (const int sig : signals)
        ::sigaction(sig, &sa, nullptr);
}

int stop_signal_caught()
{
    return g_stop_signal.load();
}

void capture_stdout_errors()
{
    // Never freed: std::cout is flushed by the runtime after every static
    // object is gone, and must still find its buffer then.
    g_stdout_buf = new FdBuf(STDOUT_FILENO);
    std::cout.rdbuf(g_stdout_buf);
}

int check_stdout(int exit_code)
{
    std::cout.flush();
    const int err = g_stdout_buf ? g_stdout_buf->error() : 0;
    if (std::cout && !err)
        return exit_code;
    std::cerr << "aio-audit: error: cannot write the report to standard output"
              << (err ? ": " + errno_text(err) : std::string()) << "\n";
    return kExitUsage;
}

}  // namespace aio::cli
