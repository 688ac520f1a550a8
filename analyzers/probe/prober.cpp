// SPDX-License-Identifier: GPL-2.0-only
#include "probe/prober.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "model/errors.h"
#include "model/latency.h"
#include "probe/clock.h"
#include "model/probe_rules.h"
#include "probe/file_facts.h"
#include "probe/page_cache_watch.h"
#include "probe/watchdog.h"

namespace aio::probe {

std::atomic<bool> stop_requested{false};

std::string_view name(Op o)
{
    switch (o) {
    case Op::read: return "read";
    case Op::overwrite: return "overwrite";
    case Op::append: return "append";
    case Op::fill_holes: return "fill-holes";
    case Op::fill_prealloc: return "fill-prealloc";
    case Op::write: return "write";
    }
    return "?";
}

std::string_view name(DepthKind d)
{
    return d == DepthKind::inflight ? "inflight" : "batch";
}

std::optional<std::vector<Op>> parse_op(std::string_view text)
{
    if (text == "fill")
        return std::vector<Op>{Op::fill_holes, Op::fill_prealloc};
    for (Op op : {Op::read, Op::overwrite, Op::append, Op::fill_holes, Op::fill_prealloc, Op::write})
        if (name(op) == text)
            return std::vector<Op>{op};
    return std::nullopt;
}

std::string_view name(Mode m)
{
    return m == Mode::direct ? "direct" : "buffered";
}

std::string_view name(Variant v)
{
    switch (v) {
    case Variant::plain: return "";
    case Variant::dsync: return "dsync";
    case Variant::nowait: return "nowait";
    }
    return "";
}

namespace {

// The byte at file offset o: the sector number and the position in it both
// change it, so misplaced or torn data does not match.
unsigned char pattern_byte(std::uint64_t o)
{
    return static_cast<unsigned char>(((o >> 9) * 0x9E) ^ (o * 0x2D) ^ 0x5A);
}

}  // namespace

void fill_pattern(unsigned char* buf, std::size_t len, std::uint64_t offset)
{
    for (std::size_t i = 0; i < len; ++i)
        buf[i] = pattern_byte(offset + i);
}

std::size_t count_pattern_mismatches(const unsigned char* buf, std::size_t len, std::uint64_t offset)
{
    std::size_t bad = 0;
    for (std::size_t i = 0; i < len; ++i)
        bad += buf[i] != pattern_byte(offset + i);
    return bad;
}

namespace {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept
    {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset()
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct AlignedBuffer {
    AlignedBuffer(std::size_t bytes, std::size_t align)
    {
        void* p = nullptr;
        if (::posix_memalign(&p, align, bytes ? bytes : align) != 0)
            throw std::bad_alloc();
        data = static_cast<unsigned char*>(p);
        std::memset(data, 0, bytes);
    }
    ~AlignedBuffer() { std::free(data); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    unsigned char* data = nullptr;
};

enum class Kind { temp_file, user_file, block_device, char_device, fifo };

// Files we create never exceed this, whatever --requests says: offsets wrap.
constexpr std::uint64_t kMaxSpan = 64ULL << 20;

// How many distinct blocks a case cycles through: all of them up to
// kMaxSpan, and a multiple of the depth so a batch never straddles a wrap.
std::uint64_t span_blocks(const ProbeOptions& o)
{
    std::uint64_t blocks = std::min<std::uint64_t>(o.requests, std::max<std::uint64_t>(kMaxSpan / o.size, 1));
    blocks -= blocks % o.depth;
    return std::max<std::uint64_t>(blocks, o.depth);
}

// Everything decided about a target before its cases run.
struct Prepared {
    Kind kind = Kind::user_file;
    std::string path;
    Fd data;     // temp files: the pre-filled file read and overwritten
    Fd scratch;  // temp files: appended to and filled
    std::uint64_t span = 0;  // bytes the read/overwrite offsets range over
    std::vector<Op> ops;
    std::vector<Mode> modes;
    std::optional<MountFacts> mount;
    std::string fstype;
    // Made at the first O_DIRECT case on a file, kept for the target.
    mutable std::unique_ptr<PageCacheWatch> page_cache;
};

bool refused_errno(std::int64_t res)
{
    return res == -EINVAL || res == -EOPNOTSUPP;
}

bool is_write(Op op)
{
    return op != Op::read;
}

// Operations that run against the scratch file, which they reset.
bool is_scratch(Op op)
{
    return op == Op::append || op == Op::fill_holes || op == Op::fill_prealloc;
}

// An unnamed file in `dir`: O_TMPFILE where the filesystem has it, else a
// named one that is unlinked at once. Either way nothing is left behind.
Fd make_temp_file(const std::string& dir, std::string& error)
{
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return Fd(fd);
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        error = "cannot create a temp file in " + dir + ": " + errno_text(errno);
        return Fd();
    }
    std::string tmpl = dir + "/.aio-audit.XXXXXX";
    fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
        error = "cannot create a temp file in " + dir + ": " + errno_text(errno);
        return Fd();
    }
    ::unlink(tmpl.c_str());
    return Fd(fd);
}

bool prefill(int fd, std::uint64_t bytes, std::string& error)
{
    std::vector<unsigned char> chunk(1 << 20);
    for (std::uint64_t off = 0; off < bytes;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), bytes - off));
        fill_pattern(chunk.data(), n, off);
        const ssize_t w = ::pwrite(fd, chunk.data(), n, static_cast<off_t>(off));
        if (w <= 0) {
            error = "cannot write the temp file: " + errno_text(w < 0 ? errno : ENOSPC);
            return false;
        }
        off += static_cast<std::uint64_t>(w);
    }
    if (::fsync(fd) != 0) {
        error = "fsync of the temp file: " + errno_text(errno);
        return false;
    }
    return true;
}

