// SPDX-License-Identifier: GPL-2.0-only
//
// One way of issuing asynchronous I/O: kernel AIO through libaio, io_uring
// through liburing, or glibc's POSIX AIO. Each engine submits a batch of
// requests with one submitting call and measures, per request, what user
// space can see: how long submission took, whether the completion was
// already posted when it returned, whether the submitter slept in it, and
// whether a helper thread did the work.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

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
};

struct IoSample {
    bool submitted = false;         // false: the submitting call refused it; result holds -errno
    std::int64_t result = 0;        // bytes, or -errno
    std::uint64_t submit_ns = 0;    // duration of the submitting call
    std::uint64_t complete_ns = 0;  // from the start of submission to the completion being seen
    bool ready_at_return = false;   // completion already posted when submission returned
    bool slept = false;             // voluntary context switch during the submitting call
    bool device_read = false;       // the submitter made the block layer read during the call
    bool punted = false;            // a helper thread (io-wq worker, glibc helper) did the work
};

struct BatchInfo {
    unsigned helper_threads = 0;  // helper threads that ran or appeared during the batch
    std::uint64_t submit_switches = 0;  // voluntary switches inside the submitting call(s)
    bool timed_out = false;
};

class Engine {
public:
    virtual ~Engine() = default;
    virtual EngineKind kind() const = 0;
    // Per-request RWF_NOWAIT; POSIX AIO has no equivalent.
    virtual bool has_rw_flags() const = 0;
    // Submits every request with one submitting call (POSIX AIO: one call per
    // request, back to back) and waits until all complete or `timeout` passes.
    virtual BatchInfo run_batch(int fd, std::span<const IoRequest> reqs, std::span<IoSample> out,
                                std::chrono::milliseconds timeout) = 0;
};

// Sets up an engine for up to `depth` requests in flight; throws
// aio::EnvironmentError with the cause (io_setup EAGAIN from aio-max-nr,
// ENOSYS, io_uring disabled) when it cannot.
std::unique_ptr<Engine> make_engine(EngineKind kind, unsigned depth);

std::unique_ptr<Engine> make_libaio_engine(unsigned depth);
std::unique_ptr<Engine> make_uring_engine(unsigned depth);
std::unique_ptr<Engine> make_posix_engine(unsigned depth);

}  // namespace aio::probe
