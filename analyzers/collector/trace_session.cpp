// SPDX-License-Identifier: GPL-2.0-only
#include "collector/trace_session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>
#include <vector>

#include <asm/unistd.h>
#include <bpf/bpf.h>
#include <fmt/format.h>

#include "collector/bpf_handles.h"
#include "collector/bpf_map_iter.h"
#include "collector/elf_symbols.h"
#include "collector/ksyms.h"
#include "collector/libbpf_log.h"
#include "collector/op_table_size.h"
#include "collector/probe_misses.h"
#include "collector/trace_decode.h"
#include "driver_hook.skel.h"
#include "model/errors.h"
#include "trace.skel.h"

namespace aio::collector {
namespace {

using OpTuple = std::tuple<std::uint64_t, std::uint32_t, std::uint8_t, std::uint8_t, std::uint8_t, std::uint8_t>;

OpTuple tuple_of(const aio_audit_op_key& k)
{
    return {k.fn, k.dev, k.ftype, k.kind, k.api, k.flags};
}

// Folds one CPU's op statistics into a sum: every field is a count.
void add_stats(aio_audit_op_stats& sum, const aio_audit_op_stats& one)
{
    static_assert(sizeof(aio_audit_op_stats) % sizeof(std::uint64_t) == 0);
    std::uint64_t a[sizeof(sum) / sizeof(std::uint64_t)];
    std::uint64_t b[sizeof(sum) / sizeof(std::uint64_t)];
    std::memcpy(a, &sum, sizeof(a));
    std::memcpy(b, &one, sizeof(b));
    for (std::size_t i = 0; i < std::size(a); ++i)
        a[i] += b[i];
    std::memcpy(&sum, a, sizeof(a));
}

bool is_tracing_frame(const Ksyms& ksyms, std::uint64_t ip)
{
    const KernelSymbol* sym = ksyms.nearest(ip);
    if (!sym || ksyms.frame(ip).starts_with("0x"))
        return true;  // JIT-ed BPF code has no kallsyms entry here
    for (const char* prefix : {"bpf_", "__bpf_", "trace_call_bpf", "perf_trace_", "__traceiter_", "perf_"})
        if (sym->name.starts_with(prefix))
            return true;
    return false;
}

constexpr std::size_t kMaxDriverHooks = 64;

struct DriverHook {
    std::string how;  // "fexit", "kretprobe", or why it failed
    bool ok = false;
    Skeleton<driver_hook, driver_hook__destroy> skel;  // fexit: its own object
    Link link;                                          // destroyed first: declared last
    bool upgrade = false;  // kretprobe for now, fexit (cheaper per call) once it loads
};

}  // namespace

// bpf/trace.bpf.c builds sys_enter_btf/sys_exit_btf and the fentry syscall
// programs for these only: it needs the architecture's pt_regs layout and
// syscall function names (model::kArchSyscallProgramsBuilt).
#if defined(__x86_64__) || defined(__aarch64__)
#define AIO_AUDIT_RAW_SYSCALLS 1
#endif

namespace {

// io_submit_one() is static in fs/aio.c: a compiler may inline it, and then
// neither fentry nor a kprobe can reach it (the feature probe tried).
constexpr const char* kNoSubmitOne =
    "io_submit_one could not be hooked in this kernel (doctor: bpf.fentry_io_submit_one, "
    "bpf.kprobe_io_submit_one): a request's submission window and sleeps are its io_submit call's";

}  // namespace

struct TraceSession::Impl {
    TraceOptions opts;
    // Declared in the order they are made: destroyed in reverse (links
    // before the programs they attach).
    Skeleton<trace, trace__destroy> skel;
    RingBuffer rb;
    std::vector<Link> links;
    std::map<std::uint64_t, DriverHook> driver_hooks;
    std::vector<std::uint64_t> new_fns;  // announced by the BPF side, not hooked yet
    Ksyms ksyms;
    // Programs, trampolines and modules enter kallsyms when attached or
    // loaded: ksyms is re-read when something was attached since it was
    // read (not at every snapshot: an exporter snapshots every scrape).
    unsigned attach_count = 0;
    unsigned ksyms_attach_count = 0;
    std::vector<std::string> notes;
    bool block_hooks = false;

