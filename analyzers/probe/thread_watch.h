// SPDX-License-Identifier: GPL-2.0-only
//
// Who else in this process did work during a batch. io_uring's io-wq workers
// ("iou-wrk-<pid>") and glibc's POSIX AIO helpers are threads of the calling
// process, so a snapshot of /proc/self/task before and after a batch shows
// whether a thread other than the submitter ran for it: the signature of
// thread-based "async" I/O, seen from user space.
#pragma once

#include <sys/types.h>

#include "probe/clock.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace aio::probe {

struct TaskUsage {
    std::string comm;
    std::uint64_t runtime_ns = 0;  // /proc/self/task/<tid>/schedstat field 1
    std::uint64_t timeslices = 0;  // field 3: times it got on a CPU
    bool running = false;          // state R in /proc/self/task/<tid>/stat
};

using TaskSnapshot = std::map<pid_t, TaskUsage>;

// Every task of this process except the calling thread.
TaskSnapshot snapshot_other_tasks();

struct HelperActivity {
    unsigned ran = 0;       // helper threads that got a CPU between the snapshots
    unsigned appeared = 0;  // helper threads that did not exist in `before`
    bool any() const { return ran || appeared; }
};

// `prefix` selects helpers by name ("iou-wrk" for io-wq); empty = any thread.
HelperActivity helper_activity(const TaskSnapshot& before, const TaskSnapshot& after, const std::string& prefix);

// Attributes helper-thread activity to the requests in flight while it
// happened. mark() is called before each submitting call and after each
// reap: whatever helper activity it sees since the previous mark belongs to
// every request that was in flight in between (exact with one request in
// flight at a time, an over-estimate with several).
class HelperTracker {
public:
    explicit HelperTracker(std::string prefix) : prefix_(std::move(prefix)), last_(snapshot_other_tasks()) {}
    HelperActivity mark()
    {
        TaskSnapshot now = snapshot_other_tasks();
        const HelperActivity act = helper_activity(last_, now, prefix_);
        last_ = std::move(now);
        return act;
    }

private:
    std::string prefix_;
    TaskSnapshot last_;
};

// Bytes this thread made the block layer read (/proc/thread-self/io
// read_bytes): proof that a read reached the device rather than the page
// cache. Kept open and re-read with pread, so a sample costs one syscall.
class ThreadIoCounter {
public:
    ThreadIoCounter();
    ~ThreadIoCounter();
    ThreadIoCounter(const ThreadIoCounter&) = delete;
    ThreadIoCounter& operator=(const ThreadIoCounter&) = delete;
    bool available() const { return fd_ >= 0; }
    std::uint64_t read_bytes() const;

private:
    int fd_ = -1;
};

// Voluntary context switches of the calling thread so far (getrusage
// RUSAGE_THREAD ru_nvcsw). Involuntary switches are preemption: noise.
std::uint64_t voluntary_switches();

// What one submitting call cost the calling thread, measured tightly around
// it: wall time, whether it slept, whether it made the block layer read.
struct SubmitWindow {
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    bool slept = false;
    std::uint64_t switches = 0;  // voluntary context switches during the call
    bool device_read = false;    // always false without a ThreadIoCounter
    std::uint64_t duration_ns() const { return end_ns - start_ns; }
};

template <typename Submit>
SubmitWindow measure_submit(const ThreadIoCounter* io, Submit&& submit)
{
    SubmitWindow w;
    const auto read0 = io ? io->read_bytes() : 0;
    const auto switches0 = voluntary_switches();
    w.start_ns = now_ns();
    submit();
    w.end_ns = now_ns();
    w.switches = voluntary_switches() - switches0;
    w.slept = w.switches != 0;
    w.device_read = io && io->read_bytes() != read0;
    return w;
}

}  // namespace aio::probe
