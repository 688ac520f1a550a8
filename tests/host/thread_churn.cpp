// SPDX-License-Identifier: GPL-2.0-only
//
// A workload for the host tests: THREADS threads, one after another, each
// submitting one 4 KiB read of FILE with io_submit and reaping it, then
// ending, as a server that spawns a thread per request does. More threads
// than `trace` has room for at once: it must let go of each thread's state
// when the thread ends.
//
//   thread_churn FILE THREADS      exit 0 when every read returned 4096 bytes
#include <fcntl.h>
#include <libaio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: thread_churn FILE THREADS\n");
        return 2;
    }
    const int threads = std::atoi(argv[2]);
    const int fd = ::open(argv[1], O_RDONLY);
    if (fd < 0 || threads <= 0) {
        std::fprintf(stderr, "thread_churn: %s: %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    io_context_t ctx{};
    if (int e = io_setup(1, &ctx); e < 0) {
        std::fprintf(stderr, "thread_churn: io_setup: %s\n", std::strerror(-e));
        return 2;
    }
    static char buf[4096];
    bool failed = false;
    for (int i = 0; i < threads && !failed; ++i) {
        std::thread t([&] {
            iocb cb{};
            iocb* cbp = &cb;
            io_event ev{};
            io_prep_pread(&cb, fd, buf, sizeof(buf), 0);
            if (io_submit(ctx, 1, &cbp) != 1 || io_getevents(ctx, 1, 1, &ev, nullptr) != 1 ||
                ev.res != sizeof(buf))
                failed = true;
        });
        t.join();
    }
    io_destroy(ctx);
    if (failed)
        std::fprintf(stderr, "thread_churn: a read failed\n");
    return failed ? 1 : 0;
}