    model::SyscallHooks syscall_hooks = model::SyscallHooks::event;

    bool has(std::string_view id) const { return model::has(opts.caps, id); }

    // The plan's choice (doctor shows the same), or the forced one if it can run.
    model::SyscallHooks choose_syscall_hooks() const
    {
        if (!opts.syscall_hooks)
            return opts.plan.syscall_hooks;
        if (auto why = model::syscall_hooks_unavailable(opts.caps, opts.plan.backend, *opts.syscall_hooks))
            throw EnvironmentError(fmt::format("--syscall-hooks {}: {}", model::name(*opts.syscall_hooks), *why),
                                   "use --syscall-hooks event (one tracepoint per syscall)");
        return *opts.syscall_hooks;
    }

    void attach(bpf_program* prog, const char* what)
    {
        LibbpfLogCapture log;
        bpf_link* link = bpf_program__attach(prog);
        if (!link)
            throw EnvironmentError(log.describe(what, errno),
                                   "try another backend: aio-audit trace --backend tracepoint");
        links.emplace_back(link);
        ++attach_count;
    }

    void refresh_ksyms()
    {
        if (ksyms_attach_count == attach_count)
            return;
        ksyms = Ksyms::load();
        ksyms_attach_count = attach_count;
    }

    // A driver function of a module loaded after the session started is
    // not in the symbols read so far.
    const KernelSymbol* driver_symbol(std::uint64_t fn)
    {
        if (const KernelSymbol* sym = ksyms.exact(fn))
            return sym;
        ksyms = Ksyms::load();
        ksyms_attach_count = attach_count;
        return ksyms.exact(fn);
    }

    static int on_new_fn(void* ctx, void* data, std::size_t size)
    {
        auto* self = static_cast<Impl*>(ctx);
        aio_audit_new_fn_record rec;
        if (size >= sizeof(rec)) {
            std::memcpy(&rec, data, sizeof(rec));
            self->new_fns.push_back(rec.fn);
        }
        return 0;
    }

    void configure_programs()
    {
        const model::Backend b = opts.plan.backend;
        bpf_program* prog = nullptr;
        bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);

