// SPDX-License-Identifier: GPL-2.0-only
#include "report/file_rewrite.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sstream>

#include "model/errors.h"

namespace aio::report {
namespace {

// SIGINT and SIGTERM wait while FILE.tmp exists: a handler that ends the
// process at once (cli's exit_on_stop_signals) then runs after the rename
// or the unlink, and nothing is left behind.
class StopSignalsHeld {
public:
    StopSignalsHeld()
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        ::pthread_sigmask(SIG_BLOCK, &set, &old_);
    }
    ~StopSignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    StopSignalsHeld(const StopSignalsHeld&) = delete;
    StopSignalsHeld& operator=(const StopSignalsHeld&) = delete;

private:
    sigset_t old_;
};

}  // namespace

bool write_all(int fd, std::string_view data, int& err)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

FileRewriter::FileRewriter(std::string path) : path_(std::move(path)) {}

std::string FileRewriter::write(const Render& render)
{
    // Rendered first, in memory: the temp file exists only for the writing.
    std::ostringstream text;
    render(text);
    const std::string data = std::move(text).str();
    const std::string tmp = temp_path();
    StopSignalsHeld held;
    // O_EXCL: a FILE.tmp that is someone else's is not clobbered.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return tmp + ": " + errno_text(errno);
    int err = 0;
    const bool written = write_all(fd, data, err);
    if (::close(fd) != 0 && written)
        err = errno;
    if (err == 0 && ::rename(tmp.c_str(), path_.c_str()) == 0)
        return {};
    if (err == 0)
        err = errno;
    ::unlink(tmp.c_str());
    return path_ + ": " + errno_text(err);
}

std::string FileRewriter::refresh(const Render& render)
{
    std::string error = write(render);
    if (error.empty() || warned_)
        return {};
    warned_ = true;
    return error;
}

void FileRewriter::finish(const Render& render)
{
    if (const std::string error = write(render); !error.empty())
        throw UsageError("cannot write the report to " + error);
}

}  // namespace aio::report
