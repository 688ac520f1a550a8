// SPDX-License-Identifier: GPL-2.0-only
//
// gadget_check: the guest tests' driver for the aio_gadget devices.
//
// Each subcommand drives a device through one interface, measures what user
// space can see - is the completion already in the ring when the submitting
// call returns, how long did submission take, did the submitter sleep
// (ru_nvcsw) - reads the module's own counters (debugfs), and checks both
// against what the device's mode dictates. Data is verified on every read,
// so a test passes only if the bytes are right too.
//
//   gadget_check aio DEVICE [--size N] [--count N] [--write] [--corrupt]
//   gadget_check uring DEVICE [--size N] [--count N] [--write] [--corrupt]
//   gadget_check rw DEVICE [--size N]         read(2)/write(2)/preadv2(RWF_NOWAIT)
//   gadget_check cancel                       io_cancel and io_destroy on async
//   gadget_check nowait                       queue full: RWF_NOWAIT, backpressure
//   gadget_check hold aio|uring DEVICE N [--exit]   leave N requests in flight
//   gadget_check load MILLISECONDS [--seed N] random load on every device,
//                                             until then or SIGTERM
//
// DEVICE is a name under /dev/aio_gadget (async, sync, blocking, fake-async,
// mixed, noiter). Exit status: 0 every expectation held, 1 one failed,
// 2 usage or setup error.
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "aio_gadget.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct UsageError {
    std::string what;
};

// ---------------------------------------------------------------------------
// Devices, parameters, counters

enum class Mode { async, sync, blocking, fake_async, mixed, noiter };

std::optional<Mode> parse_mode(std::string_view name)
{
    if (name == "async")
        return Mode::async;
    if (name == "sync")
        return Mode::sync;
    if (name == "blocking")
        return Mode::blocking;
    if (name == "fake-async")
        return Mode::fake_async;
    if (name == "mixed")
        return Mode::mixed;
    if (name == "noiter")
        return Mode::noiter;
    return std::nullopt;
}

const std::vector<std::string>& device_names()
{
    static const std::vector<std::string> names{"async", "sync", "blocking", "fake-async", "mixed", "noiter"};
    return names;
}

std::string device_path(std::string_view name)
{
    return fmt::format("{}/{}", AIO_GADGET_DEV_DIR, name);
}

std::uint64_t read_param(std::string_view name)
{
    std::ifstream in(fmt::format("{}/{}", AIO_GADGET_PARAM_DIR, name));
    std::string text;
    if (!(in >> text))
        throw UsageError{fmt::format("cannot read module parameter {} (is aio_gadget loaded?)", name)};
    if (text == "Y")
        return 1;
    if (text == "N")
        return 0;
    return std::stoull(text, nullptr, 0);
}

struct Params {
    std::uint64_t latency_us = read_param("latency_us");
    std::uint64_t mixed_threshold = read_param("mixed_threshold");
    std::uint8_t pattern = static_cast<std::uint8_t>(read_param("pattern"));
};

using Stats = std::map<std::string, long>;

Stats read_stats_once(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw UsageError{fmt::format("cannot read {} (is debugfs mounted?)", path)};
    Stats s;
    std::string key;
    long value = 0;
    while (in >> key >> value)
        s[key] = value;
    return s;
}

