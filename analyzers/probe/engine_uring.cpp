// SPDX-License-Identifier: GPL-2.0-only
//
// io_uring through liburing. The kernel first tries each request with
// IOCB_NOWAIT; what cannot be done without blocking is either retried from
// task_work when the page arrives (async buffered reads) or punted to an
// io-wq worker thread ("iou-wrk-<pid>", a thread of this process). The CQ
// ring is in user memory, so ready-at-return is read without a syscall; a
// worker that ran during the batch marks its requests as punted.
#include <liburing.h>
#include <linux/fs.h>

#include <cerrno>
#include <vector>

#include "model/errors.h"
#include "probe/clock.h"
#include "probe/engine.h"
#include "probe/thread_watch.h"

namespace aio::probe {
namespace {

class UringEngine final : public Engine {
public:
    explicit UringEngine(unsigned depth)
    {
        if (const int rc = ::io_uring_queue_init(depth, &ring_, 0); rc != 0) {
            std::string hint;
            if (rc == -EPERM)
                hint = "io_uring is disabled for this process (sysctl kernel.io_uring_disabled)";
            else if (rc == -ENOSYS)
                hint = "this kernel has no io_uring (CONFIG_IO_URING=n)";
            throw EnvironmentError("io_uring: io_uring_queue_init(" + std::to_string(depth) + "): " + errno_text(-rc),
                                   hint);
        }
    }
    ~UringEngine() override { ::io_uring_queue_exit(&ring_); }
    UringEngine(const UringEngine&) = delete;
    UringEngine& operator=(const UringEngine&) = delete;

    EngineKind kind() const override { return EngineKind::io_uring; }
    bool has_rw_flags() const override { return true; }

    BatchInfo run_batch(int fd, std::span<const IoRequest> reqs, std::span<IoSample> out,
                        std::chrono::milliseconds timeout) override
    {
        const std::size_t n = reqs.size();
        for (std::size_t i = 0; i < n; ++i) {
            const IoRequest& r = reqs[i];
            io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
            if (r.write)
                ::io_uring_prep_write(sqe, fd, r.buf, static_cast<unsigned>(r.len), r.offset);
            else
                ::io_uring_prep_read(sqe, fd, r.buf, static_cast<unsigned>(r.len), r.offset);
            sqe->rw_flags = (r.nowait ? RWF_NOWAIT : 0);
            ::io_uring_sqe_set_data64(sqe, i);
            out[i] = IoSample{};
        }

        const TaskSnapshot before = snapshot_other_tasks();
        int rc = 0;
        const SubmitWindow window = measure_submit(&io_counter_, [&] { rc = ::io_uring_submit(&ring_); });
        const auto t0 = window.start_ns;
        const auto t1 = window.end_ns;

        const std::size_t submitted = rc < 0 ? 0 : static_cast<std::size_t>(rc);
        for (std::size_t i = 0; i < n; ++i) {
            out[i].submit_ns = window.duration_ns();
            out[i].slept = window.slept;
            out[i].device_read = window.device_read;
            out[i].submitted = i < submitted;
            if (i >= submitted)
                out[i].result = rc < 0 ? rc : -EAGAIN;
        }

        std::size_t pending = submitted;
        auto take = [&](io_uring_cqe* cqe, std::uint64_t t, bool at_return) {
            const auto idx = ::io_uring_cqe_get_data64(cqe);
            if (idx < n) {
                out[idx].result = cqe->res;
                out[idx].ready_at_return = at_return;
                out[idx].complete_ns = t - t0;
            }
            --pending;
        };
        // Already in the CQ ring when io_uring_enter returned.
        {
            unsigned head = 0;
            unsigned seen = 0;
            io_uring_cqe* cqe = nullptr;
            io_uring_for_each_cqe(&ring_, head, cqe)
            {
                if (pending == 0)
                    break;
                take(cqe, t1, true);
                ++seen;
            }
            ::io_uring_cq_advance(&ring_, seen);
        }

        BatchInfo info;
        info.submit_switches = window.switches;
        const Deadline deadline(t0, timeout);
        while (pending > 0) {
            auto ts = deadline.left<__kernel_timespec>();
            if (!ts) {
                info.timed_out = true;
                break;
            }
            io_uring_cqe* cqe = nullptr;
            const int w = ::io_uring_wait_cqe_timeout(&ring_, &cqe, &*ts);
            if (w == -EINTR)
                continue;
            if (w < 0) {
                info.timed_out = true;
                break;
            }
            take(cqe, now_ns(), false);
            ::io_uring_cqe_seen(&ring_, cqe);
        }
        if (info.timed_out) {
            for (std::size_t i = 0; i < submitted; ++i)
                if (out[i].complete_ns == 0 && out[i].result == 0)
                    out[i].result = -ETIME;
            drain_after_timeout();
        }

        const HelperActivity act = helper_activity(before, snapshot_other_tasks(), "iou-wrk");
        info.helper_threads = act.ran + act.appeared;
        // A worker can finish before io_uring_enter returns (the CQE is then
        // "ready at return"), so readiness does not rule out a punt: any worker
        // activity during the batch marks every request of it. With --depth 1
        // that is exact per request.
        if (act.any())
            for (std::size_t i = 0; i < submitted; ++i)
                out[i].punted = true;
        return info;
    }

private:
    ThreadIoCounter io_counter_;
    // A request that outlived its deadline would complete into a later batch;
    // cancel everything in flight and reap what comes back.
    void drain_after_timeout()
    {
        io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
        if (!sqe)
            return;
        ::io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
        ::io_uring_sqe_set_data64(sqe, UINT64_MAX);
        ::io_uring_submit(&ring_);
        __kernel_timespec ts{1, 0};
        io_uring_cqe* cqe = nullptr;
        while (::io_uring_wait_cqe_timeout(&ring_, &cqe, &ts) == 0)
            ::io_uring_cqe_seen(&ring_, cqe);
    }

    io_uring ring_{};
};

}  // namespace

std::unique_ptr<Engine> make_uring_engine(unsigned depth)
{
    return std::make_unique<UringEngine>(depth);
}

}  // namespace aio::probe
