// SPDX-License-Identifier: GPL-2.0-only
//
// batch_submit N FILE...: N times, one io_submit with one 4 KiB read iocb per
// FILE, in that order, then io_getevents until all of them completed. A
// guest case traces it to check that a sleep in one iocb's submission is not
// charged to the others in the batch (io_submit_one hooked).
//
// Exit 0 when every read returned 4096 bytes; 1 otherwise; 2 on usage.
#include <fcntl.h>
#include <libaio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: batch_submit N FILE...\n");
        return 2;
    }
    const int rounds = std::atoi(argv[1]);
    const int nfiles = argc - 2;
    std::vector<int> fds;
    for (int i = 0; i < nfiles; ++i) {
        const int fd = ::open(argv[2 + i], O_RDONLY);
        if (fd < 0) {
            std::fprintf(stderr, "batch_submit: %s: %s\n", argv[2 + i], std::strerror(errno));
            return 2;
        }
        fds.push_back(fd);
    }
    io_context_t ctx{};
    if (const int e = io_setup(nfiles, &ctx); e < 0) {
        std::fprintf(stderr, "batch_submit: io_setup: %s\n", std::strerror(-e));
        return 2;
    }
    std::vector<iocb> cbs(static_cast<std::size_t>(nfiles));
    std::vector<iocb*> ptrs;
    std::vector<std::vector<char>> bufs(static_cast<std::size_t>(nfiles), std::vector<char>(4096));
    std::vector<io_event> events(static_cast<std::size_t>(nfiles));
    for (int r = 0; r < rounds; ++r) {
        ptrs.clear();
        for (int i = 0; i < nfiles; ++i) {
            io_prep_pread(&cbs[i], fds[i], bufs[i].data(), 4096, 0);
            ptrs.push_back(&cbs[i]);
        }
        if (const int n = io_submit(ctx, nfiles, ptrs.data()); n != nfiles) {
            std::fprintf(stderr, "batch_submit: io_submit: %d\n", n);
            return 1;
        }
        for (int done = 0; done < nfiles;) {
            const int n = io_getevents(ctx, 1, nfiles, events.data(), nullptr);
            if (n < 0 && n != -EINTR) {
                std::fprintf(stderr, "batch_submit: io_getevents: %s\n", std::strerror(-n));
                return 1;
            }
            for (int i = 0; i < n; ++i)
                if (events[i].res != 4096) {
                    std::fprintf(stderr, "batch_submit: a read returned %ld\n", static_cast<long>(events[i].res));
                    return 1;
                }
            done += n > 0 ? n : 0;
        }
    }
    io_destroy(ctx);
    return 0;
}
