// SPDX-License-Identifier: GPL-2.0-only
//
// The processes `trace` follows: a command it runs (`-- COMMAND`), or one
// that already runs (`-p PID`). Neither outlives what it is for: the command
// dies with the tracer, and the trace ends with the process.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace aio::cli {

// COMMAND, forked at construction and held until release(), so its first
// request is traced; it gets SIGKILL if aio-audit dies first (even by
// SIGKILL). Destroying an unreleased command makes it exit without running.
class TracedCommand {
public:
    // stdout_to_stderr: the report goes to standard output, so the command's
    // standard output is sent to standard error instead.
    TracedCommand(const std::vector<std::string>& argv, bool stdout_to_stderr);
    ~TracedCommand();
    TracedCommand(const TracedCommand&) = delete;
    TracedCommand& operator=(const TracedCommand&) = delete;

    pid_t pid() const { return pid_; }
    // Lets the command run; returns 0 once it was executed, else the errno
    // of the failed exec (the child has exited 127 then).
    int release();
    // True once the command exited (reaped).
    bool poll_exit();
    // Waits up to `seconds` for it to exit; false if it still runs.
    bool wait_exit(double seconds);
    // The exit status as a shell reports it: the code, or 128+N after signal N.
    int exit_code() const;
    void signal(int sig) const;

private:
    pid_t pid_ = -1;
    int go_fd_ = -1;    // the child waits for a byte (or EOF: give up)
    int exec_fd_ = -1;  // close-on-exec: EOF once exec succeeded, else its errno
    int status_ = 0;
    bool exited_ = false;
};

// A process given by -p, watched through a pidfd (immune to PID reuse).
class WatchedProcess {
public:
    // Throws UsageError (exit 2, one line) when there is no such process or
    // the PID is a thread of another process.
    explicit WatchedProcess(pid_t pid);
    ~WatchedProcess();
    WatchedProcess(const WatchedProcess&) = delete;
    WatchedProcess& operator=(const WatchedProcess&) = delete;
    bool exited() const;

private:
    pid_t pid_;
    int fd_ = -1;
};

}  // namespace aio::cli