// A completion can reach user space before the driver call that delivered
// it has returned and counted itself (fake-async completes, then returns
// -EIOCBQUEUED), so counts are read only once no call is in progress.
Stats read_stats(std::string_view device)
{
    const std::string path = fmt::format("{}/{}/stats", AIO_GADGET_DEBUGFS_DIR, device);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
        Stats s = read_stats_once(path);
        const auto in_call = s.find("in_call");
        if (in_call == s.end() || in_call->second == 0)
            return s;
        if (Clock::now() > deadline) {
            fmt::print("  note: {} driver call(s) still in progress after 10 s; counters may be short\n",
                       in_call->second);
            return s;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

Stats operator-(const Stats& after, const Stats& before)
{
    Stats d;
    for (const auto& [k, v] : after) {
        auto it = before.find(k);
        d[k] = v - (it == before.end() ? 0 : it->second);
    }
    return d;
}

std::string format_stats(const Stats& s)
{
    std::string out;
    for (const auto& [k, v] : s)
        if (v != 0)
            out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, v);
    return out.empty() ? "(none)" : out;
}

// ---------------------------------------------------------------------------
// Data: the pattern of aio_gadget.h

std::uint8_t pattern_byte(std::uint64_t pos, std::uint8_t seed)
{
    return static_cast<std::uint8_t>((pos % AIO_GADGET_PATTERN_PERIOD) ^ seed);
}

void fill_pattern(std::uint8_t* buf, std::size_t len, std::uint64_t pos, std::uint8_t seed)
{
    for (std::size_t i = 0; i < len; ++i)
        buf[i] = pattern_byte(pos + i, seed);
}

// Index of the first wrong byte, or nullopt when all are right.
std::optional<std::size_t> check_pattern(const std::uint8_t* buf, std::size_t len, std::uint64_t pos,
                                         std::uint8_t seed)
{
    for (std::size_t i = 0; i < len; ++i)
        if (buf[i] != pattern_byte(pos + i, seed))
            return i;
    return std::nullopt;
}

struct AlignedBuffer {
    explicit AlignedBuffer(std::size_t n) : size(n)
    {
        void* p = nullptr;
        if (::posix_memalign(&p, 4096, std::max<std::size_t>(n, 1)) != 0)
            throw UsageError{"out of memory"};
        data.reset(static_cast<std::uint8_t*>(p));
        std::memset(data.get(), 0, std::max<std::size_t>(n, 1));  // touched: no page faults in submission
    }
    struct Free {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };
    std::unique_ptr<std::uint8_t, Free> data;
    std::size_t size;
};

// ---------------------------------------------------------------------------
// Measurements

long voluntary_switches()
{
    rusage ru{};
    ::getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nvcsw;
}

double us(Clock::duration d)
{
    return std::chrono::duration<double, std::micro>(d).count();
}

timespec timespec_us(double usec)
{
    const auto total = static_cast<long long>(usec * 1000);
    return timespec{static_cast<time_t>(total / 1000000000), static_cast<long>(total % 1000000000)};
}

// The head of the ring io_setup() maps (fs/aio.c struct aio_ring); libaio's
// io_context_t is its user address. tail moves when the kernel posts an event.
struct AioRingHeader {
    unsigned id;
    unsigned nr;
    unsigned head;
    unsigned tail;
};

unsigned ring_tail(io_context_t ctx)
{
    const auto* ring = reinterpret_cast<const AioRingHeader*>(ctx);
    return __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
}

// io_getevents, retried when interrupted. Not only signals interrupt it:
// io_uring completions queued to this thread as task_work (TIF_NOTIFY_SIGNAL,
// seen on 6.12) do too, when one thread uses both interfaces.
int getevents(io_context_t ctx, long min_nr, long nr, io_event* events, timespec* timeout)
{
    int got;
    do
        got = io_getevents(ctx, min_nr, nr, events, timeout);
    while (got == -EINTR);
    return got;
}

int wait_cqe(io_uring* ring, io_uring_cqe** cqe, __kernel_timespec* timeout)
{
    int ret;
    do
        ret = io_uring_wait_cqe_timeout(ring, cqe, timeout);
    while (ret == -EINTR);
    return ret;
}

// What one request looked like from user space.
struct Sample {
    bool completed_in_submit = false;  // event/CQE present when the submitting call returned
    double submit_us = 0;
    double total_us = 0;
    long nvcsw = 0;  // voluntary context switches during the submitting call
    long res = 0;
    bool data_ok = true;
};

std::string describe(const std::vector<Sample>& samples)
{
    std::size_t inl = 0;
    std::vector<double> submit;
    std::vector<double> total;
    long sw = 0;
    for (const auto& s : samples) {
        inl += s.completed_in_submit;
        submit.push_back(s.submit_us);
        total.push_back(s.total_us);
        sw += s.nvcsw;
    }
    if (samples.empty())
        return "no samples";
    std::sort(submit.begin(), submit.end());
    std::sort(total.begin(), total.end());
    return fmt::format("completed in submission {}/{}, submit p50 {:.0f} us, total p50 {:.0f} us, "
                       "voluntary switches in submission {}",
                       inl, samples.size(), submit[submit.size() / 2], total[total.size() / 2], sw);
}

// ---------------------------------------------------------------------------
// Checks

class Checker {
public:
    void expect(bool ok, std::string_view what)
    {
        fmt::print("  {:<4} {}\n", ok ? "ok" : "FAIL", what);
        failures_ += !ok;
    }
    void expect_stat(const Stats& d, const std::string& key, long want)
    {
        const long got = d.count(key) ? d.at(key) : 0;
        expect(got == want, fmt::format("counter {} = {} (want {})", key, got, want));
    }
    int exit_code() const { return failures_ ? kExitFailed : 0; }
    int failures() const { return failures_; }

private:
    int failures_ = 0;
};

template <typename Pred> bool all_of(const std::vector<Sample>& v, Pred p)
{
    return std::all_of(v.begin(), v.end(), p);
}

// What the device's mode dictates for one kind of request.
enum class Expect { async, sync, blocking, fake_async, unsupported };

Expect expectation(Mode mode, std::size_t size, const Params& p)
{
    switch (mode) {
    case Mode::async: return Expect::async;
    case Mode::sync: return Expect::sync;
    case Mode::blocking: return Expect::blocking;
    case Mode::fake_async: return Expect::fake_async;
    case Mode::mixed: return size >= p.mixed_threshold ? Expect::async : Expect::sync;
    case Mode::noiter: return Expect::unsupported;
    }
    return Expect::unsupported;
}

std::string_view name(Expect e)
{
    switch (e) {
    case Expect::async: return "async";
    case Expect::sync: return "sync";
    case Expect::blocking: return "blocking";
    case Expect::fake_async: return "fake-async";
    case Expect::unsupported: return "unsupported";
    }
    return "?";
}

struct IoArgs {
    std::string device;
    Mode mode = Mode::sync;
    std::size_t size = 4096;
    unsigned count = 8;
    bool write = false;
    bool corrupt = false;  // write data that does not match the pattern
};

class Fd {
public:
    explicit Fd(const std::string& path, int flags = O_RDWR) : fd_(::open(path.c_str(), flags | O_CLOEXEC))
    {
        if (fd_ < 0)
            throw UsageError{fmt::format("open {}: {}", path, std::strerror(errno))};
    }
    ~Fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    void close()
    {
        ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

// Prepare the buffer of request i; returns its device offset.
std::uint64_t prepare(const IoArgs& a, AlignedBuffer& buf, unsigned i, const Params& p)
{
    // Offsets that are not multiples of the period or of a page.
    const std::uint64_t pos = 1000 + static_cast<std::uint64_t>(i) * (a.size + 7);
    if (a.write) {
        fill_pattern(buf.data.get(), a.size, pos, p.pattern);
        if (a.corrupt)
            buf.data.get()[a.size / 2] ^= 0xff;
    } else {
        std::memset(buf.data.get(), 0, a.size);
    }
    return pos;
}

void verify_read(const IoArgs& a, const AlignedBuffer& buf, std::uint64_t pos, const Params& p, Sample& s)
{
    if (a.write || s.res != static_cast<long>(a.size))
        return;
    if (auto bad = check_pattern(buf.data.get(), a.size, pos, p.pattern)) {
        s.data_ok = false;
        fmt::print("  data mismatch at offset {} of the request at {}\n", *bad, pos);
    }
}

// The user-visible facts and the module's counters, for `count` requests of
// one kind, against what the mode dictates. `uring` selects the interface.
void judge(Checker& c, const IoArgs& a, Expect e, const std::vector<Sample>& samples, const Stats& d,
           const Params& p, bool uring)
{
    const long n = static_cast<long>(a.count);
    const long want_res = a.corrupt ? -EIO : static_cast<long>(a.size);
    const double latency = static_cast<double>(p.latency_us);
    fmt::print("  {}\n  counters: {}\n", describe(samples), format_stats(d));

    if (e == Expect::unsupported && !uring) {
        c.expect(all_of(samples, [](const Sample& s) { return s.res == -EINVAL; }),
                 "io_submit refuses every request with -EINVAL (no read_iter/write_iter)");
        c.expect_stat(d, "calls", 0);
        return;
    }
    c.expect(all_of(samples, [&](const Sample& s) { return s.res == want_res; }),
             fmt::format("every request completes with {}", want_res));
    c.expect(all_of(samples, [](const Sample& s) { return s.data_ok; }),
             a.write ? "the device verified the data against the pattern" : "data read back is the pattern");
    c.expect_stat(d, "calls", n);

    if (uring && e != Expect::async && e != Expect::sync) {
        // No FMODE_NOWAIT: io_uring does not even try inline, it punts the
        // request to an io-wq worker, and the submitter never sleeps.
        c.expect(all_of(samples, [](const Sample& s) { return s.nvcsw == 0; }),
                 "the submitter did not sleep");
        c.expect_stat(d, "io_worker", n);
        if (e == Expect::unsupported) {
            // Served by the old ->read/->write, without latency: the worker
            // may finish before io_uring_submit returns, so the CQ says nothing.
            c.expect_stat(d, "inline", n);
            return;
        }
        c.expect(all_of(samples, [](const Sample& s) { return !s.completed_in_submit; }),
                 "no CQE when io_uring_submit returns (punted to io-wq, sleeping there)");
    } else {
        c.expect_stat(d, "io_worker", 0);
    }

    switch (e) {
    case Expect::async:
        c.expect(all_of(samples, [](const Sample& s) { return !s.completed_in_submit; }),
                 "nothing completed when the submitting call returned (ring/CQ still empty)");
        c.expect(all_of(samples, [](const Sample& s) { return s.nvcsw == 0; }),
                 "the submitter did not sleep in submission");
        c.expect(all_of(samples, [&](const Sample& s) { return s.total_us >= latency; }),
                 "each completion came at least latency_us after submission");
        c.expect_stat(d, "queued", n);
        c.expect_stat(d, "inline", 0);
        c.expect_stat(d, "deferred", n);  // ki_complete() from the gadget's workqueue
        if (p.latency_us >= 1000)
            c.expect_stat(d, "early", 0);
        c.expect_stat(d, "slept", 0);
        break;
    case Expect::sync:
        c.expect(all_of(samples, [](const Sample& s) { return s.completed_in_submit; }),
                 "completed inline: the completion was there when the submitting call returned");
        c.expect(all_of(samples, [](const Sample& s) { return s.nvcsw == 0; }),
                 "the submitter did not sleep");
        c.expect_stat(d, "inline", n);
        c.expect_stat(d, "queued", 0);
        c.expect_stat(d, "deferred", 0);
        c.expect_stat(d, "slept", 0);
        break;
    case Expect::blocking:
        if (!uring) {
            c.expect(all_of(samples, [](const Sample& s) { return s.completed_in_submit; }),
                     "completed inline: the event was in the ring when io_submit returned");
            c.expect(all_of(samples, [](const Sample& s) { return s.nvcsw > 0; }),
                     "the submitter slept inside io_submit");
            c.expect(all_of(samples, [&](const Sample& s) { return s.submit_us >= latency; }),
                     "io_submit took at least latency_us");
        }
        c.expect_stat(d, "inline", n);
        c.expect_stat(d, "deferred", 0);
        c.expect_stat(d, "slept", n);
        break;
    case Expect::fake_async:
        if (!uring) {
            c.expect(all_of(samples, [](const Sample& s) { return s.completed_in_submit; }),
                     "completed before io_submit returned, although the driver returned -EIOCBQUEUED");
            c.expect(all_of(samples, [](const Sample& s) { return s.nvcsw > 0; }),
                     "the submitter slept inside io_submit");
            c.expect(all_of(samples, [&](const Sample& s) { return s.submit_us >= latency; }),
                     "io_submit took at least latency_us");
        }
        c.expect_stat(d, "queued", n);
        c.expect_stat(d, "deferred", n);  // from the workqueue: another context ...
        c.expect_stat(d, "early", n);     // ... but before the driver call returned
        c.expect_stat(d, "slept", n);
        break;
    case Expect::unsupported: break;
    }
    if (a.corrupt)
        c.expect_stat(d, "verify_errors", n);
}

// ---------------------------------------------------------------------------
// aio: io_submit one request at a time, peek at the ring right after

std::vector<Sample> run_aio(const IoArgs& a, const Params& p)
{
    Fd fd(device_path(a.device));
    io_context_t ctx{};
    if (int err = io_setup(64, &ctx); err < 0)
        throw UsageError{fmt::format("io_setup: {}", std::strerror(-err))};
    AlignedBuffer buf(a.size);
    std::vector<Sample> samples;
    for (unsigned i = 0; i < a.count; ++i) {
        const std::uint64_t pos = prepare(a, buf, i, p);
        iocb cb{};
        iocb* cbs[1] = {&cb};
        if (a.write)
            io_prep_pwrite(&cb, fd.get(), buf.data.get(), a.size, static_cast<long long>(pos));
        else
            io_prep_pread(&cb, fd.get(), buf.data.get(), a.size, static_cast<long long>(pos));

        Sample s;
        const unsigned tail0 = ring_tail(ctx);
        const long sw0 = voluntary_switches();
        const auto t0 = Clock::now();
        const int rc = io_submit(ctx, 1, cbs);
        const auto t1 = Clock::now();
        s.nvcsw = voluntary_switches() - sw0;
        s.completed_in_submit = ring_tail(ctx) != tail0;
        s.submit_us = us(t1 - t0);
        if (rc != 1) {
            s.res = rc < 0 ? rc : -EIO;
            samples.push_back(s);
            continue;
        }
        io_event ev{};
        timespec timeout{30, 0};
        if (getevents(ctx, 1, 1, &ev, &timeout) != 1)
            throw UsageError{"no completion within 30 s"};
        s.total_us = us(Clock::now() - t0);
        s.res = static_cast<long>(ev.res);
        verify_read(a, buf, pos, p, s);
        samples.push_back(s);
    }
    io_destroy(ctx);
    return samples;
}

// ---------------------------------------------------------------------------
// io_uring: one SQE at a time, peek at the CQ right after io_uring_submit

struct Ring {
    Ring()
    {
        if (int err = io_uring_queue_init(16, &ring, 0); err < 0)
            throw UsageError{fmt::format("io_uring_queue_init: {}", std::strerror(-err))};
    }
    ~Ring() { io_uring_queue_exit(&ring); }
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    io_uring ring{};
};

std::vector<Sample> run_uring(const IoArgs& a, const Params& p)
{
    Fd fd(device_path(a.device));
    Ring r;
    AlignedBuffer buf(a.size);
    std::vector<Sample> samples;
    for (unsigned i = 0; i < a.count; ++i) {
        const std::uint64_t pos = prepare(a, buf, i, p);
        io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
        const auto len = static_cast<unsigned>(a.size);
        if (a.write)
            io_uring_prep_write(sqe, fd.get(), buf.data.get(), len, pos);
        else
            io_uring_prep_read(sqe, fd.get(), buf.data.get(), len, pos);

        Sample s;
        const long sw0 = voluntary_switches();
        const auto t0 = Clock::now();
        const int rc = io_uring_submit(&r.ring);
        const auto t1 = Clock::now();
        s.nvcsw = voluntary_switches() - sw0;
        s.submit_us = us(t1 - t0);
        if (rc != 1)
            throw UsageError{fmt::format("io_uring_submit: {}", rc)};
        io_uring_cqe* cqe = nullptr;
        s.completed_in_submit = io_uring_peek_cqe(&r.ring, &cqe) == 0;
        if (!s.completed_in_submit) {
            __kernel_timespec timeout{30, 0};
            if (wait_cqe(&r.ring, &cqe, &timeout) != 0)
                throw UsageError{"no CQE within 30 s"};
        }
        s.total_us = us(Clock::now() - t0);
        s.res = cqe->res;
        io_uring_cqe_seen(&r.ring, cqe);
        verify_read(a, buf, pos, p, s);
        samples.push_back(s);
    }
    return samples;
}

int cmd_io(const IoArgs& a, bool uring)
{
    const Params p;
    const Expect e = expectation(a.mode, a.size, p);
    fmt::print("{} {} {} {} B x{}{}: expect {}\n", uring ? "io_uring" : "libaio", a.device,
               a.write ? "write" : "read", a.size, a.count, a.corrupt ? " (corrupt data)" : "", name(e));
    const Stats before = read_stats(a.device);
    const auto samples = uring ? run_uring(a, p) : run_aio(a, p);
    const Stats d = read_stats(a.device) - before;
    Checker c;
    judge(c, a, e, samples, d, p, uring);
    return c.exit_code();
}

// ---------------------------------------------------------------------------
// rw: the synchronous kiocb paths (read(2), write(2), preadv2(RWF_NOWAIT))

int cmd_rw(const IoArgs& a)
{
    const Params p;
    Checker c;
    Fd fd(device_path(a.device));
    AlignedBuffer buf(a.size);
    fmt::print("read(2)/write(2) {} {} B\n", a.device, a.size);

    const Stats before = read_stats(a.device);
    const std::uint64_t pos = 777;
    const auto t0 = Clock::now();
    const ssize_t r = ::pread(fd.get(), buf.data.get(), a.size, static_cast<off_t>(pos));
    const double elapsed = us(Clock::now() - t0);
    c.expect(r == static_cast<ssize_t>(a.size), fmt::format("pread returns {} (got {})", a.size, r));
    c.expect(!check_pattern(buf.data.get(), a.size, pos, p.pattern), "pread data is the pattern");
    fill_pattern(buf.data.get(), a.size, pos, p.pattern);
    const ssize_t w = ::pwrite(fd.get(), buf.data.get(), a.size, static_cast<off_t>(pos));
    c.expect(w == static_cast<ssize_t>(a.size),
             fmt::format("pwrite of the pattern returns {} (got {})", a.size, w));
    buf.data.get()[0] ^= 0xff;
    const ssize_t bad = ::pwrite(fd.get(), buf.data.get(), a.size, static_cast<off_t>(pos));
    c.expect(bad < 0 && errno == EIO, "pwrite of other data fails with EIO");
    const Stats d = read_stats(a.device) - before;

    // Sequential read(2) continues the pattern at the file position.
    const ssize_t r1 = ::read(fd.get(), buf.data.get(), 100);
    const ssize_t r2 = ::read(fd.get(), buf.data.get(), 100);
    c.expect(r1 == 100 && r2 == 100 && !check_pattern(buf.data.get(), 100, 100, p.pattern),
             "read(2) advances the file position");

    fmt::print("  pread took {:.0f} us; counters: {}\n", elapsed, format_stats(d));
    const Expect e = expectation(a.mode, a.size, p);
    // A synchronous kiocb cannot be left pending: deferred devices wait.
    if (e == Expect::async || e == Expect::fake_async) {
        c.expect(elapsed >= static_cast<double>(p.latency_us), "pread waited for the device latency");
        c.expect_stat(d, "deferred", 3);  // pread, two pwrites
    }

    // preadv2(RWF_NOWAIT): only FMODE_NOWAIT devices accept it at all.
    iovec iov{buf.data.get(), a.size};
    const ssize_t nw = ::preadv2(fd.get(), &iov, 1, 0, RWF_NOWAIT);
    const int nw_errno = errno;
    switch (e) {
    case Expect::async:
        c.expect(nw < 0 && nw_errno == EAGAIN, "preadv2(RWF_NOWAIT) fails with EAGAIN (would wait)");
        break;
    case Expect::sync:
        c.expect(nw == static_cast<ssize_t>(a.size), "preadv2(RWF_NOWAIT) succeeds (never waits)");
        break;
    default:
        c.expect(nw < 0 && nw_errno == EOPNOTSUPP,
                 "preadv2(RWF_NOWAIT) fails with EOPNOTSUPP (no FMODE_NOWAIT)");
        break;
    }
    return c.exit_code();
}

// ---------------------------------------------------------------------------
// cancel: io_cancel and io_destroy on the async device

int cmd_cancel()
{
    const Params p;
    Checker c;
    const double latency = static_cast<double>(p.latency_us);
    if (p.latency_us < 200000)
        throw UsageError{"cancel needs latency_us >= 200000, so that requests are still in flight"};
    const std::size_t size = 4096;
    Fd fd(device_path("async"));
    io_context_t ctx{};
    if (int err = io_setup(64, &ctx); err < 0)
        throw UsageError{fmt::format("io_setup: {}", std::strerror(-err))};

    fmt::print("io_cancel: 4 reads in flight, cancel 2\n");
    const Stats before = read_stats("async");
    std::vector<AlignedBuffer> bufs;
    iocb cbs[4]{};
    iocb* ptrs[4];
    for (int i = 0; i < 4; ++i) {
        bufs.emplace_back(size);
        io_prep_pread(&cbs[i], fd.get(), bufs.back().data.get(), size, i * 8192);
        ptrs[i] = &cbs[i];
    }
    const auto t0 = Clock::now();
    c.expect(io_submit(ctx, 4, ptrs) == 4, "io_submit queues 4 reads");
    c.expect(ring_tail(ctx) == 0, "none completed yet");
    io_event unused{};
    const int c1 = io_cancel(ctx, &cbs[1], &unused);
    const int c2 = io_cancel(ctx, &cbs[2], &unused);
    // fs/aio.c: "-EINPROGRESS indicates cancellation is in progress".
    c.expect(c1 == -EINPROGRESS && c2 == -EINPROGRESS,
             fmt::format("io_cancel returns -EINPROGRESS twice (got {}, {})", c1, c2));

    io_event ev[4]{};
    timespec half = timespec_us(latency / 2);
    const int got = getevents(ctx, 2, 2, ev, &half);
    const double cancel_us = us(Clock::now() - t0);
    c.expect(got == 2, fmt::format("two events arrive within half the latency (got {} after {:.0f} us)", got,
                                   cancel_us));
    for (int i = 0; i < std::max(got, 0); ++i)
        c.expect((ev[i].obj == &cbs[1] || ev[i].obj == &cbs[2]) && static_cast<long>(ev[i].res) == -ECANCELED,
                 fmt::format("event for a cancelled request, res {}", static_cast<long>(ev[i].res)));
    timespec ten{10, 0};
    const int rest = getevents(ctx, 2, 2, ev, &ten);
    const double all_us = us(Clock::now() - t0);
    c.expect(rest == 2, "the other two complete");
    for (int i = 0; i < std::max(rest, 0); ++i) {
        const bool mine = ev[i].obj == &cbs[0] || ev[i].obj == &cbs[3];
        c.expect(mine && static_cast<long>(ev[i].res) == static_cast<long>(size),
                 fmt::format("uncancelled request completes with {} bytes", size));
    }
    c.expect(all_us >= latency, "after the full latency");
    c.expect(!check_pattern(bufs[0].data.get(), size, 0, p.pattern) &&
                 !check_pattern(bufs[3].data.get(), size, 3 * 8192, p.pattern),
             "their data is the pattern");
    c.expect(io_cancel(ctx, &cbs[0], &unused) == -EINVAL, "io_cancel of a completed request: -EINVAL");
    Stats d = read_stats("async") - before;
    fmt::print("  counters: {}\n", format_stats(d));
    c.expect_stat(d, "cancelled", 2);
    c.expect_stat(d, "deferred", 4);

    fmt::print("io_destroy: 3 reads in flight\n");
    const Stats before2 = read_stats("async");
    for (int i = 0; i < 3; ++i)
        io_prep_pread(&cbs[i], fd.get(), bufs[static_cast<std::size_t>(i)].data.get(), size, 0);
    c.expect(io_submit(ctx, 3, ptrs) == 3, "io_submit queues 3 reads");
    const auto t1 = Clock::now();
    const int destroyed = io_destroy(ctx);
    const double destroy_us = us(Clock::now() - t1);
    c.expect(destroyed == 0, "io_destroy returns 0");
    c.expect(destroy_us < latency / 2,
             fmt::format("io_destroy cancelled them instead of waiting the latency ({:.0f} us)", destroy_us));
    d = read_stats("async") - before2;
    const Stats now = read_stats("async");
    fmt::print("  counters: {}\n", format_stats(d));
    c.expect_stat(d, "cancelled", 3);
    c.expect(now.at("in_flight") == 0, "nothing left in flight");
    return c.exit_code();
}

// ---------------------------------------------------------------------------
// nowait: a full queue (queue_depth=1) - RWF_NOWAIT, backpressure, io_uring

int cmd_nowait()
{
    const Params p;
    Checker c;
    if (read_param("queue_depth") != 1 || p.latency_us < 100000)
        throw UsageError{"nowait needs queue_depth=1 and latency_us >= 100000"};
    const double latency = static_cast<double>(p.latency_us);
    const std::size_t size = 4096;
    Fd fd(device_path("async"));
    io_context_t ctx{};
    if (int err = io_setup(64, &ctx); err < 0)
        throw UsageError{fmt::format("io_setup: {}", std::strerror(-err))};
    AlignedBuffer a(size), b(size), d(size);
    iocb ca{}, cb{}, cd{};
    iocb* pa[1] = {&ca};
    iocb* pb[1] = {&cb};
    iocb* pd[1] = {&cd};

    const Stats before = read_stats("async");
    io_prep_pread(&ca, fd.get(), a.data.get(), size, 0);
    const auto t0 = Clock::now();
    c.expect(io_submit(ctx, 1, pa) == 1 && ring_tail(ctx) == 0, "A queued: it holds the only slot");

    io_prep_pread(&cb, fd.get(), b.data.get(), size, 0);
    cb.aio_rw_flags = RWF_NOWAIT;
    // Nothing may print between the two measurements: the log is on 9p,
    // and writing to it sleeps.
    const long sw0 = voluntary_switches();
    const int rb = io_submit(ctx, 1, pb);
    const long b_slept = voluntary_switches() - sw0;
    c.expect(rb == 1 && ring_tail(ctx) == 1, "B with RWF_NOWAIT: its completion is in the ring at once");
    c.expect(b_slept == 0, "B did not sleep");

    io_prep_pread(&cd, fd.get(), d.data.get(), size, 0);
    const long sw1 = voluntary_switches();
    const auto t1 = Clock::now();
    const int rd = io_submit(ctx, 1, pd);
    const double blocked = us(Clock::now() - t1);
    const long slept = voluntary_switches() - sw1;
    c.expect(rd == 1, "C without RWF_NOWAIT is accepted");
    c.expect(slept > 0 && us(Clock::now() - t0) >= latency,
             fmt::format("C slept in io_submit until A completed: backpressure ({:.0f} us, {} switches)",
                         blocked, slept));

    io_event ev[3]{};
    timespec ten{10, 0};
    const int got = getevents(ctx, 3, 3, ev, &ten);
    c.expect(got == 3, "three events");
    for (int i = 0; i < std::max(got, 0); ++i) {
        const long res = static_cast<long>(ev[i].res);
        if (ev[i].obj == &cb)
            c.expect(res == -EAGAIN, fmt::format("B completed with -EAGAIN (got {})", res));
        else
            c.expect(res == static_cast<long>(size), fmt::format("A/C completed with {} bytes", size));
    }
    Stats dd = read_stats("async") - before;
    fmt::print("  counters: {}\n", format_stats(dd));
    c.expect_stat(dd, "eagain", 1);
    c.expect_stat(dd, "slept", 1);

    // io_uring with the queue full: the IOCB_NOWAIT attempt gets -EAGAIN,
    // io_uring punts the request to an io-wq worker, which waits its turn.
    fmt::print("io_uring with the queue full\n");
    const Stats before2 = read_stats("async");
    io_prep_pread(&ca, fd.get(), a.data.get(), size, 0);
    c.expect(io_submit(ctx, 1, pa) == 1, "A queued again");
    {
        Ring r;
        io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
        io_uring_prep_read(sqe, fd.get(), b.data.get(), static_cast<unsigned>(size), 0);
        const long sw2 = voluntary_switches();
        const int submitted = io_uring_submit(&r.ring);
        const long u_slept = voluntary_switches() - sw2;
        c.expect(submitted == 1, "io_uring_submit accepts it");
        c.expect(u_slept == 0, "without sleeping");
        io_uring_cqe* cqe = nullptr;
        c.expect(io_uring_peek_cqe(&r.ring, &cqe) != 0, "no CQE yet");
        __kernel_timespec kt{10, 0};
        c.expect(wait_cqe(&r.ring, &cqe, &kt) == 0 && cqe->res == static_cast<int>(size),
                 "it completes once A has");
        if (cqe)
            io_uring_cqe_seen(&r.ring, cqe);
    }
    getevents(ctx, 1, 1, ev, &ten);
    dd = read_stats("async") - before2;
    fmt::print("  counters: {}\n", format_stats(dd));
    c.expect_stat(dd, "eagain", 1);
    c.expect_stat(dd, "io_worker", 1);

    // No FMODE_NOWAIT: aio refuses RWF_NOWAIT before reaching the driver.
    Fd blocking(device_path("blocking"));
    io_prep_pread(&cb, blocking.get(), b.data.get(), size, 0);
    cb.aio_rw_flags = RWF_NOWAIT;
    const int rn = io_submit(ctx, 1, pb);
    c.expect(rn == -EOPNOTSUPP, fmt::format("blocking with RWF_NOWAIT: io_submit -EOPNOTSUPP (got {})", rn));
    io_destroy(ctx);
    return c.exit_code();
}

// ---------------------------------------------------------------------------
// hold: leave requests in flight for the unload tests

int cmd_hold(std::string_view engine, const std::string& device, unsigned n, bool exit_now)
{
    const std::size_t size = 4096;
    auto fd = std::make_unique<Fd>(device_path(device));
    std::vector<AlignedBuffer> bufs;
    for (unsigned i = 0; i < n; ++i)
        bufs.emplace_back(size);
    std::unique_ptr<Ring> ring;
    if (engine == "aio") {
        io_context_t ctx{};
        if (int err = io_setup(static_cast<int>(n) + 1, &ctx); err < 0)
            throw UsageError{fmt::format("io_setup: {}", std::strerror(-err))};
        for (unsigned i = 0; i < n; ++i) {
            iocb* cb = new iocb{};  // lives until exit: the kernel owns it while in flight
            io_prep_pread(cb, fd->get(), bufs[i].data.get(), size, 0);
            if (io_submit(ctx, 1, &cb) != 1)
                throw UsageError{"io_submit failed"};
        }
    } else if (engine == "uring") {
        ring = std::make_unique<Ring>();
        for (unsigned i = 0; i < n; ++i)
            io_uring_prep_read(io_uring_get_sqe(&ring->ring), fd->get(), bufs[i].data.get(),
                               static_cast<unsigned>(size), 0);
        if (io_uring_submit(&ring->ring) != static_cast<int>(n))
            throw UsageError{"io_uring_submit failed"};
    } else {
        throw UsageError{"hold: engine is aio or uring"};
    }
    fd->close();  // in flight, the requests keep the file (and the module) busy
    fmt::print("held {}\n", n);
    std::fflush(stdout);
    if (exit_now)
        std::_Exit(0);  // process exit with requests in flight
    for (;;)
        ::pause();
}

// ---------------------------------------------------------------------------
// load: random requests on every device, for the load/unload cycles

struct LoadStats {
    std::atomic<long> requests{0};
    std::atomic<long> corrupt{0};
    std::atomic<long> unexpected{0};
};

bool acceptable(long res, std::size_t size, bool cancelled)
{
    return res == static_cast<long>(size) || res == -EAGAIN || (cancelled && res == -ECANCELED);
}

struct LoadDev {
    std::string name;
    std::unique_ptr<Fd> fd;
};

void load_worker(unsigned seed, const std::atomic<bool>& stop, std::vector<LoadDev>& devs, LoadStats& st)
{
    std::mt19937 rng(seed);
    const Params p;
    io_context_t ctx{};
    if (io_setup(32, &ctx) < 0)
        throw UsageError{"io_setup failed"};
    Ring r;
    const std::size_t sizes[] = {512, 4096, 65536};
    AlignedBuffer buf(65536 * 4);

    for (std::uint64_t seq = 0; !stop; ++seq) {
        LoadDev& dev = devs[rng() % devs.size()];
        const std::size_t size = sizes[rng() % 3];
        const bool write = rng() % 3 == 0;
        const unsigned batch = 1 + rng() % 4;
        const std::uint64_t pos = rng() % 100000;
        const int engine = static_cast<int>(rng() % 3);
        for (unsigned i = 0; i < batch; ++i) {
            if (write)
                fill_pattern(buf.data.get() + i * size, size, pos, p.pattern);
            else
                std::memset(buf.data.get() + i * size, 0, size);
        }
        auto check = [&](unsigned i, long res, bool cancelled) {
            st.requests++;
            if (!acceptable(res, size, cancelled) &&
                !(dev.name == "noiter" && engine == 0 && res == -EINVAL)) {
                st.unexpected++;
                fmt::print(stderr, "load: {} {} {} B via {}: res {}\n", dev.name, write ? "write" : "read",
                           size,
                           engine == 0   ? "aio"
                           : engine == 1 ? "io_uring"
                                         : "syscall",
                           res);
            }
            if (!write && res == static_cast<long>(size) &&
                check_pattern(buf.data.get() + i * size, size, pos, p.pattern))
                st.corrupt++;
        };
        if (engine == 0) {
            std::vector<iocb> cbs(batch);
            std::vector<iocb*> ptrs;
            for (unsigned i = 0; i < batch; ++i) {
                if (write)
                    io_prep_pwrite(&cbs[i], dev.fd->get(), buf.data.get() + i * size, size,
                                   static_cast<long long>(pos));
                else
                    io_prep_pread(&cbs[i], dev.fd->get(), buf.data.get() + i * size, size,
                                  static_cast<long long>(pos));
                ptrs.push_back(&cbs[i]);
            }
            const int rc = io_submit(ctx, static_cast<long>(batch), ptrs.data());
            if (rc <= 0) {
                check(0, rc, false);
                continue;
            }
            bool cancelled = false;
            if (rng() % 4 == 0) {
                io_event unused{};
                cancelled = io_cancel(ctx, ptrs[0], &unused) == -EINPROGRESS;
            }
            std::vector<io_event> evs(static_cast<std::size_t>(rc));
            timespec ten{10, 0};
            int got = 0;
            while (got < rc) {
                const int g = getevents(ctx, rc - got, rc - got, evs.data() + got, &ten);
                if (g <= 0) {
                    fmt::print(stderr, "load: getevents: {} ({} of {} events)\n", g, got, rc);
                    st.unexpected++;
                    break;
                }
                got += g;
            }
            for (const auto& ev : std::span(evs).first(static_cast<std::size_t>(got))) {
                const auto at = std::find(ptrs.begin(), ptrs.end(), ev.obj);
                if (at == ptrs.end()) {
                    fmt::print(stderr, "load: an event of an earlier batch\n");
                    st.unexpected++;
                    continue;
                }
                check(static_cast<unsigned>(at - ptrs.begin()), static_cast<long>(ev.res), cancelled);
            }
        } else if (engine == 1) {
            for (unsigned i = 0; i < batch; ++i) {
                io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
                if (write)
                    io_uring_prep_write(sqe, dev.fd->get(), buf.data.get() + i * size,
                                        static_cast<unsigned>(size), pos);
                else
                    io_uring_prep_read(sqe, dev.fd->get(), buf.data.get() + i * size,
                                       static_cast<unsigned>(size), pos);
                io_uring_sqe_set_data64(sqe, seq << 8 | i);
            }
            if (const int sub = io_uring_submit(&r.ring); sub != static_cast<int>(batch))
                fmt::print(stderr, "load: io_uring_submit: {} of {}\n", sub, batch);
            for (unsigned i = 0; i < batch; ++i) {
                io_uring_cqe* cqe = nullptr;
                __kernel_timespec kt{10, 0};
                if (const int w = wait_cqe(&r.ring, &cqe, &kt); w != 0) {
                    fmt::print(stderr, "load: io_uring_wait_cqe: {} ({} of {} CQEs)\n", w, i, batch);
                    st.unexpected++;
                    break;
                }
                const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
                if (tag >> 8 != seq) {
                    fmt::print(stderr, "load: a CQE of batch {} in batch {}\n", tag >> 8, seq);
                    st.unexpected++;
                    --i;
                } else {
                    check(static_cast<unsigned>(tag & 0xff), cqe->res, false);
                }
                io_uring_cqe_seen(&r.ring, cqe);
            }
        } else {
            const ssize_t res = write ? ::pwrite(dev.fd->get(), buf.data.get(), size, static_cast<off_t>(pos))
                                      : ::pread(dev.fd->get(), buf.data.get(), size, static_cast<off_t>(pos));
            check(0, res < 0 ? -errno : res, false);
        }
    }
    io_destroy(ctx);
}

// Runs until MILLISECONDS have passed or SIGTERM arrives. Every device is
// open before "load: running" is printed, and stays open until the end: a
// caller that saw that line knows rmmod must be refused.
int cmd_load(unsigned ms, unsigned seed)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, nullptr);  // the workers inherit it: only sigtimedwait sees it

    std::vector<LoadDev> devs;
    for (const auto& n : device_names())
        devs.push_back({n, std::make_unique<Fd>(device_path(n))});
    LoadStats st;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (unsigned t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            try {
                load_worker(seed + t, stop, devs, st);
            } catch (const UsageError& e) {
                fmt::print(stderr, "load: {}\n", e.what);
                errors++;
            }
        });
    fmt::print("load: running\n");
    const timespec limit = timespec_us(static_cast<double>(ms) * 1000);
    sigtimedwait(&term, nullptr, &limit);
    stop = true;
    for (auto& t : threads)
        t.join();
    fmt::print("load: {} requests, {} unexpected results, {} corrupt reads\n", st.requests.load(),
               st.unexpected.load(), st.corrupt.load());
    return errors || st.unexpected || st.corrupt ? kExitFailed : 0;
}

