// SPDX-License-Identifier: GPL-2.0-only
//
// The static verdict: what `scan` and `check` conclude about a
// file_operations from its source. The scanner measures facts in the code
// (StaticEvidence); classify_static() alone turns them into a Verdict, just
// as classify() does for measured requests, and contract_findings() names
// the rules of the kernel AIO contract the code breaks. The records below
// are what the scanner hands to the renderers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/op_identity.h"
#include "model/verdict.h"
#include "model/verdict_rules.h"

namespace aio::model {

// Rules of the kernel AIO contract (fs/aio.c: aio_rw_done, aio_complete_rw,
// io_cancel) that a driver can break even when its verdict looks fine.
enum class Contract : std::uint8_t {
    queued_without_completion,  // returns -EIOCBQUEUED, but nothing completes the kiocb later
    double_completion,          // one path can complete the same kiocb twice
    no_cancel,                  // async, but io_cancel cannot reach it (no kiocb_set_cancel_fn)
    nowait_ignored,             // advertises FMODE_NOWAIT, then sleeps without checking IOCB_NOWAIT
};

inline constexpr std::array kAllContracts{
    Contract::queued_without_completion,
    Contract::double_completion,
    Contract::no_cancel,
    Contract::nowait_ignored,
};

std::string_view name(Contract c);  // "queued-without-completion", ...
std::optional<Contract> parse_contract(std::string_view text);
std::string_view meaning(Contract c);

// How bad a finding is; `check --fail-on` and SARIF levels use it.
enum class Severity : std::uint8_t { none, note, warning, error };
std::string_view name(Severity s);
Severity severity(Verdict v);
Severity severity(Contract c);

// Facts about one async-capable handler (read_iter, write_iter, aio_read,
// aio_write), as the scanner found them on the code paths io_submit takes:
// paths guarded by is_sync_kiocb() and paths exclusive with the ones that
// queue are left out where the fact says so.
struct StaticEvidence {
    bool present = true;               // false: the fops has no async-capable handler at all
    bool resolved = true;              // the handler's code was seen, or it is a known library function
    bool queues = false;               // returns (or sets up the return of) -EIOCBQUEUED / 2.6's -EIOCBRETRY
    bool deferred_completion = false;  // ki_complete/aio_complete/kick_iocb from a callback, work, timer, IRQ
    bool waits_after_queueing = false;  // sleeps on a path that also queues or arms the deferred completion
    bool waits_on_queued_path =
        false;                    // sleeps on a path that queues, not for this request (lock, backpressure)
    bool waits = false;           // sleeps for the I/O inline (wait_for_completion, msleep, ...)
    bool readiness_wait = false;  // sleeps only for readiness that O_NONBLOCK/IOCB_NOWAIT can refuse
    bool delegates_direct_io = false;  // iomap_dio_rw, __blockdev_direct_IO, generic_* with ->direct_IO
    bool buffered_io = false;          // page-cache I/O without a direct-I/O path
    bool forwards = false;             // hands the kiocb to another file's read_iter/write_iter
    bool cancel = false;               // kiocb_set_cancel_fn (2.6: ->ki_cancel =)
    bool nowait_advertised = false;    // the module sets FMODE_NOWAIT
    bool nowait_checked = false;  // the handler path tests IOCB_NOWAIT (or delegates to a helper that does)
    bool double_completion = false;  // a completion path completes twice (the scanner decides)
};

// DESIGN.md's verdicts, decided from source:
//   no handler -> unsupported; code not seen -> unknown; sleeps for the request
//   on the path that queues it -> fake-async; queues and completes later ->
//   async, or blocking when that path also sleeps (backpressure, DESIGN.md);
//   queues with no completion -> unknown; generic direct I/O -> odirect-async; forwards to
//   another file -> unknown; sleeps for the I/O -> blocking; else sync.
Verdict classify_static(const StaticEvidence& e);
std::vector<Contract> contract_findings(const StaticEvidence& e);

// One fops has up to four async-capable handlers: its verdict is the most
// severe of theirs (a fops is only as async as its worst handler), and
// `unsupported` only when it has none.
Verdict combine_static(const std::vector<Verdict>& handler_verdicts);

// ---- records the scanner produces and the renderers print ----

struct SourceLocation {
    std::string file;  // as reached from the scanned root ("drivers/usb/gadget/function/f_fs.c")
    std::uint32_t line = 0;
    auto operator<=>(const SourceLocation&) const = default;
};

// What one piece of evidence is; each carries a location and a chain of
// calls from the handler to it.
enum class EvidenceKind : std::uint8_t {
    queued,               // return -EIOCBQUEUED / -EIOCBRETRY
    propagates_queued,    // passes a callee's -EIOCBQUEUED through
    deferred_completion,  // ki_complete()/aio_complete()/kick_iocb() in a callback, work, timer, IRQ
    inline_completion,    // ki_complete()/aio_complete() called inside the handler's own call
    sync_branch,          // is_sync_kiocb() decides a branch
    nowait_check,         // IOCB_NOWAIT tested
    nowait_advertised,    // FMODE_NOWAIT set
    cancel,               // kiocb_set_cancel_fn(), ->ki_cancel =
    wait,                 // sleeps for the I/O on a path io_submit takes
    wait_after_queueing,  // sleeps on a path that also queues: the fake-async proof
    readiness_wait,       // sleeps for readiness, refusable with O_NONBLOCK/IOCB_NOWAIT
    sync_path_wait,       // sleeps, but only on the is_sync_kiocb() path (fine)
    direct_io,            // delegates to generic direct I/O
    buffered_io,          // page-cache I/O helper
    forwards,             // another file's ->read_iter/->write_iter
    double_completion,    // the second completion of one path
    unresolved,           // code the scanner could not see through
};
std::string_view name(EvidenceKind k);

struct Evidence {
    EvidenceKind kind = EvidenceKind::unresolved;
    SourceLocation at;
    std::string
        what;  // "wait_for_completion(&req->done)", "ki_complete() in ffs_user_copy_worker (workqueue)"
    std::string chain;  // "ffs_epfile_write_iter > ffs_epfile_io"
};

struct HandlerReport {
    OpKind op = OpKind::unknown;
    std::string handler;        // the function named in the initializer
    SourceLocation definition;  // empty file when not found
    StaticEvidence facts;
    Verdict verdict = Verdict::unknown;
    std::string reason;  // one line: why this verdict
    std::vector<Contract> findings;
    std::vector<Evidence> evidence;
};

enum class FopsOrigin : std::uint8_t {
    initializer,    // static const struct file_operations x = { ... }
    array_element,  // struct file_operations x[] = { { ... }, ... }
    runtime,        // filled in by assignments at run time
    macro,          // made by a macro (its definition, or an expansion of it)
};
std::string_view name(FopsOrigin o);

// Lines of one file that a fops depends on: its initializer, and each
// function on its handlers' paths. `check` intersects them with a diff.
struct LineRange {
    std::string file;
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    auto operator<=>(const LineRange&) const = default;
};

struct FopsReport {
    SourceLocation at;
    std::string name;  // "ffs_epfile_operations", "fops[2]"
    FopsOrigin origin = FopsOrigin::initializer;
    std::vector<HandlerReport> handlers;  // in the order read_iter, write_iter, aio_read, aio_write
    std::string uring_cmd;                // noted, not classified
    Verdict verdict = Verdict::unknown;
    std::string reason;  // why, in one line (the decisive evidence)
    std::vector<Contract> findings;
    std::vector<LineRange> depends_on;
};

// What a scan found, counted: the renderers print it, they do not count.
struct StaticSummary {
    std::uint64_t fops = 0;
    std::uint64_t files_with_fops = 0;
    VerdictTally verdicts;
    std::array<std::uint64_t, kAllContracts.size()> contracts{};
    std::uint64_t contract_total = 0;
};
StaticSummary summarize(const std::vector<FopsReport>& fops);

// The verdicts a static scan can give, in the order summaries list them.
inline constexpr std::array kStaticVerdicts{
    Verdict::async,      Verdict::odirect_async, Verdict::sync,    Verdict::blocking,
    Verdict::fake_async, Verdict::unsupported,   Verdict::unknown,
};

// One `check` finding: a touched fops's verdict (when it is at least a
// note) or one of its contract findings.
struct CheckFinding {
    Severity severity = Severity::note;
    std::string rule;  // "fake-async", "no-cancel", ...
    std::optional<Verdict> verdict;
    std::optional<Contract> contract;
    std::string fops;
    SourceLocation at;
    std::uint32_t patch_line = 0;  // the first line of the diff that touches this fops (checkpatch's #N)
    std::string message;
    bool fails = false;  // at or above --fail-on
};

}  // namespace aio::model
