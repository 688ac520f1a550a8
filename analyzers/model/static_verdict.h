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

// What the paths io_submit takes under one condition do, as the scanner
// found them. A handler has two such views: its O_DIRECT requests and its
// other requests; code outside any O_DIRECT test belongs to both.
struct PathFacts {
    bool queues = false;               // returns -EIOCBQUEUED / 2.6's -EIOCBRETRY
    bool deferred_completion = false;  // ki_complete/aio_complete/kick_iocb from a callback, work, timer, IRQ
    bool engine_wait_queued = false;   // waits for its own transfer on a path that queues: fake-async
    bool io_wait_queued = false;       // waits inline for I/O on a path that queues (not through an engine)
    bool engine_wait = false;          // starts its transfer on an asynchronous engine, then waits for it
    bool io_wait = false;              // waits inline for its own I/O (synchronous transfer, device read)
    bool direct_engine = false;        // hands the caller's kiocb to a generic asynchronous DIO engine
    bool forwards = false;             // hands the caller's kiocb to another file (an asynchronous relay)
    bool sync_forward = false;         // calls another file synchronously (a synchronous relay)
    bool reached = false;              // some fact belongs to this view
    // An engine wait on a path that relays nothing: a wait for its own
    // transfer, not something on the way to the lower file.
    bool engine_wait_apart = false;
    // Every queueing path of this view runs only under this negotiated
    // feature ("protocol:fuse-async-dio"); empty: no such gate.
    std::string queue_gate;
    bool operator==(const PathFacts&) const = default;
};

// Facts about one async-capable handler (read_iter, write_iter, aio_read,
// aio_write, proc_read_iter), as the scanner found them on the code paths
// io_submit takes: paths guarded by is_sync_kiocb() are left out.
struct StaticEvidence {
    bool present = true;   // false: the fops has no async-capable handler at all
    bool resolved = true;  // every callee the paths needed was seen (false: `unresolved` lists them)
    PathFacts direct;      // O_DIRECT requests
    PathFacts other;       // every other request
    bool may_sleep = false;  // lock, resource, readiness or preemption sleeps (never a verdict by themselves)
    bool readiness_wait = false;    // among them: a readiness wait refused under O_NONBLOCK/IOCB_NOWAIT
    bool cancel = false;            // kiocb_set_cancel_fn (2.6: ->ki_cancel =)
    bool nowait_advertised = false;  // the module sets FMODE_NOWAIT
    bool nowait_checked = false;  // the handler path tests IOCB_NOWAIT (or delegates to a helper that does)
    bool double_completion = false;  // a completion path completes twice (the scanner decides)
    bool sleeps_unchecked = false;   // some sleep (any kind) on the handler's paths
    bool unseen_gets_kiocb = false;  // a callee the scan did not see receives the kiocb itself
};

// A verdict with the condition it holds under (scan-eval-spec.md's
// vocabulary: "o_direct", "mount:<opt>", "protocol:<name>",
// "config:<X>", joined by '+'), and the verdict when it does not hold.
struct StaticVerdict {
    Verdict verdict = Verdict::unknown;
    std::string condition;             // empty: holds for every request
    std::optional<Verdict> otherwise;  // set with a condition
    bool operator==(const StaticVerdict&) const = default;
};

// The rules (docs/scan.md, "The verdicts"), in analyzers/model/static_rules.cpp.
// classify_paths: the verdict of a view, where a path that queues and
// completes makes it async (a driver async above a size, inline below);
// worst_path: the most severe outcome any of its paths has.
Verdict classify_paths(const PathFacts& p, bool resolved);
Verdict worst_path(const PathFacts& p, bool resolved);
StaticVerdict classify_static(const StaticEvidence& e);
std::vector<Contract> contract_findings(const StaticEvidence& e, const StaticVerdict& v);

// One fops has up to four async-capable handlers: its verdict is the most
// severe of theirs (a fops is only as async as its worst handler), and
// `unsupported` only when it has none; a condition survives when every
// handler with that verdict has it.
StaticVerdict combine_static(const std::vector<StaticVerdict>& handlers);
Verdict combine_static(const std::vector<Verdict>& handler_verdicts);

// "odirect-async (O_DIRECT only; buffered: blocking)", "async", ...
std::string verdict_text(const StaticVerdict& v);
// "O_DIRECT only", "with mount option cache=none", ...
std::string condition_text(std::string_view condition);

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
    wait,                 // waits inline for its own I/O (synchronous transfer, a device read, a delay)
    wait_after_queueing,  // waits for its own transfer on a path that also queues: the fake-async proof
    engine_wait,          // starts its transfer on an asynchronous engine, then waits for it: fake-async
    started,              // where the transfer an engine_wait waits for was started
    readiness_wait,       // may sleep: for readiness, refusable with O_NONBLOCK/IOCB_NOWAIT
    lock_wait,            // may sleep: a lock (mutex, rwsem, ldsem, bit lock)
    resource_wait,        // may sleep: a resource, state or flush wait that is not this request's transfer
    preemption,           // may sleep: cond_resched(), a bare schedule()
    sync_path_wait,       // sleeps, but only on the is_sync_kiocb() path (fine)
    direct_io,            // delegates to a generic asynchronous direct-I/O engine
    buffered_io,          // page-cache I/O, and what a miss does
    forwards,             // hands the caller's kiocb to another file's ->read_iter/->write_iter
    sync_forward,         // calls another file synchronously
    double_completion,    // the second completion of one path
    unresolved,           // code the scanner could not see through
};
std::string_view name(EvidenceKind k);
// Lock, resource, readiness and preemption sleeps: reported in their own
// category, never a verdict by themselves.
bool is_may_sleep(EvidenceKind k);

struct Evidence {
    EvidenceKind kind = EvidenceKind::unresolved;
    SourceLocation at;
    std::string
        what;  // "wait_for_completion(&req->done)", "ki_complete() in ffs_user_copy_worker (workqueue)"
    std::string chain;  // "ffs_epfile_write_iter > ffs_epfile_io"
    std::string condition;  // "o_direct" or "!o_direct" when only such requests reach it
};

// A callee a handler's path needed but the scan did not see: defined
// outside the scanned paths, nowhere, or behind a function pointer that
// receives the request.
struct Unresolved {
    std::string name;  // "p9_client_read", "->issue_read"
    SourceLocation at;  // where it is called
    std::string chain;
};

struct HandlerReport {
    OpKind op = OpKind::unknown;
    std::string handler;        // the function named in the initializer
    SourceLocation definition;  // empty file when not found
    StaticEvidence facts;
    Verdict verdict = Verdict::unknown;
    std::string condition;             // see StaticVerdict
    std::optional<Verdict> otherwise;
    std::string relay;  // "async": forwards the caller's kiocb; "sync": calls the lower file synchronously
    std::string reason;  // one line: why this verdict
    std::vector<Contract> findings;
    std::vector<Evidence> evidence;  // may-sleep kinds included (is_may_sleep)
    std::vector<Unresolved> unresolved;
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
    std::string type = "file_operations";  // or "proc_ops"
    std::vector<HandlerReport> handlers;  // in the order read_iter, write_iter, aio_read, aio_write
    std::string uring_cmd;                // noted, not classified
    Verdict verdict = Verdict::unknown;
    std::string condition;
    std::optional<Verdict> otherwise;
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

}  // namespace aio::model
