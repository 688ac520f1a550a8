// SPDX-License-Identifier: GPL-2.0-only
#include "model/static_verdict.h"

#include <set>

#include "model/verdict_rules.h"

namespace aio::model {

std::string_view name(Contract c)
{
    switch (c) {
    case Contract::queued_without_completion: return "queued-without-completion";
    case Contract::double_completion: return "double-completion";
    case Contract::no_cancel: return "no-cancel";
    case Contract::nowait_ignored: return "nowait-ignored";
    }
    return "?";
}

std::optional<Contract> parse_contract(std::string_view text)
{
    for (Contract c : kAllContracts)
        if (name(c) == text)
            return c;
    return std::nullopt;
}

std::string_view meaning(Contract c)
{
    switch (c) {
    case Contract::queued_without_completion:
        return "returns -EIOCBQUEUED, but no deferred ki_complete()/aio_complete() was found: the request "
               "never completes";
    case Contract::double_completion:
        return "a path completes the same kiocb twice (ki_complete() twice, or ki_complete() inline and then "
               "a result that fs/aio.c completes again)";
    case Contract::no_cancel:
        return "completes asynchronously but sets no cancel function (kiocb_set_cancel_fn; 2.6: "
               "->ki_cancel): "
               "io_cancel cannot stop a queued request";
    case Contract::nowait_ignored:
        return "advertises FMODE_NOWAIT, but sleeps on a path that never tests IOCB_NOWAIT: io_uring and "
               "RWF_NOWAIT callers block";
    }
    return "";
}

std::string_view name(Severity s)
{
    switch (s) {
    case Severity::none: return "none";
    case Severity::note: return "note";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
    }
    return "none";
}

StaticSummary summarize(const std::vector<FopsReport>& fops)
{
    StaticSummary s;
    std::set<std::string_view> files;
    for (const auto& f : fops) {
        ++s.fops;
        files.insert(f.at.file);
        s.verdicts.add(f.verdict);
        for (Contract c : f.findings) {
            ++s.contracts[static_cast<std::size_t>(c)];
            ++s.contract_total;
        }
    }
    s.files_with_fops = files.size();
    return s;
}

std::string_view name(EvidenceKind k)
{
    switch (k) {
    case EvidenceKind::queued: return "queued";
    case EvidenceKind::propagates_queued: return "propagates-queued";
    case EvidenceKind::deferred_completion: return "deferred-completion";
    case EvidenceKind::inline_completion: return "inline-completion";
    case EvidenceKind::sync_branch: return "sync-branch";
    case EvidenceKind::nowait_check: return "nowait-check";
    case EvidenceKind::nowait_advertised: return "nowait-advertised";
    case EvidenceKind::cancel: return "cancel";
    case EvidenceKind::wait: return "wait";
    case EvidenceKind::wait_after_queueing: return "wait-after-queueing";
    case EvidenceKind::engine_wait: return "engine-wait";
    case EvidenceKind::started: return "started";
    case EvidenceKind::readiness_wait: return "readiness-wait";
    case EvidenceKind::lock_wait: return "lock-wait";
    case EvidenceKind::resource_wait: return "resource-wait";
    case EvidenceKind::preemption: return "preemption";
    case EvidenceKind::sync_path_wait: return "sync-path-wait";
    case EvidenceKind::direct_io: return "direct-io";
    case EvidenceKind::buffered_io: return "buffered-io";
    case EvidenceKind::forwards: return "forwards";
    case EvidenceKind::sync_forward: return "sync-forward";
    case EvidenceKind::double_completion: return "double-completion";
    case EvidenceKind::unresolved: return "unresolved";
    }
    return "?";
}

bool is_may_sleep(EvidenceKind k)
{
    return k == EvidenceKind::readiness_wait || k == EvidenceKind::lock_wait ||
           k == EvidenceKind::resource_wait || k == EvidenceKind::preemption;
}

std::string_view name(FopsOrigin o)
{
    switch (o) {
    case FopsOrigin::initializer: return "initializer";
    case FopsOrigin::array_element: return "array-element";
    case FopsOrigin::runtime: return "runtime";
    case FopsOrigin::macro: return "macro";
    }
    return "?";
}

}  // namespace aio::model
