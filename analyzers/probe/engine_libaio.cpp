// SPDX-License-Identifier: GPL-2.0-only
//
// Kernel AIO through libaio. The io_context_t that io_setup returns is the
// user address of the kernel's completion ring (fs/aio.c, struct aio_ring),
// so the ring's tail can be read right after io_submit returns, without a
// syscall: an event already there was completed during submission.
#include <libaio.h>
#include <linux/fs.h>

#include <algorithm>
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
    explicit LibaioEngine(unsigned slots) : Engine(slots), cbs_(slots), start_ns_(slots)
    {
        if (const int rc = ::io_setup(static_cast<int>(slots), &ctx_); rc != 0) {
            std::string hint;
            if (rc == -EAGAIN)
                hint = "the system-wide limit /proc/sys/fs/aio-max-nr is used up (see /proc/sys/fs/aio-nr)";
            else if (rc == -ENOSYS)
                hint = "this kernel has no kernel AIO (CONFIG_AIO=n)";
            throw EnvironmentError("libaio: io_setup(" + std::to_string(slots) + "): " + errno_text(-rc), hint);
        }
        ring_ = reinterpret_cast<AioRing*>(ctx_);
        if (ring_->magic != kAioRingMagic)
            ring_ = nullptr;  // never seen on Linux; ready-at-return then reads as false
    }
    ~LibaioEngine() override
    {
        if (in_flight_ > 0)
            cancel_all();
        ::io_destroy(ctx_);
    }
    LibaioEngine(const LibaioEngine&) = delete;
    LibaioEngine& operator=(const LibaioEngine&) = delete;

    EngineKind kind() const override { return EngineKind::libaio; }
    bool has_rw_flags() const override { return true; }

    void submit(int fd, std::span<const IoRequest> reqs) override
    {
        const std::size_t n = reqs.size();
        std::vector<iocb*> ptrs(n);
        for (std::size_t i = 0; i < n; ++i) {
            const IoRequest& r = reqs[i];
            iocb& cb = cbs_.at(r.slot);
            if (r.write)
                ::io_prep_pwrite(&cb, fd, r.buf, r.len, static_cast<long long>(r.offset));
            else
                ::io_prep_pread(&cb, fd, r.buf, r.len, static_cast<long long>(r.offset));
            cb.aio_rw_flags = (r.nowait ? RWF_NOWAIT : 0);
            cb.data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(r.slot));
            ptrs[i] = &cb;
            samples_[r.slot] = IoSample{};
        }

        const unsigned tail0 = ring_ ? __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE) : 0;
        int rc = 0;
        const SubmitWindow window =
            measure_submit(&io_counter_, [&] { rc = ::io_submit(ctx_, static_cast<long>(n), ptrs.data()); });
        const unsigned tail1 = ring_ ? __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE) : 0;
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
            ++in_flight_;
            if (i >= submitted) {
                // io_submit reports only the first refusal; later iocbs were not tried.
                s.result = (rc < 0 && i == 0) ? rc : -EAGAIN;
                s.complete_ns = window.duration_ns();
                done_.push_back(slot);
            }
        }
        // The events posted while io_submit ran sit between the old and new
        // tail. Some may be earlier requests' (still in flight when this call
        // began): they were not ready when *their* submission returned.
        if (ring_) {
            const auto* events = reinterpret_cast<const io_event*>(ring_ + 1);
            for (unsigned k = tail0; k != tail1; k = (k + 1) % ring_->nr) {
                const auto slot = reinterpret_cast<std::uintptr_t>(events[k].data);
                for (std::size_t i = 0; i < submitted; ++i)
                    if (reqs[i].slot == slot)
                        samples_[slot].ready_at_return = true;
            }
            for (std::size_t i = 0; i < submitted; ++i)
                if (samples_[reqs[i].slot].ready_at_return)
                    samples_[reqs[i].slot].complete_ns = window.duration_ns();
        }
    }

    ReapResult reap(unsigned min, std::chrono::milliseconds timeout) override
    {
        ReapResult out;
        take_done(out);
        const Deadline deadline(now_ns(), timeout);
        std::vector<io_event> events(slots());
        while (out.slots.size() < min && in_flight_ > 0) {
            auto ts = deadline.left();
            if (!ts) {
                out.timed_out = true;
                break;
            }
            const long want = static_cast<long>(std::min<std::size_t>(min - out.slots.size(), in_flight_));
            const int got = ::io_getevents(ctx_, want, static_cast<long>(events.size()), events.data(), &*ts);
            const auto t = now_ns();
            if (got < 0) {
                if (got == -EINTR)
                    continue;
                out.timed_out = true;
                break;
            }
            for (int e = 0; e < got; ++e) {
                const io_event& ev = events[static_cast<std::size_t>(e)];
                const auto slot = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(ev.data));
                if (slot >= slots() || !busy_[slot])
                    continue;
                IoSample& s = samples_[slot];
                s.result = static_cast<long>(ev.res);
                if (!s.ready_at_return)
                    s.complete_ns = t - start_ns_[slot];
                finish(slot, out);
            }
        }
        return out;
    }

    std::vector<unsigned> cancel_all() override
    {
        ReapResult out;
        take_done(out);
        // io_destroy would wait for them; try to cancel each, then reap what
        // completes anyway.
        io_event ev{};
        for (unsigned slot = 0; slot < slots(); ++slot) {
            if (!busy_[slot])
                continue;
            if (::io_cancel(ctx_, &cbs_[slot], &ev) == 0) {
                samples_[slot].result = -ECANCELED;
                finish(slot, out);
            }
        }
        if (in_flight_ > 0) {
            const ReapResult rest = reap(in_flight_, std::chrono::milliseconds(1000));
            out.slots.insert(out.slots.end(), rest.slots.begin(), rest.slots.end());
        }
        time_out_busy(out);
        return out.slots;
    }

private:

    ThreadIoCounter io_counter_;
    io_context_t ctx_ = nullptr;
    AioRing* ring_ = nullptr;
    std::vector<iocb> cbs_;
    std::vector<std::uint64_t> start_ns_;
};

}  // namespace

std::unique_ptr<Engine> make_libaio_engine(unsigned slots)
{
    return std::make_unique<LibaioEngine>(slots);
}

}  // namespace aio::probe