        auto on = [](bpf_program* p) { bpf_program__set_autoload(p, true); };
        const bool irq_aware = has("bpf.preempt_count");
        if (opts.follow_children && opts.tgid)
            on(skel->progs.follow_fork);
        // A thread's state is what marks it traced: it must end with the thread.
        on(skel->progs.task_exit);
        on(skel->progs.task_exec);
        on(has("bpf.tp_btf") ? skel->progs.sched_switch_btf : skel->progs.sched_switch_tp);
        // The feature probe chose the submission event (submit_sqe before 6.4).
        const model::Capability* submit = model::find(opts.caps, "bpf.io_uring_submit");
        const bool submit_req = submit && submit->detail == "io_uring:io_uring_submit_req";
        const bool uring = has("bpf.io_uring_submit") && has("tracepoint.io_uring:io_uring_complete");
        // The tracepoint backend learns completion times when they are reaped.
        const bool getevents = b == model::Backend::tracepoint;
        syscall_hooks = choose_syscall_hooks();
        if (syscall_hooks == model::SyscallHooks::fentry) {
#ifdef AIO_AUDIT_RAW_SYSCALLS
            on(skel->progs.fentry_sys_io_submit);
            on(skel->progs.fexit_sys_io_submit);
            if (uring) {
                on(skel->progs.fentry_sys_io_uring_enter);
                on(skel->progs.fexit_sys_io_uring_enter);
            }
#endif
        } else if (syscall_hooks == model::SyscallHooks::raw) {
#ifdef AIO_AUDIT_RAW_SYSCALLS
            on(skel->progs.sys_enter_btf);
            on(skel->progs.sys_exit_btf);
            skel->rodata->nr_io_submit = __NR_io_submit;
            skel->rodata->nr_io_getevents = __NR_io_getevents;
            skel->rodata->nr_io_uring_enter = __NR_io_uring_enter;
            if (b == model::Backend::tracepoint)
                skel->rodata->nr_io_destroy = __NR_io_destroy;
            skel->rodata->hook_getevents = getevents;
            skel->rodata->hook_uring = uring;
            // sys_exit_btf alone then counts kernel-AIO requests, and
            // sys_enter_btf alone --sample N's calls; the kernel never runs
            // either nested on a CPU (bpf/trace/account.bpf.h).
            skel->rodata->exclusive_counts = b == model::Backend::tracepoint;
#endif
        } else {
            on(skel->progs.io_submit_enter);
            on(skel->progs.io_submit_exit);
            if (getevents) {
                on(skel->progs.io_getevents_enter);
                on(skel->progs.io_getevents_exit);
            }
            // The kioctx kept per thread (bpf/trace/kaio.bpf.h) is dropped
            // at any io_destroy.
            if (b == model::Backend::tracepoint)
                on(skel->progs.io_destroy_enter);
            if (uring) {
                on(skel->progs.uring_enter);
                on(skel->progs.uring_exit);
            }
        }
        if (uring) {
            on(submit_req ? skel->progs.uring_submit_req : skel->progs.uring_submit_sqe);
            on(irq_aware ? skel->progs.uring_complete_irq : skel->progs.uring_complete);
            if (has("tracepoint.io_uring:io_uring_queue_async_work"))
                on(skel->progs.uring_queue_async);
            if (has("tracepoint.io_uring:io_uring_cqring_wait"))
                on(skel->progs.uring_cqring_wait);
            else
                notes.push_back("io_uring_cqring_wait missing: sleeps while waiting for completions inside "
                                "io_uring_enter count as submission sleeps");
        } else {
            notes.push_back("io_uring tracepoints missing: io_uring requests are not traced");
        }
        switch (b) {
        case model::Backend::tracepoint:
            break;
        case model::Backend::fentry:
            if (has("bpf.fentry_io_submit_one")) {
                on(skel->progs.fentry_io_submit_one);
                on(skel->progs.fexit_io_submit_one);
                notes.push_back("submission windows per request: io_submit_one (fentry/fexit)");
            } else {
                notes.push_back(kNoSubmitOne);
            }
            on(skel->progs.fentry_aio_read);
            on(skel->progs.fentry_aio_write);
            on(skel->progs.fexit_aio_read);
            on(skel->progs.fexit_aio_write);
            on(irq_aware ? skel->progs.fentry_aio_complete_rw_irq : skel->progs.fentry_aio_complete_rw);
            break;
        case model::Backend::kprobe:
            if (has("bpf.kprobe_io_submit_one")) {
                on(skel->progs.kprobe_io_submit_one);
                on(skel->progs.kretprobe_io_submit_one);
                notes.push_back("submission windows per request: io_submit_one (kprobe/kretprobe)");
            } else {
                notes.push_back(kNoSubmitOne);
            }
            on(skel->progs.kprobe_aio_read);
            on(skel->progs.kprobe_aio_write);
            on(skel->progs.kretprobe_aio_read);
            on(skel->progs.kretprobe_aio_write);
            on(irq_aware ? skel->progs.kprobe_aio_complete_rw_irq : skel->progs.kprobe_aio_complete_rw);
            break;
        case model::Backend::none:
            break;
        }
        if (opts.driver_hooks && b != model::Backend::tracepoint && has("bpf.kretprobe"))
            on(skel->progs.kretprobe_driver);
        // New driver functions are announced as they are first called, so
        // their return is hooked at once rather than at the next poll.
        skel->rodata->announce_fns = opts.driver_hooks && b != model::Backend::tracepoint;
        // Block I/O a submitter issued and waited for without sleeping
        // (docs/verdicts.md): the bio's tracepoints, through tp_btf (the
        // classic events carry no bio or request pointer).
        if (has("bpf.tp_btf")) {
            on(skel->progs.block_bio_queue);
            on(skel->progs.block_rq_complete);
            on(skel->progs.block_bio_complete);
            skel->rodata->have_block_hooks = true;
            block_hooks = true;
        } else {
            notes.push_back("tp_btf refused: block I/O is not followed, so a request that waited for the device "
                            "without sleeping cannot be told from an inline copy");
        }
        if (opts.posix_uprobes && has("bpf.uprobe")) {
            on(skel->progs.uprobe_aio_read);
            on(skel->progs.uprobe_aio_write);
            on(skel->progs.uprobe_lio_listio);
        }
    }

