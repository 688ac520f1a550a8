// SPDX-License-Identifier: GPL-2.0-only
//
// One way of issuing asynchronous I/O: kernel AIO through libaio, io_uring
// through liburing, or glibc's POSIX AIO. An engine has a fixed number of
// slots (the most requests it keeps in flight); it starts requests with one
// submitting call and reaps completions as they come, and measures per
// request what user space can see: how long its submitting call took,
// whether its completion was already posted when that call returned,
// whether the submitter slept in it, and whether a helper thread did the
// work. The caller decides the pattern: batches (submit N, reap all N) or a
// steady N in flight (refill each slot as it completes), as fsqual does.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aio::probe {

enum class EngineKind { libaio, io_uring, posix };
std::string_view name(EngineKind k);
std::optional<EngineKind> parse_engine(std::string_view text);

struct IoRequest {
    void* buf = nullptr;
    std::size_t len = 0;
    std::uint64_t offset = 0;
    bool write = false;
    bool nowait = false;  // RWF_NOWAIT (O_DSYNC is set on the file instead: every engine has it)
    unsigned slot = 0;    // which of the engine's slots it occupies until reaped
};

// What was measured for the request in one slot, valid from its submission
// until the slot is reused.
struct IoSample {
    bool submitted = false;         // false: the submitting call refused it; result holds -errno
    std::int64_t result = 0;        // bytes, or -errno
    std::uint64_t submit_ns = 0;    // duration of its submitting call
    std::uint64_t complete_ns = 0;  // from the start of its submitting call to the completion being seen
    bool ready_at_return = false;   // completion already posted when its submitting call returned
    bool slept = false;             // voluntary context switch during its submitting call
    bool device_read = false;       // the submitter made the block layer read during that call
    bool punted = false;            // a helper thread (io-wq worker, glibc helper) ran while it was in flight
};

struct ReapResult {
    std::vector<unsigned> slots;  // completed (or cancelled) since the last reap, in the order seen
    bool timed_out = false;       // the deadline passed with fewer than `min` completions
};

class Engine {
public:
    virtual ~Engine() = default;
    virtual EngineKind kind() const = 0;
    // Per-request RWF_NOWAIT; POSIX AIO has no equivalent.
    virtual bool has_rw_flags() const = 0;

    // Starts `reqs` with one submitting call (POSIX AIO: one call per
    // request, back to back); each request's slot must be free. A request
    // the call refused completes at once (sample().submitted == false) and
    // is returned by the next reap().
    virtual void submit(int fd, std::span<const IoRequest> reqs) = 0;
    // Waits until at least `min` requests completed since the last reap, or
    // `timeout` passed; returns every completion seen, never more than are
    // in flight.
    virtual ReapResult reap(unsigned min, std::chrono::milliseconds timeout) = 0;
    // Cancels whatever is still in flight (after a timeout) and waits for
    // it; those slots complete with -ECANCELED or -ETIME and are returned.
    virtual std::vector<unsigned> cancel_all() = 0;

    const IoSample& sample(unsigned slot) const { return samples_.at(slot); }
    unsigned slots() const { return static_cast<unsigned>(samples_.size()); }
    unsigned in_flight() const { return in_flight_; }
    // Over every submitting call so far: voluntary context switches inside
    // them (fsqual's numerator), and how many calls there were.
    std::uint64_t submit_switches() const { return submit_switches_; }
    std::uint64_t submit_calls() const { return submit_calls_; }
    // The most helper threads seen working at once (io-wq workers, glibc helpers).
    unsigned helper_threads() const { return helper_threads_; }
    // Starts the counts above over, for the next case on the same engine.
    void reset_counters()
    {
        submit_switches_ = 0;
        submit_calls_ = 0;
        helper_threads_ = 0;
    }

protected:
    explicit Engine(unsigned slots) : samples_(slots), busy_(slots, false) {}
    // A slot's request is over: free it and return it from this reap.
    void finish(unsigned slot, ReapResult& out);
    // The requests refused at submission, returned by the next reap.
    void take_done(ReapResult& out);
    // What is still in flight after cancel_all's last reap ends as -ETIME.
    void time_out_busy(ReapResult& out);
    // `touched`: slots in flight at some point since the last mark. Helper
    // threads that worked meanwhile may have taken any of those requests
    // (a helper can finish before the submitting call returns, so readiness
    // at return does not rule that out): they are marked punted.
    void mark_helper_activity(unsigned ran, unsigned appeared, std::vector<bool>& touched);

    std::vector<IoSample> samples_;
    std::vector<bool> busy_;
    std::vector<unsigned> done_;
    unsigned in_flight_ = 0;
    std::uint64_t submit_switches_ = 0;
    std::uint64_t submit_calls_ = 0;
    unsigned helper_threads_ = 0;
};

// Sets up an engine with `slots` request slots; throws
// aio::EnvironmentError with the cause (io_setup EAGAIN from aio-max-nr,
// ENOSYS, io_uring disabled) when it cannot.
std::unique_ptr<Engine> make_engine(EngineKind kind, unsigned slots);

std::unique_ptr<Engine> make_libaio_engine(unsigned slots);
std::unique_ptr<Engine> make_uring_engine(unsigned slots);
std::unique_ptr<Engine> make_posix_engine(unsigned slots);

}  // namespace aio::probe
