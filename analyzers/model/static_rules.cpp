// SPDX-License-Identifier: GPL-2.0-only
//
// The static rules: from what a handler's paths do (StaticEvidence) to its
// verdict, the condition it holds under, and the AIO contract findings.
// The scanner only gathers the facts; every decision is here, as the
// dynamic rules are in verdict_rules.cpp.
#include <algorithm>

#include "model/static_verdict.h"
#include "model/verdict_rules.h"

namespace aio::model {
namespace {

Verdict worse(Verdict a, Verdict b)
{
    return severity_rank(a) <= severity_rank(b) ? a : b;
}

}  // namespace

Verdict classify_paths(const PathFacts& p, bool resolved)
{
    // Waiting for the very transfer it queued, on the path that queues it,
    // is the definition of fake-async, whatever else the code does.
    if (p.engine_wait_queued)
        return Verdict::fake_async;
    if (p.queues) {
        if (!p.deferred_completion)
            return Verdict::unknown;
        // Sleeping for other I/O before it queues (a metadata read) keeps
        // the caller waiting; locks and readiness do not count here.
        return p.io_wait_queued ? Verdict::blocking : Verdict::async;
    }
    // The generic engines (iomap_dio_rw, __blockdev_direct_IO) queue bios
    // and complete from their end_io for every non-sync kiocb.
    if (p.direct_engine)
        return Verdict::async;
    // An asynchronous relay is as asynchronous as the lower file, which the
    // source does not name.
    if (p.forwards)
        return Verdict::unknown;
    if (p.engine_wait)
        return Verdict::fake_async;
    if (p.io_wait)
        return Verdict::blocking;
    // A synchronous call into another file: sync or blocking, as that file is.
    if (p.sync_forward)
        return Verdict::unknown;
    // "Nothing sleeps" is a claim about every callee: it needs them all.
    return resolved ? Verdict::sync : Verdict::unknown;
}

StaticVerdict classify_static(const StaticEvidence& e)
{
    if (!e.present)
        return {Verdict::unsupported, {}, std::nullopt};
    const Verdict d = classify_paths(e.direct, e.resolved);
    const Verdict o = classify_paths(e.other, e.resolved);
    if (d == o)
        return {d, {}, std::nullopt};
    // Asynchronous only for O_DIRECT: through a generic DIO engine or the
    // subsystem's own O_DIRECT code (block, nfs, ceph, fuse).
    if (d == Verdict::async)
        return {Verdict::odirect_async, "o_direct", o};
    if (worse(d, o) == d)
        return {d, "o_direct", o};
    return {o, {}, std::nullopt};
}

std::vector<Contract> contract_findings(const StaticEvidence& e, const StaticVerdict& v)
{
    std::vector<Contract> out;
    if (!e.present)
        return out;
    auto lost = [](const PathFacts& p) { return p.queues && !p.deferred_completion && !p.forwards; };
    // A completion may hide in code the scan did not see, when that code
    // gets the kiocb: no error then.
    if (!e.unseen_gets_kiocb && (lost(e.direct) || lost(e.other)))
        out.push_back(Contract::queued_without_completion);
    if (e.double_completion)
        out.push_back(Contract::double_completion);
    // io_cancel reaches only requests that were queued.
    const bool queues = e.direct.queues || e.other.queues;
    if ((v.verdict == Verdict::async || v.verdict == Verdict::fake_async) && queues && !e.cancel)
        out.push_back(Contract::no_cancel);
    // Without FMODE_NOWAIT the kernel never passes IOCB_NOWAIT (RWF_NOWAIT
    // is refused, io_uring punts to io-wq), so only a file that advertises
    // it can break the promise.
    if (e.nowait_advertised && !e.nowait_checked && e.sleeps_unchecked)
        out.push_back(Contract::nowait_ignored);
    return out;
}

Verdict combine_static(const std::vector<Verdict>& handler_verdicts)
{
    Verdict worst = Verdict::unsupported;
    bool any = false;
    for (Verdict v : handler_verdicts) {
        if (v == Verdict::unsupported)
            continue;
        if (!any || severity_rank(v) < severity_rank(worst))
            worst = v;
        any = true;
    }
    return worst;
}

StaticVerdict combine_static(const std::vector<StaticVerdict>& handlers)
{
    std::vector<Verdict> verdicts;
    for (const auto& h : handlers)
        verdicts.push_back(h.verdict);
    StaticVerdict out;
    out.verdict = combine_static(verdicts);
    if (out.verdict == Verdict::unsupported)
        return out;
    // The condition survives when every handler with the fops's verdict
    // holds it under the same condition.
    std::string cond;
    bool first = true, same = true;
    for (const auto& h : handlers) {
        if (h.verdict != out.verdict)
            continue;
        if (first)
            cond = h.condition;
        else if (h.condition != cond)
            same = false;
        first = false;
    }
    if (!same || cond.empty())
        return out;
    out.condition = cond;
    // Without the condition: each handler's own `otherwise`, or its verdict
    // when it has no such condition; the fops is as bad as the worst.
    std::optional<Verdict> other;
    for (const auto& h : handlers) {
        if (h.verdict == Verdict::unsupported)
            continue;
        const Verdict v = h.condition == cond && h.otherwise ? *h.otherwise : h.verdict;
        other = other ? worse(*other, v) : v;
    }
    out.otherwise = other;
    return out;
}

std::string condition_text(std::string_view condition)
{
    std::string out;
    std::size_t pos = 0;
    while (pos <= condition.size()) {
        const auto plus = condition.find('+', pos);
        const std::string_view c =
            condition.substr(pos, plus == std::string_view::npos ? std::string_view::npos : plus - pos);
        if (!out.empty())
            out += " and ";
        if (c == "o_direct")
            out += "O_DIRECT only";
        else if (c.starts_with("mount:"))
            out += "mount option " + std::string(c.substr(6));
        else if (c.starts_with("protocol:"))
            out += "protocol " + std::string(c.substr(9));
        else if (c.starts_with("config:"))
            out += std::string(c.substr(7)) + "=y";
        else
            out += std::string(c);
        if (plus == std::string_view::npos)
            break;
        pos = plus + 1;
    }
    return out;
}

std::string verdict_text(const StaticVerdict& v)
{
    std::string out(name(v.verdict));
    if (v.condition.empty())
        return out;
    out += " (" + condition_text(v.condition);
    if (v.otherwise)
        out += std::string("; ") + (v.condition == "o_direct" ? "buffered" : "otherwise") + ": " +
               std::string(name(*v.otherwise));
    return out + ")";
}

}  // namespace aio::model
