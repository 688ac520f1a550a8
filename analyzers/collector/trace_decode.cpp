// SPDX-License-Identifier: GPL-2.0-only
#include "collector/trace_decode.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace aio::collector {

using model::CompletionContext;
using model::CompletionTime;
using model::Tri;

// The BPF programs write the model's enum values; these pin the agreement.
static_assert(AA_CTX_UNKNOWN == static_cast<int>(CompletionContext::unknown));
static_assert(AA_CTX_SUBMITTER == static_cast<int>(CompletionContext::submitter));
static_assert(AA_CTX_HARDIRQ == static_cast<int>(CompletionContext::hardirq));
static_assert(AA_CTX_SOFTIRQ == static_cast<int>(CompletionContext::softirq));
static_assert(AA_CTX_OTHER_TASK == static_cast<int>(CompletionContext::other_task));
static_assert(AA_CTX_HELPER_THREAD == static_cast<int>(CompletionContext::helper_thread));
static_assert(AA_CTX_ELSEWHERE == static_cast<int>(CompletionContext::elsewhere));
static_assert(AA_WHEN_UNKNOWN == static_cast<int>(CompletionTime::unknown));
static_assert(AA_WHEN_IN_DRIVER_CALL == static_cast<int>(CompletionTime::in_driver_call));
static_assert(AA_WHEN_IN_SYSCALL == static_cast<int>(CompletionTime::in_syscall));
static_assert(AA_WHEN_AFTER_SYSCALL == static_cast<int>(CompletionTime::after_syscall));
static_assert(AA_TRI_UNKNOWN == static_cast<int>(Tri::unknown));
static_assert(AA_TRI_NO == static_cast<int>(Tri::no));
static_assert(AA_TRI_YES == static_cast<int>(Tri::yes));
static_assert(AA_API_KAIO == static_cast<int>(model::Api::kernel_aio));
static_assert(AA_API_URING == static_cast<int>(model::Api::io_uring));
static_assert(AA_API_POSIX == static_cast<int>(model::Api::posix_aio));

model::TraceOp describe_op(const aio_audit_op_key& key, const Ksyms& ksyms)
{
    model::TraceOp op;
    op.api = static_cast<model::Api>(key.api);
    op.op.kind = key.kind == AA_KIND_WRITE ? model::OpKind::write_iter : model::OpKind::read_iter;
    if (key.fn) {
        if (const KernelSymbol* sym = ksyms.exact(key.fn)) {
            op.op.symbol = sym->name;
            op.op.module = sym->module;
        } else {
            op.op.symbol = "0x" + [&] {
                char buf[32];
                std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(key.fn));
                return std::string(buf);
            }();
        }
    }
    op.file = key.ftype ? model::file_kind_from_mode(static_cast<mode_t>(key.ftype) << 12) : model::FileKind::unknown;
    op.direct = key.flags & AA_OPF_DIRECT;
    // The kernel's dev_t: major in the top 12 bits, minor in the low 20.
    op.dev_major = key.dev >> 20;
    op.dev_minor = key.dev & 0xfffff;
    return op;
}

model::RequestEvidence decode_evidence(const aio_audit_evidence_key& key)
{
    model::RequestEvidence e;
    e.refused = key.refused != 0;
    e.punted = key.punted != 0;
    e.context = static_cast<CompletionContext>(key.context);
    e.completed = static_cast<CompletionTime>(key.completed);
    e.slept_in_driver_call = static_cast<Tri>(key.slept_in_call);
    e.slept_in_submission = static_cast<Tri>(key.slept_in_submission);
    e.call_slept = static_cast<Tri>(key.call_slept);
    e.waited_for_device = static_cast<Tri>(key.waited_for_device);
    return e;
}

void apply_evidence(model::TraceOp& op, const aio_audit_evidence_key& key, std::uint64_t count)
{
    const model::RequestEvidence e = decode_evidence(key);
    op.tally.add(model::classify(e), count);
    if (e.refused) {
        op.refused += count;
        return;
    }
    switch (e.completed) {
    case CompletionTime::in_driver_call: op.completed_in_call += count; break;
    case CompletionTime::in_syscall: op.completed_in_syscall += count; break;
    case CompletionTime::after_syscall: op.completed_after += count; break;
    case CompletionTime::unknown: break;
    }
    if (e.slept_in_driver_call == Tri::yes)
        op.slept_in_call += count;
    if (e.slept_in_submission == Tri::yes || e.slept_in_driver_call == Tri::yes || e.call_slept == Tri::yes)
        op.slept_in_submission += count;
    if (e.waited_for_device == Tri::yes)
        op.waited_for_device += count;
    if (model::ready_at_return_ambiguous(e))
        op.ambiguous += count;
    if (e.punted)
        op.punted += count;
    if (e.context != CompletionContext::unknown)
        op.contexts[e.context] += count;
}

void apply_stats(model::TraceOp& op, const aio_audit_op_stats& s, const DriverHookState& hook)
{
    op.requests += s.requests;
    op.syscalls += s.syscalls;
    op.syscalls_slept += s.syscalls_slept;
    op.device_io += s.device_io;
    op.errors += s.errors;
    op.submit.merge(model::Log2Hist::from_slots(s.submit_hist, s.submit_sum));
    op.call.merge(model::Log2Hist::from_slots(s.call_hist, s.call_sum));
    op.complete.merge(model::Log2Hist::from_slots(s.complete_hist, s.complete_sum));
    op.offcpu.merge(model::Log2Hist::from_slots(s.offcpu_hist, s.offcpu_sum));
    if (hook.hooked && s.ret_queued + s.ret_bytes + s.ret_error > 0) {
        op.driver_returned = model::TraceOp::DriverReturns{s.ret_queued, s.ret_bytes, s.ret_error};
        op.driver_returned_unseen.clear();
    } else if (!op.driver_returned) {
        op.driver_returned_unseen = hook.hooked ? "hooked only after this op's requests had returned" : hook.why_not;
    }
}

std::string device_name(model::FileKind file, std::uint32_t major, std::uint32_t minor, const std::string& sys_root)
{
    namespace fs = std::filesystem;
    // A char device file names a char device; anything else a block device
    // (a file system's own device is one, or anonymous: 0:N has no entry).
    const char* kind = file == model::FileKind::char_device ? "char" : "block";
    std::error_code ec;
    const fs::path target =
        fs::read_symlink(fs::path(sys_root) / "dev" / kind / (std::to_string(major) + ":" + std::to_string(minor)), ec);
    return ec ? std::string() : target.filename().string();
}

}  // namespace aio::collector