// ---------------------------------------------------------------------------

std::size_t parse_size(std::string_view s)
{
    std::size_t mult = 1;
    if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) {
        mult = 1024;
        s.remove_suffix(1);
    }
    return std::stoul(std::string(s)) * mult;
}

int run(int argc, char** argv)
{
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty())
        throw UsageError{"usage: gadget_check aio|uring|rw|cancel|nowait|hold|load ..."};
    const std::string_view cmd = args[0];
    auto flag = [&](std::string_view f) { return std::find(args.begin(), args.end(), f) != args.end(); };
    auto value = [&](std::string_view f) -> std::optional<std::string_view> {
        auto it = std::find(args.begin(), args.end(), f);
        if (it == args.end())
            return std::nullopt;
        if (++it == args.end())
            throw UsageError{fmt::format("{} needs a value", f)};
        return *it;
    };
    auto device_arg = [&](std::size_t i) {
        if (args.size() <= i)
            throw UsageError{"missing DEVICE"};
        const std::string dev(args[i]);
        if (!parse_mode(dev))
            throw UsageError{fmt::format("unknown device '{}'", dev)};
        return dev;
    };

    if (cmd == "aio" || cmd == "uring" || cmd == "rw") {
        IoArgs a;
        a.device = device_arg(1);
        a.mode = *parse_mode(a.device);
        if (auto v = value("--size"))
            a.size = parse_size(*v);
        if (auto v = value("--count"))
            a.count = static_cast<unsigned>(std::stoul(std::string(*v)));
        a.write = flag("--write") || flag("--corrupt");
        a.corrupt = flag("--corrupt");
        if (cmd == "rw")
            return cmd_rw(a);
        return cmd_io(a, cmd == "uring");
    }
    if (cmd == "cancel")
        return cmd_cancel();
    if (cmd == "nowait")
        return cmd_nowait();
    if (cmd == "hold") {
        if (args.size() < 4)
            throw UsageError{"usage: gadget_check hold aio|uring DEVICE N [--exit]"};
        return cmd_hold(args[1], device_arg(2), static_cast<unsigned>(std::stoul(std::string(args[3]))),
                        flag("--exit"));
    }
    if (cmd == "load") {
        if (args.size() < 2)
            throw UsageError{"usage: gadget_check load MILLISECONDS [--seed N]"};
        unsigned seed = 1;
        if (auto v = value("--seed"))
            seed = static_cast<unsigned>(std::stoul(std::string(*v)));
        return cmd_load(static_cast<unsigned>(std::stoul(std::string(args[1]))), seed);
    }
    throw UsageError{fmt::format("unknown command '{}'", cmd)};
}

}  // namespace

int main(int argc, char** argv)
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        fmt::print(stderr, "gadget_check: {}\n", e.what);
        return kExitUsage;
    } catch (const std::exception& e) {
        fmt::print(stderr, "gadget_check: {}\n", e.what());
        return kExitUsage;
    }
}
