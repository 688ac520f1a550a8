// SPDX-License-Identifier: GPL-2.0-only
#include "traced_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "model/errors.h"

namespace aio::cli {

TracedCommand::TracedCommand(const std::vector<std::string>& argv, bool stdout_to_stderr)
{
    // Everything the child needs is built before fork: between fork and exec
    // it only calls what is async-signal-safe.
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int go[2], exec_err[2];
    if (::pipe2(go, O_CLOEXEC) != 0)
        throw EnvironmentError("pipe: " + errno_text(errno));
    if (::pipe2(exec_err, O_CLOEXEC) != 0) {
        const int err = errno;
        ::close(go[0]);
        ::close(go[1]);
        throw EnvironmentError("pipe: " + errno_text(err));
    }
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        const int err = errno;
        for (int fd : {go[0], go[1], exec_err[0], exec_err[1]})
            ::close(fd);
        throw EnvironmentError("fork: " + errno_text(err));
    }
    if (pid_ == 0) {
        ::close(go[1]);
        ::close(exec_err[0]);
        // A tracer killed by SIGKILL runs no cleanup: the kernel ends the
        // command instead. If the tracer died before prctl took effect the
        // child has been reparented already, and must not run at all.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)
            ::_exit(127);
        char c;
        if (::read(go[0], &c, 1) != 1)
            ::_exit(127);  // the tracer gave up before tracing started
        if (stdout_to_stderr && ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
            ::_exit(127);
        ::execvp(args[0], args.data());
        const int err = errno;
        (void)!::write(exec_err[1], &err, sizeof err);
        ::_exit(127);
    }
    ::close(go[0]);
    ::close(exec_err[1]);
    go_fd_ = go[1];
    exec_fd_ = exec_err[0];
}

int TracedCommand::release()
{
    if (go_fd_ < 0)
        return 0;
    (void)!::write(go_fd_, "g", 1);
    ::close(go_fd_);
    go_fd_ = -1;
    // Returns at once: EOF when exec closed the pipe, or the errno.
    int err = 0;
    ssize_t n;
    do
        n = ::read(exec_fd_, &err, sizeof err);
    while (n < 0 && errno == EINTR);
    ::close(exec_fd_);
    exec_fd_ = -1;
    return n == static_cast<ssize_t>(sizeof err) ? err : 0;
}

bool TracedCommand::poll_exit()
{
    if (!exited_ && ::waitpid(pid_, &status_, WNOHANG) == pid_)
        exited_ = true;
    return exited_;
}

bool TracedCommand::wait_exit(double seconds)
{
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!poll_exit()) {
        if (std::chrono::steady_clock::now() >= until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

int TracedCommand::exit_code() const
{
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void TracedCommand::signal(int sig) const
{
    if (!exited_)
        ::kill(pid_, sig);
}

TracedCommand::~TracedCommand()
{
    if (go_fd_ >= 0)
        ::close(go_fd_);  // the child sees EOF and exits without running COMMAND
    if (exec_fd_ >= 0)
        ::close(exec_fd_);
    // Still running when the trace ended (see run_trace): it would die with
    // us anyway (PR_SET_PDEATHSIG); kill it now so the wait below returns.
    if (pid_ > 0 && !exited_) {
        if (!poll_exit())
            ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
}

WatchedProcess::WatchedProcess(pid_t pid) : pid_(pid)
{
    fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd_ >= 0) {
        if (exited())
            throw UsageError("-p " + std::to_string(pid) + ": the process has exited");
        return;
    }
    const int err = errno;
    const std::string name = "-p " + std::to_string(pid);
    if (err == ESRCH)
        throw UsageError(name + ": no such process");
    // A thread that does not lead its process: EINVAL (ENOENT on 6.18).
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status)
        throw UsageError(name + ": no such process");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Tgid:", 0) != 0)
            continue;
        const std::string tgid = line.substr(line.find_first_not_of(" \t", 5));
        if (tgid != std::to_string(pid))
            throw UsageError(name + " is a thread of process " + tgid + ": give that PID");
    }
    throw EnvironmentError(name + ": pidfd_open: " + errno_text(err));
}

WatchedProcess::~WatchedProcess()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool WatchedProcess::exited() const
{
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP));
}

}  // namespace aio::cli