    void attach_all()
    {
        bpf_program* prog = nullptr;
        bpf_object__for_each_program(prog, skel->obj)
        {
            if (!bpf_program__autoload(prog))
                continue;
            const std::string sec = bpf_program__section_name(prog);
            // Bare sections get their targets at run time (driver hooks, uprobes).
            if (sec == "kretprobe" || sec == "uprobe")
                continue;
            attach(prog, sec.c_str());
        }
        if (bpf_program__autoload(skel->progs.uprobe_aio_read))
            attach_posix_uprobes();
    }

    void attach_posix_uprobes()
    {
        const auto libc = libc_path();
        if (!libc) {
            notes.push_back("glibc not found: POSIX AIO is not traced");
            return;
        }
        std::string error;
        const auto offsets = function_offsets(
            *libc, {"aio_read", "aio_write", "lio_listio", "aio_read64", "aio_write64", "lio_listio64"}, &error);
        if (offsets.empty()) {
            notes.push_back("POSIX AIO not traced: " + error);
            return;
        }
        std::map<std::uint64_t, bpf_program*> by_offset;
        for (const auto& [fn, off] : offsets) {
            bpf_program* p = fn.starts_with("aio_read")    ? skel->progs.uprobe_aio_read
                             : fn.starts_with("aio_write") ? skel->progs.uprobe_aio_write
                                                           : skel->progs.uprobe_lio_listio;
            by_offset.emplace(off, p);
        }
        const pid_t pid = opts.tgid ? static_cast<pid_t>(opts.tgid) : -1;
        unsigned attached = 0;
        for (const auto& [off, p] : by_offset) {
            LibbpfLogCapture log;
            bpf_link* link = bpf_program__attach_uprobe(p, false, pid, libc->c_str(), off);
            if (link) {
                links.emplace_back(link);
                ++attached;
            } else {
                notes.push_back(log.describe("uprobe on " + *libc, errno));
            }
        }
        notes.push_back(fmt::format("POSIX AIO: uprobes at {} offsets of {}", attached, *libc));
    }

    // The fentry backend hooks a new driver function with a kretprobe where
    // kprobes work: it attaches in tens of ms, where fexit needs its own
    // object loaded (seconds under emulation: BTF parsed, a trampoline made),
    // and short workloads finish first. It is replaced by fexit, which costs
    // less per call, one function per poll. Both may fire for a call in
    // between: each sets the same return value, counted once.
    void upgrade_one_driver_hook()
    {
        for (auto& [fn, hook] : driver_hooks) {
            if (!hook.upgrade)
                continue;
            hook.upgrade = false;
            const KernelSymbol* sym = ksyms.exact(fn);
            std::string why;
            if (sym && !attach_fexit(sym->name, hook, why))
                notes.push_back("driver return value hooked by kretprobe, not fexit: " + why);
            return;
        }
    }

    // fexit on the driver function, in an object of its own sharing the
    // session's maps. On success the hook's kretprobe, if any, is dropped.
    bool attach_fexit(const std::string& name, DriverHook& hook, std::string& why)
    {
        LibbpfLogCapture log;
        Skeleton<driver_hook, driver_hook__destroy> d(driver_hook__open());
        if (d && bpf_map__reuse_fd(d->maps.tasks, bpf_map__fd(skel->maps.tasks)) == 0 &&
            bpf_map__reuse_fd(d->maps.aio_reqs, bpf_map__fd(skel->maps.aio_reqs)) == 0 &&
            bpf_program__set_attach_target(d->progs.fexit_driver, 0, name.c_str()) == 0 &&
            driver_hook__load(d.get()) == 0) {
            if (bpf_link* link = bpf_program__attach(d->progs.fexit_driver)) {
                hook.link.reset(link);  // the kretprobe, if any, goes
                hook.skel = std::move(d);
                hook.ok = true;
                hook.how = "fexit";
                ++attach_count;
                return true;
            }
        }
        why = log.describe("fexit on " + name, errno);
        return false;
    }

