// SPDX-License-Identifier: GPL-2.0-only
#include "scan/git.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

extern char** environ;

namespace aio::scan {

GitResult run_program(const std::string& program, const std::vector<std::string>& args, std::string_view input)
{
    GitResult r;
    int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0)
        return r;
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return r;
    }
    if (!input.empty() && ::pipe2(in_pipe, O_CLOEXEC) != 0) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            ::close(fd);
        return r;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    if (in_pipe[0] >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);

    std::vector<std::string> storage;
    storage.push_back(program);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);

    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (in_pipe[0] >= 0)
        ::close(in_pipe[0]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        if (in_pipe[1] >= 0)
            ::close(in_pipe[1]);
        r.err = program + ": cannot run";
        return r;
    }
    // Feed stdin and read both outputs together: a chatty stderr, or a
    // child that answers while it reads (git cat-file --batch), must not
    // deadlock on a full pipe.
    if (in_pipe[1] >= 0)
        ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
    pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open = 2;
    std::size_t fed = 0;
    char buf[65536];
    while (open > 0) {
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            // A child that exits before reading everything must not kill
            // us with SIGPIPE: block it for this write, and drop it if raised.
            sigset_t pipe_set, old;
            sigemptyset(&pipe_set);
            sigaddset(&pipe_set, SIGPIPE);
            ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
            const ssize_t n = ::write(fds[2].fd, input.data() + fed, input.size() - fed);
            if (n < 0 && errno == EPIPE) {
                const timespec zero{};
                ::sigtimedwait(&pipe_set, nullptr, &zero);
            }
            ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
            if (n > 0)
                fed += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EINTR && errno != EAGAIN) || fed == input.size()) {
                ::close(fds[2].fd);
                fds[2].fd = -1;
            }
        }
        for (int k = 0; k < 2; ++k) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[k]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[k].fd);
                fds[k].fd = -1;
                --open;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0)
            ::close(f.fd);
    (void)fed;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

GitResult run_git(const std::string& dir, const std::vector<std::string>& args, std::string_view input)
{
    // A user's configuration must not change the paths check reads:
    // prefixes are given on the command line, quoting is git's default
    // (which parse_unified_diff undoes), and no external tool runs.
    // --literal-pathspecs: a directory named "a*b" is that directory.
    std::vector<std::string> full = {"-C",
                                     dir,
                                     "--literal-pathspecs",
                                     "-c",
                                     "core.quotePath=true",
                                     "-c",
                                     "diff.noprefix=false",
                                     "-c",
                                     "diff.mnemonicPrefix=false",
                                     "-c",
                                     "diff.relative=false",
                                     "-c",
                                     "color.ui=false"};
    full.insert(full.end(), args.begin(), args.end());
    return run_program("git", full, input);
}

}  // namespace aio::scan
