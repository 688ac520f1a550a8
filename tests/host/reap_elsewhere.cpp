// SPDX-License-Identifier: GPL-2.0-only
//
// A workload for the host tests: one thread submits O_DIRECT 4 KiB reads of
// FILE with io_submit, another reaps them with io_getevents, as servers with
// a completion thread do. `trace` must still time each completion.
//
//   reap_elsewhere FILE COUNT      exit 0 when every read returned 4096 bytes
#include <fcntl.h>
#include <libaio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: reap_elsewhere FILE COUNT\n");
        return 2;
    }
    const int count = std::atoi(argv[2]);
    const int fd = ::open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0 || count <= 0) {
        std::fprintf(stderr, "reap_elsewhere: %s: %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    constexpr int kDepth = 8;
    io_context_t ctx{};
    if (int e = io_setup(kDepth, &ctx); e < 0) {
        std::fprintf(stderr, "reap_elsewhere: io_setup: %s\n", std::strerror(-e));
        return 2;
    }
    std::vector<iocb> cbs(kDepth);
    std::vector<void*> bufs(kDepth);
    for (auto& b : bufs)
        if (posix_memalign(&b, 4096, 4096))
            return 2;
    // Slots are handed back by the reaper; the submitter waits for a free one.
    std::atomic<int> free_slots{kDepth};
    std::atomic<bool> failed{false};
    std::vector<std::atomic<bool>> busy(kDepth);

    std::thread reaper([&] {
        int reaped = 0;
        io_event ev[kDepth];
        while (reaped < count) {
            const int n = io_getevents(ctx, 1, kDepth, ev, nullptr);
            if (n < 0 && n != -EINTR) {
                failed = true;
                return;
            }
            for (int i = 0; i < n; ++i) {
                if (ev[i].res != 4096)
                    failed = true;
                busy[static_cast<iocb*>(ev[i].obj) - cbs.data()] = false;
                free_slots.fetch_add(1);
            }
            reaped += n > 0 ? n : 0;
        }
    });
    for (int i = 0; i < count && !failed; ++i) {
        while (free_slots.load() == 0)
            std::this_thread::yield();
        int slot = 0;
        while (busy[slot])
            slot = (slot + 1) % kDepth;
        busy[slot] = true;
        free_slots.fetch_sub(1);
        iocb* cb = &cbs[slot];
        io_prep_pread(cb, fd, bufs[slot], 4096, static_cast<long long>(i % 256) * 4096);
        if (io_submit(ctx, 1, &cb) != 1) {
            failed = true;
            break;
        }
    }
    if (failed) {
        // The reaper may wait for requests never submitted: do not join it.
        std::fprintf(stderr, "reap_elsewhere: a request failed\n");
        std::_Exit(1);
    }
    reaper.join();
    io_destroy(ctx);
    return failed ? 1 : 0;
}