    void hook_new_drivers()
    {
        if (!opts.driver_hooks || opts.plan.backend == model::Backend::tracepoint)
            return;
        for (const std::uint64_t fn : new_fns)
            if (!driver_hooks.count(fn) && driver_hooks.size() < kMaxDriverHooks)
                driver_hooks[fn] = hook_driver(fn);
        new_fns.clear();
        // Functions the BPF side could not announce (its table full, the
        // ring buffer full) are found in the op table.
        for_each_key<aio_audit_op_key>(bpf_map__fd(skel->maps.op_slots), [&](const aio_audit_op_key& key) {
            if (key.api == AA_API_KAIO && key.fn && !driver_hooks.count(key.fn) &&
                driver_hooks.size() < kMaxDriverHooks)
                driver_hooks[key.fn] = hook_driver(key.fn);
        });
    }

    // Whether an op's driver function has its return hooked, else why not.
    DriverHookState hook_state(const aio_audit_op_key& key) const
    {
        if (opts.plan.backend == model::Backend::tracepoint)
            return {false, "the tracepoint backend cannot hook driver functions"};
        if (!opts.driver_hooks)
            return {false, "--no-driver-hooks"};
        if (key.api != AA_API_KAIO)
            return {false, "followed into the driver for io_submit requests only"};
        if (!key.fn)
            return {false, "no driver function"};
        const auto hook = driver_hooks.find(key.fn);
        if (hook == driver_hooks.end())
            return {false, fmt::format("not hooked (at most {} driver functions are)", kMaxDriverHooks)};
        return {hook->second.ok, hook->second.ok ? std::string() : hook->second.how};
    }

    // Runs the kernel skipped, per program that skipped any
    // (bpf_prog_info.recursion_misses, kernel 5.12+).
    std::map<std::string, std::uint64_t> missed_runs() const
    {
        std::map<std::string, std::uint64_t> out;
        std::map<std::uint32_t, std::string> names;  // by program id
        auto add = [&](const bpf_program* p, const std::string& name) {
            const int fd = bpf_program__fd(p);
            if (fd < 0)
                return;
            bpf_prog_info info{};
            std::uint32_t len = sizeof(info);
            if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
                return;
            names[info.id] = name;
            if (info.recursion_misses)
                out[name] += info.recursion_misses;
        };
        auto fn_name = [&](std::uint64_t fn) {
            const KernelSymbol* sym = ksyms.exact(fn);
            return sym ? sym->name : fmt::format("0x{:x}", fn);
        };
        bpf_program* prog = nullptr;
        bpf_object__for_each_program(prog, skel->obj)
        {
            if (bpf_program__autoload(prog))
                add(prog, bpf_program__name(prog));
        }
        for (const auto& [fn, hook] : driver_hooks)
            if (hook.skel)
                add(hook.skel->progs.fexit_driver, "fexit_driver:" + fn_name(fn));
        // Probes the kernel skipped before their program ran (kprobe backend).
        for (const auto& link : links)
            if (auto m = kprobe_link_misses(bpf_link__fd(link.get())); m && m->missed)
                out[names.contains(m->prog_id) ? names[m->prog_id] : fmt::format("prog {}", m->prog_id)] += m->missed;
        for (const auto& [fn, hook] : driver_hooks)
            if (!hook.skel && hook.link)
                if (auto m = kprobe_link_misses(bpf_link__fd(hook.link.get())); m && m->missed)
                    out["kretprobe_driver:" + fn_name(fn)] += m->missed;
        return out;
    }