std::string tmpfs_dir()
{
    const std::string uid_run = "/run/user/" + std::to_string(::getuid());
    for (const std::string& dir : {std::string("/dev/shm"), uid_run, std::string("/run")}) {
        struct statfs fs {};
        if (::statfs(dir.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC && ::access(dir.c_str(), W_OK) == 0)
            return dir;
    }
    return {};
}

// Opens the file a case runs against, with the case's mode and variant.
Fd open_for_case(const Prepared& p, Op op, Mode mode, Variant variant, bool may_write, int& err)
{
    int flags = O_CLOEXEC;
    if (mode == Mode::direct)
        flags |= O_DIRECT;
    if (variant == Variant::dsync)
        flags |= O_DSYNC;
    std::string path = p.path;
    switch (p.kind) {
    case Kind::temp_file:
        // Reopen through /proc so each case gets its own flags on the same
        // unnamed file (O_DSYNC cannot be changed with F_SETFL).
        path = "/proc/self/fd/" + std::to_string(is_scratch(op) ? p.scratch.get()
                                                                                     : p.data.get());
        flags |= O_RDWR;
        break;
    case Kind::fifo:
        // Reader and writer at once, so neither end waits for a peer.
        flags |= O_RDWR;
        break;
    case Kind::user_file:
        flags |= O_RDONLY;
        break;
    case Kind::block_device:
        flags |= may_write ? O_RDWR : O_RDONLY;
        break;
    case Kind::char_device:
        flags |= is_write(op) ? O_WRONLY : O_RDONLY;
        break;
    }
    const int fd = ::open(path.c_str(), flags);
    err = fd < 0 ? errno : 0;
    return Fd(fd);
}

// One request's life across its slot: what it is, and what its first
// attempt left behind when RWF_NOWAIT refused it and it was retried.
struct SlotState {
    IoRequest req;
    std::uint64_t expect_at = 0;  // pattern offset its read data must match
    bool retried = false;
    bool first_slept = false;
};

class CaseRunner {
public:
    CaseRunner(const Prepared& p, const ProbeOptions& o) : prep_(p), opts_(o) {}

    model::CaseResult run(Op op, Mode mode, Variant variant, EngineKind engine_kind)
    {
        model::CaseResult c;
        c.engine = std::string(name(engine_kind));
        c.op = std::string(name(op));
        c.mode = std::string(name(mode));
        c.variant = std::string(name(variant));
        c.size = opts_.size;
        c.depth = opts_.depth;
        c.depth_kind = std::string(name(opts_.depth_kind));
        const auto t_start = now_ns();
        run_into(c, op, mode, variant, engine_kind);
        c.elapsed_s = static_cast<double>(now_ns() - t_start) / 1e9;
        return c;
    }

private:
    void run_into(model::CaseResult& c, Op op, Mode mode, Variant variant, EngineKind engine_kind)
    {
        const bool may_write = is_write(op);
        int err = 0;
        Fd fd = open_for_case(prep_, op, mode, variant, may_write, err);
        if (!fd) {
            if (mode == Mode::direct && err == EINVAL) {
                // The filesystem or driver refuses O_DIRECT: that is the verdict.
                c.refused = 1;
                c.tally.add(model::Verdict::unsupported);
                c.first_error = "open(O_DIRECT): " + errno_text(err);
                return;
            }
            c.skipped = "open: " + errno_text(err);
            c.errors = 1;
            return;
        }

        const bool regular = prep_.kind == Kind::temp_file || prep_.kind == Kind::user_file;
        std::size_t align = 4096;
        if (mode == Mode::direct && (regular || prep_.kind == Kind::block_device)) {
            const model::DirectIoFacts dio = direct_io_facts(fd.get(), prep_.mount);
            c.dio = dio;
            align = std::max<std::size_t>({align, dio.statx_memory_align, dio.device_logical_block});
            const auto outlook = model::direct_io_outlook(prep_.fstype, dio, opts_.size);
            if (outlook.expect == model::DirectIoExpectation::refused) {
                c.skipped = "O_DIRECT here needs --size to be a multiple of " + std::to_string(outlook.alignment) +
                            " (" + (outlook.source == "statx" ? "statx STATX_DIOALIGN" : "the device's logical block") +
                            ")";
                return;
            }
        }

        const std::uint64_t wrap = span_blocks(opts_);
        if (is_scratch(op) && !reset_scratch(fd.get(), op, wrap, c))
            return;

        Engine* engine = engine_for(engine_kind, c);
        if (!engine)
            return;
        engine->reset_counters();
        if (variant == Variant::nowait && !engine->has_rw_flags()) {
            c.skipped = std::string(name(engine_kind)) + " has no RWF_NOWAIT";
            return;
        }

        const bool cold = prep_.kind != Kind::char_device && prep_.kind != Kind::fifo;
        bool watching = false;
        if (mode == Mode::direct && regular) {
            ::fsync(fd.get());
            drop_page_cache(fd.get());
            watching = watch_page_cache(fd.get());
        }

        AlignedBuffer buffers(opts_.size * opts_.depth, align);
        std::vector<SlotState> slots(opts_.depth);
        std::vector<unsigned> free_slots;
        for (unsigned s = opts_.depth; s-- > 0;)
            free_slots.push_back(s);
        Samples lat;
        std::uint64_t stream_pos = 0;  // FIFO: bytes written into it so far
        const auto offsets = plan_offsets(op);
        std::vector<IoRequest> reqs;
        unsigned issued = 0;
        unsigned finished = 0;

        while (finished < opts_.requests && !stop_requested.load()) {
            unsigned want = 0;
            if (issued < opts_.requests) {
                if (opts_.depth_kind == DepthKind::inflight)
                    want = std::min(opts_.depth - engine->in_flight(), opts_.requests - issued);
                else if (engine->in_flight() == 0)
                    want = std::min(opts_.depth, opts_.requests - issued);
            }
            if (want > 0 && is_scratch(op)) {
                // Appends and fills start over on an empty file when they
                // wrap; nothing may be in flight across that.
                const std::uint64_t next_wrap = (issued / wrap + 1) * wrap;
                want = static_cast<unsigned>(std::min<std::uint64_t>(want, next_wrap - issued));
                if (issued > 0 && issued % wrap == 0) {
                    if (engine->in_flight() > 0)
                        want = 0;
                    else if (!reset_scratch(fd.get(), op, wrap, c))
                        break;  // nothing is in flight
                }
            }
            if (want > 0) {
                reqs.clear();
                for (unsigned i = 0; i < want; ++i) {
                    const unsigned slot = free_slots.back();
                    free_slots.pop_back();
                    SlotState& st = slots[slot];
                    st = SlotState{};
                    IoRequest& r = st.req;
                    r.buf = buffers.data + static_cast<std::size_t>(slot) * opts_.size;
                    r.len = opts_.size;
                    r.offset = offsets(issued + i);
                    r.write = may_write;
                    r.nowait = variant == Variant::nowait;
                    r.slot = slot;
                    st.expect_at = prep_.kind == Kind::fifo ? stream_pos + std::uint64_t{i} * opts_.size : r.offset;
                    if (r.write)
                        fill_pattern(static_cast<unsigned char*>(r.buf), r.len, r.offset);
                    else
                        std::memset(r.buf, 0, r.len);
                    reqs.push_back(r);
                }
                if (!may_write && cold)
                    drop_page_cache(fd.get());
                if (prep_.kind == Kind::fifo && !may_write && !feed_fifo(fd.get(), want, stream_pos, c))
                    break;  // what is in flight is reaped below
                submit(*engine, fd.get(), reqs);
                issued += want;
            }

            const ReapResult done = engine->reap(1, opts_.timeout);
            std::vector<unsigned> completed = done.slots;
            if (done.timed_out) {
                const auto rest = engine->cancel_all();
                completed.insert(completed.end(), rest.begin(), rest.end());
                if (c.first_error.empty())
                    c.first_error = "timed out after " + std::to_string(opts_.timeout.count()) +
                                    " ms waiting for completions";
            }
            reqs.clear();
            for (unsigned slot : completed) {
                SlotState& st = slots[slot];
                const IoSample& s = engine->sample(slot);
                if (!done.timed_out && st.req.nowait && s.submitted && s.result == -EAGAIN) {
                    // RWF_NOWAIT said it would block: do what an application
                    // does (Seastar, fsqual) and retry at once without it.
                    ++c.eagain;
                    st.retried = true;
                    st.first_slept = s.slept;
                    st.req.nowait = false;
                    reqs.push_back(st.req);
                    continue;
                }
                account(c, engine_kind, st, s, lat);
                check_data(c, st, s);
                if (prep_.kind == Kind::fifo && may_write)
                    drain_fifo(fd.get(), s);
                free_slots.push_back(slot);
                ++finished;
            }
            if (!reqs.empty())
                submit(*engine, fd.get(), reqs);
            if (done.timed_out)
                break;
        }
        // Interrupted or stopped early: let what is in flight complete
        // (cancel it only if it does not within --timeout), so the engine is
        // clean for the next case.
        while (engine->in_flight() > 0) {
            const ReapResult rest = engine->reap(engine->in_flight(), opts_.timeout);
            for (unsigned slot : rest.slots)
                account(c, engine_kind, slots[slot], engine->sample(slot), lat);
            if (rest.timed_out) {
                for (unsigned slot : engine->cancel_all())
                    account(c, engine_kind, slots[slot], engine->sample(slot), lat);
            }
        }

        c.helper_threads = engine->helper_threads();
        c.submit_switches = engine->submit_switches();
        c.submit_calls = engine->submit_calls();
        if (watching)
            c.pages_added = prep_.page_cache->stop();
        if (mode == Mode::direct && regular) {
            if (auto resident =
                    resident_pages(fd.get(), is_scratch(op) ? span_blocks(opts_) * opts_.size : prep_.span))
                c.resident_after = *resident;
            if (c.resident_after || c.pages_added)
                c.page_cache_fallback = c.resident_after.value_or(0) > 0 || c.pages_added.value_or(0) > 0;
        }
        c.submit = model::summarize(std::move(lat.submit_ns));
        c.complete = model::summarize(std::move(lat.complete_ns));
    }

    // Counts pages added to the file's page cache during an O_DIRECT case,
    // where tracefs allows it (root).
    bool watch_page_cache(int fd) const
    {
        if (!prep_.mount)
            return false;
        if (!prep_.page_cache)
            prep_.page_cache = std::make_unique<PageCacheWatch>();
        struct stat st {};
        return ::fstat(fd, &st) == 0 && prep_.page_cache->start(prep_.mount->sb_major, prep_.mount->sb_minor, st.st_ino);
    }

    // One engine of each kind for the whole target: tearing a libaio
    // context down waits for an RCU grace period (~30 ms), once per case
    // otherwise. Every case leaves its engine with nothing in flight.
    Engine* engine_for(EngineKind kind, model::CaseResult& c)
    {
        if (auto it = engines_.find(kind); it != engines_.end())
            return it->second.get();
        if (auto it = engine_errors_.find(kind); it != engine_errors_.end()) {
            c.skipped = it->second;
            c.errors = 1;
            return nullptr;
        }
        try {
            return engines_.emplace(kind, make_engine(kind, opts_.depth)).first->second.get();
        } catch (const Error& e) {
            std::string why = e.what();
            if (!e.hint().empty())
                why += " (" + e.hint() + ")";
            engine_errors_.emplace(kind, why);
            c.skipped = why;
            c.errors = 1;
            return nullptr;
        }
    }

    struct Samples {
        std::vector<std::uint64_t> submit_ns;
        std::vector<std::uint64_t> complete_ns;
    };

    void submit(Engine& engine, int fd, const std::vector<IoRequest>& reqs) const
    {
        Watchdog watchdog(opts_.timeout + std::chrono::milliseconds(1000));
        engine.submit(fd, reqs);
    }

    bool reset_scratch(int fd, Op op, std::uint64_t blocks, model::CaseResult& c) const
    {
        const auto bytes = static_cast<off_t>(blocks * opts_.size);
        if (::ftruncate(fd, 0) != 0) {
            c.skipped = "ftruncate: " + errno_text(errno);
            c.errors = 1;
            return false;
        }
        // Holes: a size without blocks. Pre-allocated: blocks reserved as
        // unwritten extents, the size set as well.
        if (op == Op::fill_holes && ::ftruncate(fd, bytes) != 0) {
            c.skipped = "ftruncate: " + errno_text(errno);
            c.errors = 1;
            return false;
        }
        if (op == Op::fill_prealloc && ::fallocate(fd, 0, 0, bytes) != 0) {
            c.skipped = "fallocate: " + errno_text(errno) + " (the filesystem cannot pre-allocate)";
            return false;
        }
        return true;
    }

    std::function<std::uint64_t(unsigned)> plan_offsets(Op op) const
    {
        const std::uint64_t size = opts_.size;
        const std::uint64_t wrap = span_blocks(opts_);
        if (is_scratch(op))
            return [size, wrap](unsigned i) { return (std::uint64_t{i} % wrap) * size; };
        if (prep_.kind == Kind::char_device || prep_.kind == Kind::fifo)
            return [](unsigned) { return std::uint64_t{0}; };
        const std::uint64_t blocks = std::max<std::uint64_t>(prep_.span / size, 1);
        // A fixed seed: the same offsets every run, so runs are comparable.
        auto order = std::make_shared<std::vector<std::uint64_t>>();
        std::mt19937_64 rng(0x61696f);
        if (blocks <= (1u << 20)) {
            order->resize(blocks);
            for (std::uint64_t b = 0; b < blocks; ++b)
                (*order)[b] = b;
            std::shuffle(order->begin(), order->end(), rng);
        } else {
            std::uniform_int_distribution<std::uint64_t> pick(0, blocks - 1);
            for (unsigned i = 0; i < opts_.requests; ++i)
                order->push_back(pick(rng));
        }
        return [order, size](unsigned i) { return (*order)[i % order->size()] * size; };
    }

    // A FIFO is read back with data we put into it just before.
    bool feed_fifo(int fd, unsigned batch, std::uint64_t& stream_pos, model::CaseResult& c) const
    {
        std::vector<unsigned char> data(static_cast<std::size_t>(batch) * opts_.size);
        fill_pattern(data.data(), data.size(), stream_pos);
        if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
            c.skipped = "cannot fill the FIFO: " + errno_text(errno) + " (requests larger than the pipe buffer?)";
            c.errors = 1;
            return false;
        }
        stream_pos += data.size();
        return true;
    }

    // Take back what a request wrote, so the pipe never fills up.
    static void drain_fifo(int fd, const IoSample& s)
    {
        const std::size_t bytes = s.result > 0 ? static_cast<std::size_t>(s.result) : 0;
        std::vector<unsigned char> sink(bytes);
        for (std::size_t got = 0; got < bytes;) {
            const ssize_t r = ::read(fd, sink.data() + got, bytes - got);
            if (r <= 0)
                break;
            got += static_cast<std::size_t>(r);
        }
    }

    void check_data(model::CaseResult& c, const SlotState& st, const IoSample& s) const
    {
        if (st.req.write || s.result <= 0 || (prep_.kind != Kind::temp_file && prep_.kind != Kind::fifo))
            return;
        if (count_pattern_mismatches(static_cast<const unsigned char*>(st.req.buf),
                                     static_cast<std::size_t>(s.result), st.expect_at))
            ++c.data_mismatches;
    }

    static void account(model::CaseResult& c, EngineKind engine_kind, const SlotState& st, const IoSample& s,
                        Samples& lat)
    {
        const IoRequest& r = st.req;
        ++c.requests;
        if (s.result < 0 || !s.submitted) {
            if (refused_errno(s.result)) {
                ++c.refused;
                c.tally.add(model::Verdict::unsupported);
            } else {
                ++c.errors;
            }
            if (c.first_error.empty())
                c.first_error = std::string(s.submitted ? "completion: " : "submission: ") +
                                errno_text(static_cast<int>(-s.result));
            return;
        }
        ++c.completed;
        if (!r.write && s.result == 0)
            ++c.empty_reads;
        else if (static_cast<std::size_t>(s.result) < r.len)
            ++c.short_transfers;
        // A retried request: the caller went through both submissions, so a
        // sleep in either is a sleep of the request.
        const bool slept = s.slept || (st.retried && st.first_slept);
        model::RequestEvidence e;
        e.punted = s.punted;
        e.completed = s.ready_at_return ? model::CompletionTime::in_syscall : model::CompletionTime::after_syscall;
        e.slept_in_submission = slept ? model::Tri::yes : model::Tri::no;
        c.tally.add(model::classify(e));
        c.ready_at_return += s.ready_at_return;
        c.slept += slept;
        c.punted += s.punted;
        c.ambiguous += model::ready_at_return_ambiguous(e);
        if (!r.write && engine_kind != EngineKind::posix)
            c.device_reads = c.device_reads.value_or(0) + s.device_read;
        lat.submit_ns.push_back(s.submit_ns);
        lat.complete_ns.push_back(s.complete_ns);
    }

    const Prepared& prep_;
    const ProbeOptions& opts_;
    std::map<EngineKind, std::unique_ptr<Engine>> engines_;
    std::map<EngineKind, std::string> engine_errors_;
};

