// SPDX-License-Identifier: GPL-2.0-only
//
// batch_submit [OPTIONS] N FILE...: N times, one io_submit with one 4 KiB
// iocb per FILE, in that order (a FILE may be named several times: each is
// opened on its own), then io_getevents until all of them completed. Trace
// cases use it to give io_submit batches of known shape:
//
//   --direct       open with O_DIRECT
//   --write        write instead of read
//   --stride B     iocb k of round r is at offset (r * nfiles + k) * B (default
//                  0: every iocb at offset 0). Strides keep the block layer
//                  from merging a batch into one request.
//   --span B       offsets wrap at B bytes (default: no wrap)
//   --cold         read the file's pages from the device each time: no
//                  readahead (POSIX_FADV_RANDOM), page cache dropped before
//                  each round (POSIX_FADV_DONTNEED)
//
// Exit 0 when every request transferred 4096 bytes; 1 otherwise; 2 on usage.
#include <fcntl.h>
#include <libaio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kSize = 4096;

int usage()
{
    std::fprintf(stderr, "usage: batch_submit [--direct] [--write] [--stride BYTES] [--span BYTES] [--cold] "
                         "N FILE...\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv)
{
    bool direct = false, write = false, cold = false;
    unsigned long long stride = 0, span = 0;
    int a = 1;
    for (; a < argc && std::strncmp(argv[a], "--", 2) == 0; ++a) {
        const std::string opt = argv[a];
        if (opt == "--direct")
            direct = true;
        else if (opt == "--write")
            write = true;
        else if (opt == "--cold")
            cold = true;
        else if ((opt == "--stride" || opt == "--span") && a + 1 < argc)
            (opt == "--stride" ? stride : span) = std::strtoull(argv[++a], nullptr, 0);
        else
            return usage();
    }
    if (argc - a < 2)
        return usage();
    const int rounds = std::atoi(argv[a]);
    const int nfiles = argc - a - 1;
    std::vector<int> fds;
    for (int i = 0; i < nfiles; ++i) {
        const char* path = argv[a + 1 + i];
        const int fd = ::open(path, (write ? O_WRONLY : O_RDONLY) | (direct ? O_DIRECT : 0));
        if (fd < 0) {
            std::fprintf(stderr, "batch_submit: %s: %s\n", path, std::strerror(errno));
            return 2;
        }
        if (cold)
            ::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
        fds.push_back(fd);
    }
    io_context_t ctx{};
    if (const int e = io_setup(nfiles, &ctx); e < 0) {
        std::fprintf(stderr, "batch_submit: io_setup: %s\n", std::strerror(-e));
        return 2;
    }
    std::vector<iocb> cbs(static_cast<std::size_t>(nfiles));
    std::vector<iocb*> ptrs;
    std::vector<void*> bufs;
    for (int i = 0; i < nfiles; ++i) {
        void* buf = std::aligned_alloc(kSize, kSize);  // O_DIRECT wants aligned buffers
        if (!buf)
            return 2;
        std::memset(buf, 'w', kSize);
        bufs.push_back(buf);
    }
    std::vector<io_event> events(static_cast<std::size_t>(nfiles));
    for (int r = 0; r < rounds; ++r) {
        ptrs.clear();
        if (cold)
            for (const int fd : fds)
                ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        for (int i = 0; i < nfiles; ++i) {
            unsigned long long off = (static_cast<unsigned long long>(r) * nfiles + i) * stride;
            if (span)
                off %= span;
            if (write)
                io_prep_pwrite(&cbs[i], fds[i], bufs[i], kSize, static_cast<long long>(off));
            else
                io_prep_pread(&cbs[i], fds[i], bufs[i], kSize, static_cast<long long>(off));
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
                if (events[i].res != kSize) {
                    std::fprintf(stderr, "batch_submit: a request returned %ld\n", static_cast<long>(events[i].res));
                    return 1;
                }
            done += n > 0 ? n : 0;
        }
    }
    io_destroy(ctx);
    for (void* b : bufs)
        std::free(b);
    return 0;
}