    // Whether skipped kprobes are in missed_runs(): the kernel says so for
    // its perf links from 6.7 only.
    bool kprobe_misses_unseen() const
    {
        if (opts.plan.backend != model::Backend::kprobe)
            return false;
        for (const auto& link : links)
            if (kprobe_link_misses(bpf_link__fd(link.get())))
                return false;
        return true;
    }

    // Requests still in the in-flight table (call-hook backends).
    std::uint64_t unfinished_requests() const
    {
        if (opts.plan.backend == model::Backend::tracepoint)
            return 0;
        std::uint64_t n = 0;
        for_each_key<std::uint64_t>(bpf_map__fd(skel->maps.aio_reqs), [&](std::uint64_t) { ++n; });
        return n;
    }

    DriverHook hook_driver(std::uint64_t fn)
    {
        DriverHook hook;
        const KernelSymbol* sym = driver_symbol(fn);
        if (!sym) {
            hook.how = fmt::format("0x{:x} not in /proc/kallsyms", fn);
            return hook;
        }
        const bool fentry = opts.plan.backend == model::Backend::fentry;
        std::string why;
        if (bpf_program__autoload(skel->progs.kretprobe_driver)) {
            LibbpfLogCapture log;
            if (bpf_link* link = bpf_program__attach_kprobe(skel->progs.kretprobe_driver, true, sym->name.c_str())) {
                hook.ok = true;
                hook.how = "kretprobe";
                hook.link.reset(link);
                ++attach_count;
                hook.upgrade = fentry;
                return hook;
            }
            why = log.describe("kretprobe on " + sym->name, errno);
        }
        if (fentry) {
            std::string fexit_why;
            if (attach_fexit(sym->name, hook, fexit_why))
                return hook;
            why += (why.empty() ? "" : "; ") + fexit_why;
        }
        hook.how = why;
        return hook;
    }
};

TraceSession::TraceSession(const TraceOptions& opts) : impl_(std::make_unique<Impl>())
{
    Impl& s = *impl_;
    s.opts = opts;
    if (opts.plan.backend == model::Backend::none)
        throw EnvironmentError("no trace backend can run: " + opts.plan.why, "run `aio-audit doctor` to see why");
    s.ksyms = Ksyms::load();
    if (s.ksyms.empty())
        throw EnvironmentError("cannot read /proc/kallsyms: driver functions could not be named");

    LibbpfLogCapture log;
    s.skel.reset(trace__open());
    if (!s.skel)
        throw EnvironmentError(log.describe("open BPF object", errno));
    s.skel->rodata->targ_tgid = opts.tgid;
    s.skel->rodata->follow_children = opts.follow_children && opts.tgid;
    s.skel->rodata->self_tgid = static_cast<std::uint32_t>(::getpid());
    s.skel->rodata->have_call_hooks = opts.plan.backend != model::Backend::tracepoint;
    s.skel->rodata->sample_every = std::max<std::uint32_t>(1, opts.sample_every);
    if (!opts.comm.empty()) {
        s.skel->rodata->filter_comm = true;
        std::strncpy(const_cast<char*>(s.skel->rodata->targ_comm), opts.comm.c_str(),
                     sizeof(s.skel->rodata->targ_comm) - 1);
    }
    bpf_map__set_max_entries(s.skel->maps.stacks, opts.stack_storage);
    bpf_map__set_max_entries(s.skel->maps.sleeps, opts.stack_storage);
    const std::uint32_t op_slots =
        opts.op_storage ? opts.op_storage
                        : default_op_slots(static_cast<std::uint32_t>(std::max(0, libbpf_num_possible_cpus())),
                                           sizeof(aio_audit_op_stats));
    bpf_map__set_max_entries(s.skel->maps.ops, op_slots);
    bpf_map__set_max_entries(s.skel->maps.op_slots, op_slots);
    s.skel->rodata->op_slot_limit = op_slots;
    s.configure_programs();
    if (const int err = trace__load(s.skel.get()))
        throw EnvironmentError(log.describe("load BPF programs", -err),
                               "run `aio-audit doctor`; force another backend with --backend");
    s.attach_all();
    s.rb.reset(ring_buffer__new(bpf_map__fd(s.skel->maps.announce), &Impl::on_new_fn, &s, nullptr));
    if (!s.rb)
        throw EnvironmentError(log.describe("ring buffer", errno));
}

