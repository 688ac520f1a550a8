// SPDX-License-Identifier: GPL-2.0-only
//
// io_uring through liburing. The kernel first tries each request with
// IOCB_NOWAIT; what cannot be done without blocking is either retried from
// task_work when the page arrives (async buffered reads) or punted to an
// io-wq worker thread ("iou-wrk-<pid>", a thread of this process). The CQ
// ring is in user memory, so ready-at-return is read without a syscall; a
// worker that ran while a request was in flight marks it as punted.
#include <liburing.h>
#include <linux/fs.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "model/errors.h"
#include "probe/clock.h"
#include "probe/engine.h"
#include "probe/thread_watch.h"

namespace aio::probe {
namespace {

constexpr std::uint64_t kCancelTag = UINT64_MAX;

class UringEngine final : public Engine {
public:
    explicit UringEngine(unsigned slots)
        : Engine(slots), start_ns_(slots), touched_(slots, false), helpers_("iou-wrk")
    {
        if (const int rc = ::io_uring_queue_init(slots, &ring_, 0); rc != 0) {
            std::string hint;
            if (rc == -EPERM)
                hint = "io_uring is disabled for this process (sysctl kernel.io_uring_disabled)";
            else if (rc == -ENOSYS)
                hint = "this kernel has no io_uring (CONFIG_IO_URING=n)";
            throw EnvironmentError("io_uring: io_uring_queue_init(" + std::to_string(slots) + "): " + errno_text(-rc),
                                   hint);
        }
    }
    ~UringEngine() override
    {
        if (in_flight_ > 0)
            cancel_all();
        ::io_uring_queue_exit(&ring_);
    }
    UringEngine(const UringEngine&) = delete;
    UringEngine& operator=(const UringEngine&) = delete;

    EngineKind kind() const override { return EngineKind::io_uring; }
    bool has_rw_flags() const override { return true; }

    void submit(int fd, std::span<const IoRequest> reqs) override
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
            ::io_uring_sqe_set_data64(sqe, r.slot);
            samples_[r.slot] = IoSample{};
        }

        mark_helpers();
        int rc = 0;
        const SubmitWindow window = measure_submit(&io_counter_, [&] { rc = ::io_uring_submit(&ring_); });
        ++submit_calls_;
        submit_switches_ += window.switches;

        const std::size_t submitted = rc < 0 ? 0 : static_cast<std::size_t>(rc);
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned slot = reqs[i].slot;
            IoSample& s = samples_[slot];
            s.submit_ns = window.duration_ns();
            s.slept = window.slept;
            s.device_read = window.device_read;
            s.submitted = i < submitted;
            start_ns_[slot] = window.start_ns;
            busy_[slot] = true;
            touched_[slot] = true;
            ++in_flight_;
            if (i >= submitted) {
                s.result = rc < 0 ? rc : -EAGAIN;
                s.complete_ns = window.duration_ns();
                done_.push_back(slot);
            }
        }
        // Already in the CQ ring when io_uring_enter returned: ready at
        // return for this call's requests; earlier ones just completed.
        unsigned head = 0;
        unsigned seen = 0;
        io_uring_cqe* cqe = nullptr;
        io_uring_for_each_cqe(&ring_, head, cqe)
        {
            const auto slot = ::io_uring_cqe_get_data64(cqe);
            ++seen;
            if (slot >= slots() || !busy_[slot])
                continue;
            IoSample& s = samples_[slot];
            s.result = cqe->res;
            const bool mine = start_ns_[slot] == window.start_ns;
            s.ready_at_return = mine;
            s.complete_ns = window.end_ns - start_ns_[slot];
            done_.push_back(static_cast<unsigned>(slot));
        }
        ::io_uring_cq_advance(&ring_, seen);
    }

    ReapResult reap(unsigned min, std::chrono::milliseconds timeout) override
    {
        ReapResult out;
        take_done(out);
        const Deadline deadline(now_ns(), timeout);
        while (out.slots.size() < min && in_flight_ > 0) {
            auto ts = deadline.left<__kernel_timespec>();
            if (!ts) {
                out.timed_out = true;
                break;
            }
            io_uring_cqe* cqe = nullptr;
            const int w = ::io_uring_wait_cqe_timeout(&ring_, &cqe, &*ts);
            if (w == -EINTR)
                continue;
            if (w < 0) {
                out.timed_out = true;
                break;
            }
            const auto t = now_ns();
            const auto slot = ::io_uring_cqe_get_data64(cqe);
            if (slot < slots() && busy_[slot]) {
                samples_[slot].result = cqe->res;
                samples_[slot].complete_ns = t - start_ns_[slot];
                finish(static_cast<unsigned>(slot), out);
            }
            ::io_uring_cqe_seen(&ring_, cqe);
        }
        mark_helpers();
        return out;
    }

    std::vector<unsigned> cancel_all() override
    {
        ReapResult out;
        take_done(out);
        // A request that outlived its deadline would complete into a later
        // batch: cancel everything in flight and reap what comes back.
        if (io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_)) {
            ::io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
            ::io_uring_sqe_set_data64(sqe, kCancelTag);
            ::io_uring_submit(&ring_);
        }
        __kernel_timespec ts{1, 0};
        io_uring_cqe* cqe = nullptr;
        while (in_flight_ > 0 && ::io_uring_wait_cqe_timeout(&ring_, &cqe, &ts) == 0) {
            const auto slot = ::io_uring_cqe_get_data64(cqe);
            if (slot < slots() && busy_[slot]) {
                samples_[slot].result = cqe->res == 0 ? -ETIME : cqe->res;
                finish(static_cast<unsigned>(slot), out);
            }
            ::io_uring_cqe_seen(&ring_, cqe);
        }
        time_out_busy(out);
        return out.slots;
    }

private:
    void mark_helpers()
    {
        const HelperActivity act = helpers_.mark();
        mark_helper_activity(act.ran, act.appeared, touched_);
    }

    ThreadIoCounter io_counter_;
    io_uring ring_{};
    std::vector<std::uint64_t> start_ns_;
    std::vector<bool> touched_;  // in flight at some point since the last mark
    HelperTracker helpers_;
};

}  // namespace

std::unique_ptr<Engine> make_uring_engine(unsigned slots)
{
    return std::make_unique<UringEngine>(slots);
}

}  // namespace aio::probe
