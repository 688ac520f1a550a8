// SPDX-License-Identifier: GPL-2.0-only
#include "model/static_finding.h"

#include <array>
#include <cstdio>

namespace aio::model {
namespace {

// The gate's defaults follow what breaks callers: a request that never
// completes, completes twice, or makes io_submit wait while claiming to be
// queued fails; what costs performance (blocking) or a feature few drivers
// have (cancellation) is reported, not failed. docs/rules.md explains each.
const std::array kRules{
    FindingRule{
        "fake-async", "verdict/fake-async", "AIO_FAKE_ASYNC", Severity::error, true,
        "Declares asynchronous completion but waits for the request inside the submitting call.",
        "The handler queues the request (a work item, timer, URB, bio or hardware command) and then waits "
        "for that same request before returning. io_submit() returns only when the I/O is done, so callers "
        "that rely on kernel AIO for overlap get none, and the completion machinery only adds latency. "
        "Return -EIOCBQUEUED without waiting and complete from the callback with ki_complete(), or drop the "
        "asynchronous path and complete inline.",
        Verdict::fake_async, std::nullopt},
    FindingRule{
        "blocking", "verdict/blocking", "AIO_BLOCKING", Severity::warning, false,
        "io_submit() sleeps for the I/O inside the submitting call.",
        "A sleep for the transfer is reachable on the path io_submit() takes (wait_for_completion, a "
        "synchronous bus transfer, page-cache I/O without direct I/O). Kernel AIO callers block, and "
        "io_uring punts such requests to a worker thread. This is the normal state of most drivers, so the "
        "gate reports it without failing; fail on it with --fail-on blocking where a driver must be async.",
        Verdict::blocking, std::nullopt},
    FindingRule{
        "unknown", "verdict/unknown", "AIO_UNKNOWN", Severity::note, false,
        "The scanner cannot see the code that decides the verdict.",
        "A handler is defined outside the scanned directory, is a macro parameter or a function pointer, "
        "forwards the kiocb to another file, or returns -EIOCBQUEUED with no completion in sight. The finding "
        "says what could not be seen; run `aio-audit trace` on the driver to measure it.",
        Verdict::unknown, std::nullopt},
    FindingRule{
        "queued-without-completion", "contract/queued-without-completion", "AIO_QUEUED_WITHOUT_COMPLETION",
        Severity::error, true, "Returns -EIOCBQUEUED, but nothing completes the request later.",
        "After -EIOCBQUEUED, fs/aio.c waits for the driver to call ki_complete() (2.6: aio_complete()). "
        "When no deferred path does, the request never completes: io_getevents() waits forever and the "
        "kiocb leaks until the context is destroyed. Complete it from the callback that ends the transfer.",
        std::nullopt, Contract::queued_without_completion},
    FindingRule{
        "double-completion", "contract/double-completion", "AIO_DOUBLE_COMPLETION", Severity::error, true,
        "One path can complete the same kiocb twice.",
        "ki_complete() called twice for one request (two callbacks, the cancel function and the normal "
        "completion, or ki_complete() inline followed by returning a result that aio_rw_done() completes "
        "again) frees the kiocb twice: a use-after-free in fs/aio.c. Guard the completion with an atomic "
        "test (test_and_set_bit, xchg, refcount_dec_and_test) or return -EIOCBQUEUED after completing.",
        std::nullopt, Contract::double_completion},
    FindingRule{
        "no-cancel", "contract/no-cancel", "AIO_NO_CANCEL", Severity::note, false,
        "Completes asynchronously but sets no cancel function.",
        "Without kiocb_set_cancel_fn() (2.6: ->ki_cancel), io_cancel() cannot stop a queued request and "
        "io_destroy() waits for it. Almost no async driver implements cancellation (the block layer does "
        "not, and upstream is moving away from it), so this is a note: worth knowing for requests that can "
        "wait forever (a USB endpoint that is never read), not a defect.",
        std::nullopt, Contract::no_cancel},
    FindingRule{
        "nowait-ignored", "contract/nowait-ignored", "AIO_NOWAIT_IGNORED", Severity::warning, false,
        "Advertises FMODE_NOWAIT, then sleeps without testing IOCB_NOWAIT.",
        "A file that sets FMODE_NOWAIT promises to return -EAGAIN instead of blocking when a request carries "
        "IOCB_NOWAIT (RWF_NOWAIT, io_uring's first attempt). A sleep on a path that never tests the flag "
        "breaks that promise: io_uring's submitting task blocks instead of punting the request to io-wq. "
        "Test IOCB_NOWAIT before the sleep, or stop setting FMODE_NOWAIT.",
        std::nullopt, Contract::nowait_ignored},
};

std::string handlers_of(const FopsReport& f)
{
    std::string s;
    for (const auto& h : f.handlers) {
        if (!s.empty())
            s += ", ";
        s += std::string(name(h.op)) + "=" + h.handler;
    }
    return s;
}

bool has(const std::vector<Contract>& v, Contract c)
{
    for (Contract x : v)
        if (x == c)
            return true;
    return false;
}

// A handler's evidence, with each callee the scan could not see as one
// more step: where the picture stops is part of the evidence.
FindingPath path_of(const HandlerReport& h)
{
    FindingPath p{std::string(name(h.op)) + " " + h.handler, h.evidence};
    for (const auto& u : h.unresolved)
        p.steps.push_back({EvidenceKind::unresolved, u.at, u.name + " is not in the scanned paths", u.chain, {}});
    return p;
}

StaticFinding base(const FopsReport& f, const FindingRule& rule)
{
    StaticFinding s;
    s.rule = &rule;
    s.fops = f.name;
    s.handlers = handlers_of(f);
    s.at = f.at;
    s.fingerprint = finding_fingerprint(rule.name, f.name, f.at.file);
    return s;
}

}  // namespace

std::span<const FindingRule> finding_rules()
{
    return kRules;
}

const FindingRule* rule_for(Verdict v)
{
    for (const auto& r : kRules)
        if (r.verdict == v)
            return &r;
    return nullptr;
}

const FindingRule& rule_for(Contract c)
{
    for (const auto& r : kRules)
        if (r.contract == c)
            return r;
    return kRules.back();  // unreachable: every contract kind has a rule
}

const FindingRule* find_rule(std::string_view text)
{
    for (const auto& r : kRules)
        if (r.name == text)
            return &r;
    return nullptr;
}

std::string default_fail_on()
{
    std::string s;
    for (const auto& r : kRules)
        if (r.fails_by_default)
            s += (s.empty() ? "" : ",") + std::string(r.name);
    return s;
}

std::string_view name(Suppression s)
{
    switch (s) {
    case Suppression::none: return "none";
    case Suppression::source: return "source";
    case Suppression::option: return "option";
    }
    return "none";
}

std::vector<StaticFinding> findings_of(const FopsReport& f)
{
    std::vector<StaticFinding> out;
    const std::string who = f.name + (f.handlers.empty() ? "" : " (" + handlers_of(f) + ")");
    if (const FindingRule* r = rule_for(f.verdict)) {
        StaticFinding s = base(f, *r);
        s.message = who + " is " + verdict_text({f.verdict, f.condition, f.otherwise}) + ": " + f.reason;
        // The evidence of the handlers that carry the verdict.
        for (const auto& h : f.handlers)
            if (h.verdict == f.verdict && (!h.evidence.empty() || !h.unresolved.empty()))
                s.paths.push_back(path_of(h));
        out.push_back(std::move(s));
    }
    for (Contract c : f.findings) {
        StaticFinding s = base(f, rule_for(c));
        s.message = who + ": " + std::string(meaning(c));
        for (const auto& h : f.handlers)
            if (has(h.findings, c) && (!h.evidence.empty() || !h.unresolved.empty()))
                s.paths.push_back(path_of(h));
        if (s.paths.empty())  // a finding of the fops as a whole: every handler's evidence
            for (const auto& h : f.handlers)
                if (!h.evidence.empty() || !h.unresolved.empty())
                    s.paths.push_back(path_of(h));
        out.push_back(std::move(s));
    }
    return out;
}

unsigned chain_depth(std::string_view chain)
{
    unsigned depth = 0;
    for (std::size_t i = 0; i + 2 < chain.size(); ++i)
        if (chain[i] == ' ' && (chain[i + 1] == '>' || (chain[i + 1] == '~' && chain[i + 2] == '>')))
            ++depth;
    return depth;
}

std::string normalize_path(std::string_view path)
{
    std::vector<std::string_view> parts;
    const bool absolute = !path.empty() && path.front() == '/';
    std::size_t pos = 0;
    while (pos <= path.size()) {
        auto slash = path.find('/', pos);
        if (slash == std::string_view::npos)
            slash = path.size();
        const std::string_view part = path.substr(pos, slash - pos);
        if (!part.empty() && part != ".")
            parts.push_back(part);
        pos = slash + 1;
    }
    std::string out = absolute ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i)
            out += '/';
        out += parts[i];
    }
    return out;
}

std::string finding_fingerprint(std::string_view rule, std::string_view fops, std::string_view path)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&h](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ull;
        }
        h *= 0x100000001b3ull;  // a NUL byte: no path or name contains one
    };
    mix(rule);
    mix(fops);
    mix(normalize_path(path));
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace aio::model