// Decides what may be done with a target, opening what must stay open.
// Returns false (with result.error set) when it cannot be probed at all.
bool prepare(const TargetSpec& spec, const ProbeOptions& opts, Prepared& p, model::TargetResult& result)
{
    struct stat st {};
    if (::stat(p.path.c_str(), &st) != 0) {
        result.error = p.path + ": " + errno_text(errno);
        return false;
    }
    result.kind = model::file_kind_from_mode(st.st_mode);
    result.memory_only = result.kind == model::FileKind::fifo ||
                         ((result.kind == model::FileKind::directory || result.kind == model::FileKind::regular) &&
                          memory_only_fs(p.path));
    if (result.kind == model::FileKind::char_device) {
        result.driver = char_driver(st.st_rdev);
        // The kernel's memory devices (null, zero, full, random...): no
        // hardware behind them.
        result.memory_only = result.driver == "mem";
    }
    p.mount = mount_of(p.path);
    if (const auto& m = p.mount) {
        p.fstype = m->fstype;
        result.fstype = m->fstype;
        result.source = m->source;
    }
    const std::vector<Op> file_ops{Op::read, Op::overwrite, Op::append, Op::fill_holes, Op::fill_prealloc};
    p.modes = opts.modes;

    switch (result.kind) {
    case model::FileKind::directory: {
        p.kind = Kind::temp_file;
        result.created = true;
        std::string error;
        p.data = make_temp_file(p.path, error);
        if (p.data)
            p.scratch = make_temp_file(p.path, error);
        p.span = span_blocks(opts) * opts.size;
        if (!p.data || !p.scratch || !prefill(p.data.get(), p.span, error)) {
            result.error = error;
            return false;
        }
        p.ops = file_ops;
        break;
    }
    case model::FileKind::regular: {
        p.kind = Kind::user_file;
        Fd fd(::open(p.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            result.error = p.path + ": " + errno_text(errno);
            return false;
        }
        p.span = byte_size(fd.get()).value_or(0);
        if (p.span < opts.size) {
            result.error = p.path + ": smaller than one request (" + std::to_string(p.span) + " < " +
                           std::to_string(opts.size) + " bytes): nothing to read";
            return false;
        }
        p.ops = {Op::read};
        if (opts.write || opts.destructive || std::any_of(opts.ops.begin(), opts.ops.end(), is_write))
            result.notes.push_back("writes skipped: aio-audit never writes to a file it did not create "
                                   "(give a directory to probe writes on its filesystem)");
        break;
    }
    case model::FileKind::block_device: {
        p.kind = Kind::block_device;
        result.source = p.path;
        result.fstype.clear();
        Fd fd(::open(p.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            result.error = p.path + ": " + errno_text(errno);
            return false;
        }
        p.span = byte_size(fd.get()).value_or(0);
        if (p.span < opts.size) {
            result.error = p.path + ": device smaller than one request";
            return false;
        }
        p.ops = {Op::read};
        if (opts.destructive)
            p.ops.push_back(Op::overwrite);
        else
            result.notes.push_back("writes skipped: writing a block device destroys its data; pass --destructive");
        break;
    }
    case model::FileKind::char_device:
        p.kind = Kind::char_device;
        result.fstype.clear();
        result.source.clear();
        p.ops = {Op::read};
        if (opts.write)
            p.ops.push_back(Op::write);
        else
            result.notes.push_back("writes skipped: pass --write to write to this device");
        break;
    case model::FileKind::fifo:
        p.kind = Kind::fifo;
        result.fstype.clear();
        result.source.clear();
        if (!spec.make_fifo && !opts.write) {
            result.error = p.path + ": a FIFO is probed with data of our own written into it, and another "
                                    "reader would receive it; pass --write to allow that";
            return false;
        }
        if (opts.size * opts.depth > 65536) {
            result.error = p.path + ": --size x --depth exceeds the pipe buffer (64 KiB)";
            return false;
        }
        p.ops = {Op::read, Op::write};
        p.modes.erase(std::remove(p.modes.begin(), p.modes.end(), Mode::direct), p.modes.end());
        if (p.modes.empty())
            result.notes.push_back("O_DIRECT does not apply to a FIFO (it means packet mode there)");
        break;
    default:
        result.error = p.path + ": cannot probe a " + std::string(model::name(result.kind)) +
                       " (give a file, directory, block or char device, or FIFO)";
        return false;
    }

    if (p.kind != Kind::temp_file && p.kind != Kind::user_file) {
        p.mount.reset();
        p.fstype.clear();
    }

    if (!opts.ops.empty()) {
        std::vector<Op> wanted;
        for (Op op : p.ops) {
            // "write" and "overwrite" name the same thing on devices and files.
            const bool asked = std::any_of(opts.ops.begin(), opts.ops.end(), [&](Op w) {
                return w == op || (w == Op::write && op == Op::overwrite) || (w == Op::overwrite && op == Op::write);
            });
            if (asked)
                wanted.push_back(op);
        }
        if (wanted.empty())
            result.notes.push_back("none of the requested operations applies to this target");
        p.ops = std::move(wanted);
    }
    return true;
}

}  // namespace

std::string target_label(const std::string& given)
{
    if (given.empty() || given.find_first_not_of("./") != std::string::npos)
        return given;
    std::error_code ec;
    const auto abs = std::filesystem::absolute(given, ec);
    if (ec)
        return given;
    std::string s = abs.lexically_normal().string();
    if (s.size() > 1 && s.back() == '/')
        s.pop_back();
    return s;
}

std::vector<TargetSpec> default_targets()
{
    std::vector<TargetSpec> specs;
    specs.push_back({target_label("."), ".", false});
    specs.push_back({"tmpfs", tmpfs_dir(), false});
    specs.push_back({"/dev/zero", "/dev/zero", false});
    specs.push_back({"fifo", "", true});
    return specs;
}

model::TargetResult probe_target(const TargetSpec& spec, const ProbeOptions& opts, const ProgressFn& progress)
{
    model::TargetResult result;
    result.label = spec.label;
    const auto t0 = now_ns();

    // The FIFO of the default set lives in a private directory of ours.
    std::string fifo_dir;
    Prepared p;
    p.path = spec.path;
    if (spec.make_fifo) {
        char tmpl[] = "/tmp/aio-audit.XXXXXX";
        if (!::mkdtemp(tmpl)) {
            result.error = "cannot create a temp directory for the FIFO: " + errno_text(errno);
            return result;
        }
        fifo_dir = tmpl;
        p.path = fifo_dir + "/fifo";
        if (::mkfifo(p.path.c_str(), 0600) != 0) {
            result.error = "mkfifo: " + errno_text(errno);
            ::rmdir(fifo_dir.c_str());
            return result;
        }
        result.created = true;
    }
    if (p.path.empty()) {
        result.error = "no writable tmpfs found (/dev/shm, /run/user/UID, /run)";
        return result;
    }
    result.path = p.path;

    if (prepare(spec, opts, p, result)) {
        CaseRunner runner(p, opts);
        for (Op op : p.ops) {
            for (Mode mode : p.modes) {
                for (Variant variant : opts.variants) {
                    if (variant == Variant::dsync && !is_write(op))
                        continue;
                    for (EngineKind engine : opts.engines) {
                        if (stop_requested.load())
                            break;
                        if (variant == Variant::nowait && engine == EngineKind::posix)
                            continue;  // POSIX AIO has no RWF_NOWAIT; said in --help
                        if (progress)
                            progress(result.label + ": " + std::string(name(engine)) + " " + std::string(name(op)) +
                                     " " + std::string(name(mode)));
                        result.cases.push_back(runner.run(op, mode, variant, engine));
                    }
                }
            }
        }
    }

    if (!fifo_dir.empty()) {
        ::unlink(p.path.c_str());
        ::rmdir(fifo_dir.c_str());
    }
    result.elapsed_s = static_cast<double>(now_ns() - t0) / 1e9;
    return result;
}

model::ProbeReport probe_all(const std::vector<TargetSpec>& specs, const ProbeOptions& opts, const ProgressFn& progress)
{
    model::ProbeReport report;
    const auto t0 = now_ns();
    for (const auto& spec : specs) {
        if (stop_requested.load())
            break;
        report.targets.push_back(probe_target(spec, opts, progress));
    }
    report.interrupted = stop_requested.load();
    report.elapsed_s = static_cast<double>(now_ns() - t0) / 1e9;
    return report;
}

}  // namespace aio::probe
