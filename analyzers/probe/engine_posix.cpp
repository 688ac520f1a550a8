// SPDX-License-Identifier: GPL-2.0-only
//
// glibc's POSIX AIO (aio_read(3)/aio_write(3)). glibc implements it in user
// space: helper threads of this process call blocking pread/pwrite. The
// kernel's AIO is never used. What this engine measures is exactly that: the
// caller returns at once, and another thread of the process did the I/O.
#include <aio.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "probe/clock.h"
#include "probe/engine.h"
#include "probe/thread_watch.h"

namespace aio::probe {
namespace {

class PosixEngine final : public Engine {
public:
    explicit PosixEngine(unsigned slots)
        : Engine(slots), cbs_(slots), start_ns_(slots), touched_(slots, false), helpers_("")
    {
    }
    ~PosixEngine() override
    {
        if (in_flight_ > 0)
            cancel_all();
    }
    PosixEngine(const PosixEngine&) = delete;
    PosixEngine& operator=(const PosixEngine&) = delete;

    EngineKind kind() const override { return EngineKind::posix; }
    bool has_rw_flags() const override { return false; }

    void submit(int fd, std::span<const IoRequest> reqs) override
    {
        for (const IoRequest& r : reqs) {
            aiocb& cb = cbs_.at(r.slot);
            cb = aiocb{};
            cb.aio_fildes = fd;
            cb.aio_buf = r.buf;
            cb.aio_nbytes = r.len;
            cb.aio_offset = static_cast<off_t>(r.offset);
            cb.aio_sigevent.sigev_notify = SIGEV_NONE;
            samples_[r.slot] = IoSample{};
        }

        mark_helpers();
        // A helper thread reads, not this one: no device-read counter.
        const SubmitWindow window = measure_submit(nullptr, [&] {
            for (const IoRequest& r : reqs) {
                const int rc = r.write ? ::aio_write(&cbs_[r.slot]) : ::aio_read(&cbs_[r.slot]);
                samples_[r.slot].submitted = rc == 0;
                if (rc != 0)
                    samples_[r.slot].result = -errno;
            }
        });
        ++submit_calls_;
        submit_switches_ += window.switches;

        for (const IoRequest& r : reqs) {
            IoSample& s = samples_[r.slot];
            s.submit_ns = window.duration_ns();
            s.slept = window.slept;
            start_ns_[r.slot] = window.start_ns;
            busy_[r.slot] = true;
            touched_[r.slot] = true;
            ++in_flight_;
            if (!s.submitted) {
                s.complete_ns = window.duration_ns();
                done_.push_back(r.slot);
            } else if (::aio_error(&cbs_[r.slot]) != EINPROGRESS) {
                s.ready_at_return = true;
                s.complete_ns = window.duration_ns();
                collect(r.slot);
                done_.push_back(r.slot);
            }
        }
    }

    ReapResult reap(unsigned min, std::chrono::milliseconds timeout) override
    {
        ReapResult out;
        take_done(out);
        const Deadline deadline(now_ns(), timeout);
        std::vector<const aiocb*> list;
        while (out.slots.size() < min && in_flight_ > 0) {
            list.clear();
            for (unsigned slot = 0; slot < slots(); ++slot)
                if (busy_[slot])
                    list.push_back(&cbs_[slot]);
            const auto ts = deadline.left();
            if (!ts) {
                out.timed_out = true;
                break;
            }
            ::aio_suspend(list.data(), static_cast<int>(list.size()), &*ts);
            const auto t = now_ns();
            for (unsigned slot = 0; slot < slots(); ++slot) {
                if (!busy_[slot] || ::aio_error(&cbs_[slot]) == EINPROGRESS)
                    continue;
                samples_[slot].complete_ns = t - start_ns_[slot];
                collect(slot);
                finish(slot, out);
            }
        }
        mark_helpers();
        return out;
    }

    std::vector<unsigned> cancel_all() override
    {
        ReapResult out;
        take_done(out);
        for (unsigned slot = 0; slot < slots(); ++slot) {
            if (!busy_[slot])
                continue;
            ::aio_cancel(cbs_[slot].aio_fildes, &cbs_[slot]);
            // glibc cannot interrupt a helper blocked in pread: wait for it,
            // the aiocb must outlive the request.
            const aiocb* one[] = {&cbs_[slot]};
            while (::aio_error(&cbs_[slot]) == EINPROGRESS)
                ::aio_suspend(one, 1, nullptr);
            ::aio_return(&cbs_[slot]);
            samples_[slot].result = -ETIME;
            finish(slot, out);
        }
        return out.slots;
    }

private:
    void collect(unsigned slot)
    {
        const int err = ::aio_error(&cbs_[slot]);
        const ssize_t ret = ::aio_return(&cbs_[slot]);
        samples_[slot].result = err ? -err : ret;
    }
    void mark_helpers()
    {
        const HelperActivity act = helpers_.mark();
        mark_helper_activity(act.ran, act.appeared, touched_);
    }

    std::vector<aiocb> cbs_;
    std::vector<std::uint64_t> start_ns_;
    std::vector<bool> touched_;
    HelperTracker helpers_;
};

}  // namespace

std::unique_ptr<Engine> make_posix_engine(unsigned slots)
{
    return std::make_unique<PosixEngine>(slots);
}

}  // namespace aio::probe