TraceSession::~TraceSession() = default;

void TraceSession::poll(int timeout_ms)
{
    // Woken by the first call of a new driver function, else every timeout_ms.
    ring_buffer__poll(impl_->rb.get(), timeout_ms);
    const std::size_t hooked = impl_->driver_hooks.size();
    impl_->hook_new_drivers();
    // A poll that hooked nothing new has time to make one hook cheaper.
    if (impl_->driver_hooks.size() == hooked)
        impl_->upgrade_one_driver_hook();
}

model::TraceReport TraceSession::snapshot(double duration_s)
{
    Impl& s = *impl_;
    ring_buffer__consume(s.rb.get());  // driver functions announced since the last poll
    s.hook_new_drivers();
    // Stack frames inside trampolines and programs attached since the
    // session started are named from a fresh read.
    s.refresh_ksyms();

    model::TraceReport report;
    report.backend = s.opts.plan.backend;
    report.backend_why = s.opts.plan.why;
    report.unseen = s.opts.plan.unseen;
    report.notes = s.notes;
    report.syscall_hooks = s.syscall_hooks;
    report.duration_s = duration_s;
    report.tgid = s.opts.tgid;
    report.comm = s.opts.comm;

    std::map<OpTuple, model::TraceOp> ops;
    std::map<std::pair<bool, std::uint32_t>, std::string> dev_names;
    auto op_for = [&](const aio_audit_op_key& k) -> model::TraceOp& {
        auto [it, fresh] = ops.try_emplace(tuple_of(k));
        if (fresh) {
            it->second = describe_op(k, s.ksyms);
            model::TraceOp& op = it->second;
            const bool chr = op.file == model::FileKind::char_device;
            auto [name, unnamed] = dev_names.try_emplace({chr, k.dev});
            if (unnamed)
                name->second = device_name(op.file, op.dev_major, op.dev_minor);
            op.dev_name = name->second;
        }
        return it->second;
    };

    for_each_percpu_slot<aio_audit_op_key, aio_audit_op_stats>(
        bpf_map__fd(s.skel->maps.op_slots), bpf_map__fd(s.skel->maps.ops), add_stats,
        [&](const aio_audit_op_key& key, const aio_audit_op_stats& stats) {
            apply_stats(op_for(key), stats, s.hook_state(key));
        });
    for_each_percpu_slot<aio_audit_evidence_key, std::uint64_t>(
        bpf_map__fd(s.skel->maps.evidence_slots), bpf_map__fd(s.skel->maps.evidence),
        [](std::uint64_t& sum, std::uint64_t n) { sum += n; },
        [&](const aio_audit_evidence_key& key, std::uint64_t count) { apply_evidence(op_for(key.op), key, count); });
    report.sampling.every = std::max<std::uint32_t>(1, s.opts.sample_every);
    if (report.sampling.every > 1)
        for_each_percpu_entry<std::uint32_t, aio_audit_totals>(
            bpf_map__fd(s.skel->maps.totals),
            [](aio_audit_totals& sum, const aio_audit_totals& t) {
                sum.io_submit_calls += t.io_submit_calls;
                sum.io_submit_extra_iocbs += t.io_submit_extra_iocbs;
            },
            [&](std::uint32_t, const aio_audit_totals& t) {
                report.sampling.io_submit_calls = t.io_submit_calls;
                // Unsigned wrap-around: the extras are nr - 1 per call.
                report.sampling.io_submit_iocbs = t.io_submit_calls + t.io_submit_extra_iocbs;
            });
    for (auto& [k, op] : ops)
        report.ops.push_back(std::move(op));
    std::sort(report.ops.begin(), report.ops.end(),
              [](const model::TraceOp& a, const model::TraceOp& b) { return a.requests > b.requests; });

    const int stack_fd = bpf_map__fd(s.skel->maps.stacks);
    std::vector<std::pair<aio_audit_sleep_key, aio_audit_sleep_val>> sleeps;
    for_each_entry<aio_audit_sleep_key, aio_audit_sleep_val>(
        bpf_map__fd(s.skel->maps.sleeps),
        [&](const aio_audit_sleep_key& key, const aio_audit_sleep_val& val) { sleeps.emplace_back(key, val); });
    for (const auto& [key, val] : sleeps) {
        model::TraceStack st;
        const model::TraceOp described = describe_op(key.op, s.ksyms);
        st.op = described.display();
        st.dev = fmt::format("{}:{}", described.dev_major, described.dev_minor);
        st.dev_name = device_name(described.file, described.dev_major, described.dev_minor);
        st.api = static_cast<model::Api>(key.op.api);
        st.in_call = key.in_call != 0;
        st.sleeps = val.sleeps;
        st.offcpu_ns = val.offcpu_ns;
        st.comm.assign(val.comm, strnlen(val.comm, sizeof(val.comm)));
        const std::int32_t id = key.stack_id;
        std::uint64_t ips[127] = {};
        if (id >= 0 && bpf_map_lookup_elem(stack_fd, &id, ips) == 0) {
            bool top = true;
            for (auto ip : ips) {
                if (!ip)
                    break;
                // The innermost frames are the BPF program and the tracepoint
                // machinery that called it, not where the task slept; deeper
                // down, fentry trampolines ([bpf]) sit between a function and
                // its caller.
                if (top && is_tracing_frame(s.ksyms, ip))
                    continue;
                top = false;
                if (const KernelSymbol* sym = s.ksyms.nearest(ip); sym && sym->module == "bpf")
                    continue;
                st.frames.push_back(s.ksyms.frame(ip));
            }
        }
        report.stacks.push_back(std::move(st));
    }
    std::sort(report.stacks.begin(), report.stacks.end(),
              [](const model::TraceStack& a, const model::TraceStack& b) { return a.offcpu_ns > b.offcpu_ns; });

    const auto* drops = s.skel->bss->drops;
    report.lost = {{"sleep_table_full", drops[AA_DROP_SLEEP_TABLE]},
                   {"stacks_not_captured", drops[AA_DROP_STACK]},
                   {"requests_table_full", drops[AA_DROP_REQUEST]},
                   {"op_table_full", drops[AA_DROP_STATS]},
                   {"task_table_full", drops[AA_DROP_TASK]},
                   {"iocbs_beyond_tracking_limit", drops[AA_DROP_UNTRACKED]},
                   {"completions_not_seen", drops[AA_DROP_COMPLETION]},
                   {"requests_beyond_ops_per_call", drops[AA_DROP_CALL_OPS]},
                   {"evidence_table_full", drops[AA_DROP_EVIDENCE]}};
    std::uint64_t missed = 0;
    for (const auto& [name, n] : s.missed_runs()) {
        report.missed_runs[name] = n;
        missed += n;
    }
    report.lost["program_runs_missed"] = missed;
    if (s.kprobe_misses_unseen())
        report.notes.push_back(
            "kprobes the kernel skipped (one fired while another ran on its CPU) are not counted by this kernel "
            "(before 6.7): program_runs_missed leaves them out; a request whose completion they cost is in "
            "completions_not_seen");
    report.unfinished = s.unfinished_requests();

    std::map<std::string, unsigned> hooked;
    unsigned total = 0;
    for (const auto& [fn, hook] : s.driver_hooks) {
        if (hook.ok) {
            ++hooked[hook.how];
            ++total;
        } else {
            report.notes.push_back("driver return value not hooked: " + hook.how);
        }
    }
    if (total) {
        std::string how;
        for (const auto& [kind, n] : hooked)
            how += fmt::format("{}{} {}", how.empty() ? "" : ", ", kind, n);
        report.notes.push_back(fmt::format("driver return values: {} function(s) hooked ({}), each as soon as "
                                           "its first request was seen",
                                           total, how));
    }
    return report;
}

}  // namespace aio::collector
