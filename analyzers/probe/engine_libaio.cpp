// SPDX-License-Identifier: GPL-2.0-only
//
// Kernel AIO through libaio. The io_context_t that io_setup returns is the
// user address of the kernel's completion ring (fs/aio.c, struct aio_ring),
// so the ring's tail can be read right after io_submit returns, without a
// syscall: an event already there was completed during submission.
#include <libaio.h>
#include <linux/fs.h>

#include <cerrno>
#include <ctime>
#include <vector>

#include "model/errors.h"
#include "probe/clock.h"
#include "probe/engine.h"
#include "probe/thread_watch.h"

namespace aio::probe {
namespace {

// fs/aio.c's struct aio_ring: the header is ABI (fio and libaio read it too).
struct AioRing {
    unsigned id;
    unsigned nr;
    unsigned head;
    unsigned tail;
    unsigned magic;
    unsigned compat_features;
    unsigned incompat_features;
    unsigned header_length;
    // struct io_event io_events[] follows.
};
static_assert(sizeof(AioRing) == 32, "fs/aio.c's ring header is 32 bytes");
constexpr unsigned kAioRingMagic = 0xa10a10a1;

class LibaioEngine final : public Engine {
public:
    explicit LibaioEngine(unsigned depth)
    {
        if (const int rc = ::io_setup(static_cast<int>(depth), &ctx_); rc != 0) {
            std::string hint;
            if (rc == -EAGAIN)
                hint = "the system-wide limit /proc/sys/fs/aio-max-nr is used up (see /proc/sys/fs/aio-nr)";
            else if (rc == -ENOSYS)
                hint = "this kernel has no kernel AIO (CONFIG_AIO=n)";
            throw EnvironmentError("libaio: io_setup(" + std::to_string(depth) + "): " + errno_text(-rc), hint);
        }
        ring_ = reinterpret_cast<AioRing*>(ctx_);
        if (ring_->magic != kAioRingMagic)
            ring_ = nullptr;  // never seen on Linux; ready-at-return then reads as unknown via io_getevents
    }
    ~LibaioEngine() override { ::io_destroy(ctx_); }
    LibaioEngine(const LibaioEngine&) = delete;
    LibaioEngine& operator=(const LibaioEngine&) = delete;

    EngineKind kind() const override { return EngineKind::libaio; }
    bool has_rw_flags() const override { return true; }

    BatchInfo run_batch(int fd, std::span<const IoRequest> reqs, std::span<IoSample> out,
                        std::chrono::milliseconds timeout) override
    {
        const std::size_t n = reqs.size();
        std::vector<iocb> cbs(n);
        std::vector<iocb*> ptrs(n);
        for (std::size_t i = 0; i < n; ++i) {
            const IoRequest& r = reqs[i];
            if (r.write)
                ::io_prep_pwrite(&cbs[i], fd, r.buf, r.len, static_cast<long long>(r.offset));
            else
                ::io_prep_pread(&cbs[i], fd, r.buf, r.len, static_cast<long long>(r.offset));
            cbs[i].aio_rw_flags = (r.nowait ? RWF_NOWAIT : 0);
            cbs[i].data = reinterpret_cast<void*>(i);
            ptrs[i] = &cbs[i];
            out[i] = IoSample{};
        }

        const unsigned tail0 = ring_ ? __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE) : 0;
        int rc = 0;
        const SubmitWindow window =
            measure_submit(&io_counter_, [&] { rc = ::io_submit(ctx_, static_cast<long>(n), ptrs.data()); });
        const auto t0 = window.start_ns;
        const auto t1 = window.end_ns;
        const unsigned tail1 = ring_ ? __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE) : 0;

        const std::size_t submitted = rc < 0 ? 0 : static_cast<std::size_t>(rc);
        for (std::size_t i = 0; i < n; ++i) {
            out[i].submit_ns = window.duration_ns();
            out[i].slept = window.slept;
            out[i].device_read = window.device_read;
            out[i].submitted = i < submitted;
            // io_submit reports only the first refusal; later iocbs were not tried.
            if (i >= submitted)
                out[i].result = (rc < 0 && i == 0) ? rc : -EAGAIN;
        }
        // The events posted while io_submit ran sit between the old and new tail
        // (the ring was drained by the previous batch).
        if (ring_) {
            for (unsigned k = tail0; k != tail1; k = (k + 1) % ring_->nr) {
                const auto* events = reinterpret_cast<const io_event*>(ring_ + 1);
                const auto idx = reinterpret_cast<std::uintptr_t>(events[k].data);
                if (idx < n)
                    out[idx].ready_at_return = true;
            }
        }

        BatchInfo info;
        info.submit_switches = window.switches;
        std::size_t pending = submitted;
        std::vector<io_event> events(n ? n : 1);
        const Deadline deadline(t0, timeout);
        while (pending > 0) {
            auto ts = deadline.left();
            if (!ts) {
                info.timed_out = true;
                break;
            }
            const int got = ::io_getevents(ctx_, 1, static_cast<long>(pending), events.data(), &*ts);
            const auto t = now_ns();
            if (got < 0) {
                if (got == -EINTR)
                    continue;
                info.timed_out = true;
                break;
            }
            for (int e = 0; e < got; ++e) {
                const auto idx = reinterpret_cast<std::uintptr_t>(events[static_cast<std::size_t>(e)].data);
                if (idx >= n)
                    continue;
                out[idx].result = static_cast<long>(events[static_cast<std::size_t>(e)].res);
                out[idx].complete_ns = out[idx].ready_at_return ? (t1 - t0) : (t - t0);
            }
            pending -= static_cast<std::size_t>(got);
        }
        if (info.timed_out) {
            // Requests still in flight: try to cancel them; io_destroy would
            // otherwise wait for them.
            io_event ev{};
            for (std::size_t i = 0; i < submitted; ++i)
                if (out[i].complete_ns == 0 && ::io_cancel(ctx_, &cbs[i], &ev) == 0)
                    out[i].result = -ECANCELED;
            for (std::size_t i = 0; i < submitted; ++i)
                if (out[i].complete_ns == 0 && out[i].result == 0)
                    out[i].result = -ETIME;
        }
        return info;
    }

private:
    ThreadIoCounter io_counter_;
    io_context_t ctx_ = nullptr;
    AioRing* ring_ = nullptr;
};

}  // namespace

std::unique_ptr<Engine> make_libaio_engine(unsigned depth)
{
    return std::make_unique<LibaioEngine>(depth);
}

}  // namespace aio::probe
