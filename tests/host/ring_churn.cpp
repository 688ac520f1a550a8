// SPDX-License-Identifier: GPL-2.0-only
//
// A workload for the host tests: ROUNDS times, one thread makes an aio
// context, submits one 4 KiB read of FILE with io_submit, reaps it and
// destroys the context. The kernel frees a destroyed kioctx later (after an
// RCU grace period) and the next ring usually lands at the user address of
// the last: a tracer that kept the old kioctx for that address reads a tail
// that no longer moves, and reads served in the call look served after it.
//
//   ring_churn FILE ROUNDS      exit 0 when every read returned 4096 bytes
#include <fcntl.h>
#include <libaio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: ring_churn FILE ROUNDS\n");
        return 2;
    }
    const int rounds = std::atoi(argv[2]);
    const int fd = ::open(argv[1], O_RDONLY);
    if (fd < 0 || rounds <= 0) {
        std::fprintf(stderr, "ring_churn: %s: %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    static char buf[4096];
    for (int i = 0; i < rounds; ++i) {
        io_context_t ctx{};
        if (int e = io_setup(8, &ctx); e < 0) {
            std::fprintf(stderr, "ring_churn: io_setup: %s\n", std::strerror(-e));
            return 2;
        }
        iocb cb{};
        iocb* cbp = &cb;
        io_event ev{};
        io_prep_pread(&cb, fd, buf, sizeof(buf), 0);
        const bool ok = io_submit(ctx, 1, &cbp) == 1 && io_getevents(ctx, 1, 1, &ev, nullptr) == 1 &&
                        ev.res == sizeof(buf);
        io_destroy(ctx);
        if (!ok) {
            std::fprintf(stderr, "ring_churn: read %d failed\n", i);
            return 1;
        }
    }
    return 0;
}
