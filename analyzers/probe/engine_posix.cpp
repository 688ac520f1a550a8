// SPDX-License-Identifier: GPL-2.0-only
//
// glibc's POSIX AIO (aio_read(3)/aio_write(3)). glibc implements it in user
// space: helper threads of this process call blocking pread/pwrite. The
// kernel's AIO is never used. What this engine measures is exactly that: the
// caller returns at once, and another thread of the process did the I/O.
#include <aio.h>
#include <fcntl.h>

#include <cerrno>
#include <vector>

#include "probe/clock.h"
#include "probe/engine.h"
#include "probe/thread_watch.h"

namespace aio::probe {
namespace {

class PosixEngine final : public Engine {
public:
    EngineKind kind() const override { return EngineKind::posix; }
    bool has_rw_flags() const override { return false; }

    BatchInfo run_batch(int fd, std::span<const IoRequest> reqs, std::span<IoSample> out,
                        std::chrono::milliseconds timeout) override
    {
        const std::size_t n = reqs.size();
        std::vector<aiocb> cbs(n);
        for (std::size_t i = 0; i < n; ++i) {
            cbs[i].aio_fildes = fd;
            cbs[i].aio_buf = reqs[i].buf;
            cbs[i].aio_nbytes = reqs[i].len;
            cbs[i].aio_offset = static_cast<off_t>(reqs[i].offset);
            cbs[i].aio_sigevent.sigev_notify = SIGEV_NONE;
            out[i] = IoSample{};
        }

        const TaskSnapshot before = snapshot_other_tasks();
        // A helper thread reads, not this one: no device-read counter.
        const SubmitWindow window = measure_submit(nullptr, [&] {
            for (std::size_t i = 0; i < n; ++i) {
                const int rc = reqs[i].write ? ::aio_write(&cbs[i]) : ::aio_read(&cbs[i]);
                out[i].submitted = rc == 0;
                if (rc != 0)
                    out[i].result = -errno;
            }
        });
        const auto t0 = window.start_ns;
        const auto t1 = window.end_ns;

        std::vector<bool> done(n, false);
        std::size_t pending = 0;
        for (std::size_t i = 0; i < n; ++i) {
            out[i].submit_ns = window.duration_ns();
            out[i].slept = window.slept;
            if (!out[i].submitted) {
                done[i] = true;
                continue;
            }
            if (::aio_error(&cbs[i]) != EINPROGRESS) {
                out[i].ready_at_return = true;
                out[i].complete_ns = t1 - t0;
                done[i] = true;
            } else {
                ++pending;
            }
        }

        BatchInfo info;
        info.submit_switches = window.switches;
        const Deadline deadline(t0, timeout);
        std::vector<const aiocb*> list;
        while (pending > 0) {
            list.clear();
            for (std::size_t i = 0; i < n; ++i)
                if (!done[i])
                    list.push_back(&cbs[i]);
            const auto ts = deadline.left();
            if (!ts) {
                info.timed_out = true;
                break;
            }
            ::aio_suspend(list.data(), static_cast<int>(list.size()), &*ts);
            const auto t = now_ns();
            for (std::size_t i = 0; i < n; ++i) {
                if (done[i] || ::aio_error(&cbs[i]) == EINPROGRESS)
                    continue;
                done[i] = true;
                out[i].complete_ns = t - t0;
                --pending;
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (!out[i].submitted)
                continue;
            if (!done[i]) {
                ::aio_cancel(fd, &cbs[i]);
                // glibc cannot interrupt a helper blocked in pread: wait for it,
                // the aiocb must outlive the request.
                const aiocb* one[] = {&cbs[i]};
                while (::aio_error(&cbs[i]) == EINPROGRESS)
                    ::aio_suspend(one, 1, nullptr);
                out[i].result = -ETIME;
                continue;
            }
            const int err = ::aio_error(&cbs[i]);
            const ssize_t ret = ::aio_return(&cbs[i]);
            out[i].result = err ? -err : ret;
        }

        const HelperActivity act = helper_activity(before, snapshot_other_tasks(), "");
        info.helper_threads = act.ran + act.appeared;
        if (act.any())
            for (std::size_t i = 0; i < n; ++i)
                if (out[i].submitted)
                    out[i].punted = true;
        return info;
    }
};

}  // namespace

std::unique_ptr<Engine> make_posix_engine(unsigned)
{
    return std::make_unique<PosixEngine>();
}

}  // namespace aio::probe
