// SPDX-License-Identifier: GPL-2.0-only
#include "scan/analyzer.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "scan/knowledge.h"

namespace aio::scan {
namespace {

using model::Evidence;
using model::EvidenceKind;
using model::OpKind;
using model::SourceLocation;
using model::Verdict;

constexpr std::uint32_t kNoParent = std::numeric_limits<std::uint32_t>::max();
// Scopes that separate the definitions of one name under #if/#else.
constexpr std::uint32_t kAlternativeScope = 0x8000'0000u;

// One event of the tree, with its path from the root.
struct Flat {
    const Event* ev = nullptr;
    std::uint32_t inst = 0;
    Path path;
};

// One inlined copy of a function in a call tree.
struct Inst {
    const ParsedFile* file = nullptr;
    const FunctionDef* def = nullptr;
    std::uint32_t id = 0;
    std::uint32_t parent = kNoParent;
    std::string chain;
    std::vector<Flat> local;
    std::vector<std::pair<std::size_t, std::uint32_t>> calls;  // local event index -> callee instance
};

bool is_signal(std::string_view f)
{
    return f == "complete" || f == "complete_all" || f.starts_with("wake_up");
}

struct Tree {
    std::vector<Inst> insts;
    std::vector<Flat> events;  // in execution order along each path
    bool truncated = false;
};

struct DeferredInfo {
    bool busy = false;
    bool done = false;
    bool completes = false;
    bool guarded = false;
    Evidence first;  // the completion it (or something it defers to) makes
    bool double_completion = false;
    Evidence second;
    // What it wakes: the last member named by complete()/wake_up*()'s first
    // argument ("done" for complete(&req->done)).
    std::set<std::string> signals;
};

class Analysis {
public:
    Analysis(Module& m, const AnalyzerLimits& limits) : m_(m), limits_(limits) {}

    model::HandlerReport handler(OpKind op, std::string_view name, const ParsedFile& file,
                                 const FopsDecl& decl);
    // Where the fops promises IOCB_NOWAIT: FMODE_NOWAIT set in its file or
    // in its open handler's call tree.
    void find_nowait_promise(const ParsedFile& file, std::string_view open_handler);
    std::vector<model::LineRange> take_ranges()
    {
        std::vector<model::LineRange> out(ranges_.begin(), ranges_.end());
        return out;
    }

private:
    Tree build(const std::vector<Def>& defs, const std::string& root_chain);
    const std::vector<Def>& resolve_ref(const Tree& t, const Flat& fl);
    // Chains in the result start at `d` itself; callers prefix their own.
    DeferredInfo& deferred(const Def& d, std::string_view context, int depth);
    SourceLocation at(const Tree& t, const Flat& fl) const
    {
        return {t.insts[fl.inst].file->path(), fl.ev->line};
    }
    std::string call_text(const Tree& t, const Flat& fl) const;
    void note_range(const ParsedFile* f, const FunctionDef* d)
    {
        ranges_.insert({f->path(), d->line, d->last_line});
    }

    Module& m_;
    const AnalyzerLimits& limits_;
    std::uint32_t next_id_ = 1;
    std::map<const FunctionDef*, DeferredInfo> deferred_;
    std::optional<SourceLocation> nowait_promise_;
    std::set<model::LineRange> ranges_;
};

bool on_chain(const Tree& t, std::uint32_t inst, const FunctionDef* d)
{
    for (std::uint32_t i = inst; i != kNoParent; i = t.insts[i].parent)
        if (t.insts[i].def == d)
            return true;
    return false;
}

// Breadth first, so that when the budget runs out it is the deepest calls
// that are left out; then flattened depth first, so that events keep the
// order in which one path runs them ("submits, then waits").
Tree Analysis::build(const std::vector<Def>& defs, const std::string& root_chain)
{
    Tree t;
    struct Pending {
        Def def;
        Path prefix;
        std::string chain;
        int depth;
        std::uint32_t parent;
        std::size_t at;  // the call's index in the parent's events
    };
    std::deque<Pending> queue;
    const std::uint32_t alt = next_id_++;
    for (std::size_t k = 0; k < defs.size(); ++k) {
        Path p;
        if (defs.size() > 1)
            p.push_back({alt, kAlternativeScope, static_cast<std::uint32_t>(k), false});
        queue.push_back({defs[k], std::move(p), root_chain, 0, kNoParent, 0});
    }
    std::vector<std::uint32_t> roots;
    while (!queue.empty()) {
        Pending job = std::move(queue.front());
        queue.pop_front();
        if (t.insts.size() >= static_cast<std::size_t>(limits_.max_instances)) {
            t.truncated = true;
            break;
        }
        const std::uint32_t id = next_id_++;
        const auto idx = static_cast<std::uint32_t>(t.insts.size());
        t.insts.push_back({job.def.file, job.def.def, id, job.parent, job.chain, {}, {}});
        if (job.parent == kNoParent)
            roots.push_back(idx);
        else
            t.insts[job.parent].calls.emplace_back(job.at, idx);
        note_range(job.def.file, job.def.def);
        const FunctionFacts& facts = m_.facts(job.def.file, job.def.def);
        for (const Event& ev : facts.events) {
            // Most events are calls into the rest of the kernel and local
            // variables: only what the analysis reads is kept.
            const Role role = ev.kind == Ev::call ? call_role(ev.name) : Role::none;
            const std::vector<Def>* callees = nullptr;
            if (ev.kind == Ev::call && role == Role::none && job.depth < limits_.inline_depth)
                callees = &m_.find(job.def.file, ev.name, true);
            bool keep = true;
            if (ev.kind == Ev::call)
                keep = role != Role::none || is_signal(ev.name) || (callees && !callees->empty());
            else if (ev.kind == Ev::ref)
                keep = deferral_context(ev.via) != "callback" || job.def.file->find(ev.name) != nullptr;
            if (!keep)
                continue;
            Path full = job.prefix;
            for (PathStep st : ev.path) {
                if (st.instance != kSharedDecision)
                    st.instance = id;
                full.push_back(st);
            }
            const std::size_t at_local = t.insts[idx].local.size();
            t.insts[idx].local.push_back({&ev, idx, full});
            if (!callees)
                continue;
            const std::vector<Def>& callees_ref = *callees;
            for (std::size_t k = 0; k < callees_ref.size(); ++k) {
                if (on_chain(t, idx, callees_ref[k].def))
                    continue;
                Path p = full;
                if (callees_ref.size() > 1)
                    p.push_back({id, kAlternativeScope | ev.tok, static_cast<std::uint32_t>(k), false});
                queue.push_back({callees_ref[k], std::move(p), job.chain + " > " + std::string(ev.name),
                                 job.depth + 1, idx, at_local});
            }
        }
    }
    // Depth-first flattening, with an explicit stack: trees can be deep.
    struct Frame {
        std::uint32_t inst;
        std::size_t event = 0;
        std::size_t call = 0;
        bool emitted = false;
    };
    for (std::uint32_t root : roots) {
        std::vector<Frame> stack{{root}};
        while (!stack.empty()) {
            Frame& f = stack.back();
            Inst& in = t.insts[f.inst];
            if (f.event >= in.local.size()) {
                stack.pop_back();
                continue;
            }
            if (!f.emitted) {
                t.events.push_back(std::move(t.insts[f.inst].local[f.event]));
                f.emitted = true;
            }
            while (f.call < in.calls.size() && in.calls[f.call].first < f.event)
                ++f.call;
            if (f.call < in.calls.size() && in.calls[f.call].first == f.event) {
                const std::uint32_t child = in.calls[f.call++].second;
                stack.push_back({child});
                continue;
            }
            ++f.event;
            f.emitted = false;
        }
    }
    return t;
}

const std::vector<Def>& Analysis::resolve_ref(const Tree& t, const Flat& fl)
{
    const Event& ev = *fl.ev;
    // Only a function handed to a known deferral (INIT_WORK, timer_setup,
    // `req->complete =`, ...) is worth reading the other files of the
    // directory for; any other identifier is looked up in its own file.
    const bool siblings = !ev.via.empty() && deferral_context(ev.via) != "callback";
    return m_.find(t.insts[fl.inst].file, ev.name, siblings);
}

std::string Analysis::call_text(const Tree& t, const Flat& fl) const
{
    const Event& ev = *fl.ev;
    const TokenSpan& c = t.insts[fl.inst].file->code();
    std::string s(ev.name);
    if (ev.kind == Ev::call || ev.kind == Ev::member_call) {
        s += "(";
        s += c.render(ev.args_begin, ev.args_end, 48);
        s += ")";
    }
    return s;
}

// `&req->done` -> "done", `fi->page_waitq` -> "page_waitq", `done` -> "done".
std::string first_arg_target(const TokenSpan& c, const Event& ev)
{
    std::string_view target;
    for (std::uint32_t k = ev.args_begin; k < ev.args_end && k < c.size; ++k) {
        if (c.is(k, ","))
            break;
        if (c.is(k, "(") || c.is(k, "["))
            k = static_cast<std::uint32_t>(std::min<std::size_t>(c.close(k), ev.args_end));
        else if (c.ident(k))
            target = c.str(k);
    }
    return std::string(target);
}

bool is_completion(const Flat& fl)
{
    const Event& ev = *fl.ev;
    if (ev.kind == Ev::member_call)
        return member_call_role(ev.name) == Role::completes;
    if (ev.kind == Ev::call) {
        const Role r = call_role(ev.name);
        return r == Role::completes || r == Role::kick;
    }
    return false;
}

std::string completion_text(const Event& ev)
{
    if (ev.name == "ki_complete")
        return "ki_complete() (" + std::to_string(ev.nargs) + " arguments)";
    return std::string(ev.name) + "()";
}

DeferredInfo& Analysis::deferred(const Def& d, std::string_view context, int depth)
{
    DeferredInfo& info = deferred_[d.def];
    if (info.busy || info.done)
        return info;
    info.busy = true;
    Tree t = build({d}, std::string(d.def->name));
    struct Item {
        std::size_t flat;
        Evidence ev;
    };
    std::vector<Item> items;
    for (std::size_t i = 0; i < t.events.size(); ++i) {
        const Flat& fl = t.events[i];
        const Event& ev = *fl.ev;
        if (is_completion(fl)) {
            Evidence e{EvidenceKind::deferred_completion, at(t, fl),
                       completion_text(ev) + " in " + std::string(t.insts[fl.inst].def->name) + " (" +
                           std::string(context) + ")",
                       t.insts[fl.inst].chain};
            items.push_back({i, std::move(e)});
        } else if (ev.kind == Ev::call && call_role(ev.name) == Role::guard) {
            info.guarded = true;
        } else if (ev.kind == Ev::call && is_signal(ev.name)) {
            if (auto target = first_arg_target(t.insts[fl.inst].file->code(), ev); !target.empty())
                info.signals.insert(std::move(target));
        } else if (ev.kind == Ev::ref && depth < limits_.deferred_depth) {
            for (const Def& sub : resolve_ref(t, fl)) {
                if (sub.def == d.def)
                    continue;
                const std::string sub_context(ev.via.empty() ? "callback" : deferral_context(ev.via));
                DeferredInfo& s = deferred(sub, sub_context, depth + 1);
                info.signals.insert(s.signals.begin(), s.signals.end());
                if (s.completes) {
                    Evidence e = s.first;
                    e.chain = t.insts[fl.inst].chain + " ~> " + e.chain;
                    items.push_back({i, std::move(e)});
                }
            }
        }
    }
    if (!items.empty()) {
        info.completes = true;
        info.first = items.front().ev;
    }
    for (std::size_t a = 0; a < items.size() && !info.double_completion && !info.guarded; ++a)
        for (std::size_t b = a + 1; b < items.size(); ++b)
            if (compatible(t.events[items[a].flat].path, t.events[items[b].flat].path)) {
                info.double_completion = true;
                info.first = items[a].ev;
                info.second = items[b].ev;
                break;
            }
    info.busy = false;
    info.done = true;
    return info;
}

std::string loc_text(const SourceLocation& l)
{
    return l.file + ":" + std::to_string(l.line);
}

model::HandlerReport Analysis::handler(OpKind op, std::string_view name, const ParsedFile& file,
                                       const FopsDecl& decl)
{
    model::HandlerReport r;
    r.op = op;
    r.handler = std::string(name);
    model::StaticEvidence& e = r.facts;

    if (decl.macro && !decl.expansion) {
        for (auto p : decl.macro->params)
            if (p == name) {
                e.resolved = false;
                r.reason = "the handler is `" + std::string(name) + "`, a parameter of macro " +
                           std::string(decl.macro->name) + ": each expansion names its own";
                r.evidence.push_back({EvidenceKind::unresolved, {file.path(), decl.line}, r.reason, ""});
                r.verdict = model::classify_static(e);
                return r;
            }
    }

    const std::vector<Def> defs = m_.find(&file, name, true);
    if (defs.empty()) {
        switch (known_handler(name)) {
        case KnownHandler::generic_rw:
            if (auto dio = m_.direct_io()) {
                e.delegates_direct_io = true;
                e.nowait_checked = true;
                r.reason =
                    std::string(name) + " with ->direct_IO (" + loc_text(*dio) + "): async for O_DIRECT only";
                r.evidence.push_back(
                    {EvidenceKind::direct_io, *dio, std::string(name) + " + ->direct_IO", ""});
            } else {
                e.buffered_io = true;
                e.nowait_checked = true;
                r.reason = std::string(name) + " without ->direct_IO: page-cache I/O, sleeps on a cache miss";
                r.evidence.push_back({EvidenceKind::buffered_io, {file.path(), decl.line}, r.reason, ""});
            }
            break;
        case KnownHandler::seq_file: r.reason = "seq_file: the text is generated inline"; break;
        case KnownHandler::none:
            e.resolved = false;
            r.reason = std::string(name) + " is not defined in " + m_.dir_display() +
                       " and is not a library function the scanner knows";
            r.evidence.push_back({EvidenceKind::unresolved, {file.path(), decl.line}, r.reason, ""});
            break;
        }
        r.verdict = model::classify_static(e);
        r.findings = model::contract_findings(e);
        return r;
    }
    r.definition = {defs.front().file->path(), defs.front().def->line};

    Tree t = build(defs, std::string(name));
    if (t.truncated)
        r.evidence.push_back({EvidenceKind::unresolved, r.definition,
                              "call tree cut at " + std::to_string(limits_.max_instances) + " functions",
                              ""});

    // Per instance: whether it (or a caller) tests O_NONBLOCK/IOCB_NOWAIT
    // before a wait, which makes a wait_event a readiness wait.
    std::vector<std::uint32_t> first_nonblock(t.insts.size(), std::numeric_limits<std::uint32_t>::max());
    for (const Flat& fl : t.events)
        if (fl.ev->kind == Ev::nowait || fl.ev->kind == Ev::nonblock)
            first_nonblock[fl.inst] = std::min(first_nonblock[fl.inst], fl.ev->tok);
    auto guarded_wait = [&](const Flat& fl) {
        if (first_nonblock[fl.inst] < fl.ev->tok)
            return true;
        for (std::uint32_t i = t.insts[fl.inst].parent; i != kNoParent; i = t.insts[i].parent)
            if (first_nonblock[i] != std::numeric_limits<std::uint32_t>::max())
                return true;
        return false;
    };

    std::vector<std::size_t> queued, waits, submits, arms, inline_done;
    std::set<std::string> signalled;  // woken by the deferred code this handler sets up
    bool any_evidence_sync = false;
    for (std::size_t i = 0; i < t.events.size(); ++i) {
        const Flat& fl = t.events[i];
        const Event& ev = *fl.ev;
        const bool sync_path = sync_only(fl.path);
        const std::string& chain = t.insts[fl.inst].chain;
        switch (ev.kind) {
        case Ev::queued:
            if (!sync_path) {
                queued.push_back(i);
                r.evidence.push_back({EvidenceKind::queued, at(t, fl), "-" + std::string(ev.name), chain});
            }
            break;
        case Ev::queued_cmp:
            r.evidence.push_back({EvidenceKind::propagates_queued, at(t, fl),
                                  "passes -" + std::string(ev.name) + " from a callee through", chain});
            break;
        case Ev::nowait:
            if (!e.nowait_checked)
                r.evidence.push_back({EvidenceKind::nowait_check, at(t, fl), "tests IOCB_NOWAIT", chain});
            e.nowait_checked = true;
            break;
        case Ev::cancel_assign:
            e.cancel = true;
            r.evidence.push_back({EvidenceKind::cancel, at(t, fl), "->ki_cancel = ... (2.6)", chain});
            break;
        case Ev::member_call:
            if (member_call_role(ev.name) == Role::completes && !sync_path) {
                inline_done.push_back(i);
                r.evidence.push_back({EvidenceKind::inline_completion, at(t, fl),
                                      completion_text(ev) + " inside the submitting call", chain});
            } else if (member_call_role(ev.name) == Role::forwards) {
                e.forwards = true;
                r.evidence.push_back({EvidenceKind::forwards, at(t, fl), "->" + call_text(t, fl), chain});
            }
            break;
        case Ev::call: {
            const Role role = call_role(ev.name);
            switch (role) {
            case Role::wait:
            case Role::readiness_wait:
                if (sync_path) {
                    if (!any_evidence_sync)
                        r.evidence.push_back({EvidenceKind::sync_path_wait, at(t, fl),
                                              call_text(t, fl) + " only for synchronous kiocbs", chain});
                    any_evidence_sync = true;
                } else if (role == Role::readiness_wait && guarded_wait(fl)) {
                    e.readiness_wait = true;
                    r.evidence.push_back({EvidenceKind::readiness_wait, at(t, fl),
                                          call_text(t, fl) + ", refused first under O_NONBLOCK/IOCB_NOWAIT",
                                          chain});
                } else {
                    waits.push_back(i);
                }
                break;
            case Role::direct_io:
                e.delegates_direct_io = true;
                e.nowait_checked = true;
                r.evidence.push_back({EvidenceKind::direct_io, at(t, fl), call_text(t, fl), chain});
                break;
            case Role::generic_rw:
                e.nowait_checked = true;
                if (auto dio = m_.direct_io()) {
                    e.delegates_direct_io = true;
                    r.evidence.push_back({EvidenceKind::direct_io, at(t, fl),
                                          std::string(ev.name) + "() with ->direct_IO at " + loc_text(*dio),
                                          chain});
                } else {
                    e.buffered_io = true;
                    r.evidence.push_back({EvidenceKind::buffered_io, at(t, fl),
                                          std::string(ev.name) + "() without ->direct_IO", chain});
                }
                break;
            case Role::buffered_io:
                e.buffered_io = true;
                e.nowait_checked = true;
                r.evidence.push_back({EvidenceKind::buffered_io, at(t, fl), call_text(t, fl), chain});
                break;
            case Role::forwards:
                e.forwards = true;
                r.evidence.push_back({EvidenceKind::forwards, at(t, fl), call_text(t, fl), chain});
                break;
            case Role::completes:
            case Role::kick:
                if (!sync_path) {
                    inline_done.push_back(i);
                    r.evidence.push_back({EvidenceKind::inline_completion, at(t, fl),
                                          std::string(ev.name) + "() inside the submitting call", chain});
                }
                break;
            case Role::cancel:
                e.cancel = true;
                r.evidence.push_back({EvidenceKind::cancel, at(t, fl), call_text(t, fl), chain});
                break;
            case Role::submits: submits.push_back(i); break;
            case Role::is_sync:
            case Role::guard:
            case Role::none: break;
            }
            break;
        }
        case Ev::ref: {
            for (const Def& d : resolve_ref(t, fl)) {
                if (on_chain(t, fl.inst, d.def))
                    continue;
                const std::string context(ev.via.empty() ? "callback" : deferral_context(ev.via));
                DeferredInfo& info = deferred(d, context, 1);
                signalled.insert(info.signals.begin(), info.signals.end());
                const std::string via = chain + " ~> ";
                if (context == "cancel" && info.completes && !info.guarded) {
                    e.double_completion = true;
                    r.evidence.push_back({EvidenceKind::double_completion, info.first.at,
                                          "the cancel function completes the kiocb too: " + info.first.what,
                                          via + info.first.chain});
                }
                if (info.completes && context != "cancel") {
                    arms.push_back(i);
                    if (!e.deferred_completion) {
                        Evidence first = info.first;
                        first.chain = via + first.chain;
                        r.evidence.push_back(std::move(first));
                    }
                    e.deferred_completion = true;
                }
                if (info.double_completion) {
                    e.double_completion = true;
                    r.evidence.push_back({EvidenceKind::double_completion, info.second.at,
                                          "completes again on the same path: " + info.second.what +
                                              " (first: " + loc_text(info.first.at) + ")",
                                          via + info.second.chain});
                }
            }
            break;
        }
        case Ev::nonblock:
        case Ev::eagain:
        case Ev::fmode_nowait: break;
        }
    }
    e.queues = !queued.empty();

    // Waits: after a submission on a path that queues -> fake-async; on a
    // path that queues, before anything was submitted -> backpressure.
    for (std::size_t w : waits) {
        const Flat& fw = t.events[w];
        // `ret = -EIOCBQUEUED; ... ret = wait_for_completion(...)`: the
        // wait's path does not return the -EIOCBQUEUED set before it (nfs).
        auto overwritten = [&](std::size_t x) {
            const Flat& fq = t.events[x];
            return fq.inst == fw.inst && x < w && !fq.ev->via.empty() && fq.ev->via == fw.ev->via;
        };
        auto compatible_with = [&](const std::vector<std::size_t>& set, bool before) {
            for (std::size_t x : set)
                if ((!before || x < w) && compatible(t.events[x].path, fw.path) &&
                    !(before == false && overwritten(x)))
                    return x;
            return std::numeric_limits<std::size_t>::max();
        };
        const std::size_t q = compatible_with(queued, false);
        // The submission it waits for must be its own: in the waiting
        // function, or in its caller or callee. A sleep deep in some other
        // helper (a metadata lookup, a flush) is not waiting for this request.
        auto near = [&](std::size_t x) {
            const std::uint32_t a = t.events[x].inst, b = fw.inst;
            return a == b || t.insts[a].parent == b || t.insts[b].parent == a;
        };
        auto submitted_before = [&](const std::vector<std::size_t>& set) {
            for (std::size_t x : set)
                if (x < w && near(x) && compatible(t.events[x].path, fw.path))
                    return x;
            return std::numeric_limits<std::size_t>::max();
        };
        const std::size_t sub = std::min(submitted_before(submits), submitted_before(arms));
        // Waiting for the very request: what it waits on is what its own
        // deferred completion wakes, or it is a wait_for_completion() after
        // it submitted something.
        const std::string target = first_arg_target(t.insts[fw.inst].file->code(), *fw.ev);
        // Bit locks (wait_on_bit*) are woken by completions too, but they
        // guard a shared resource, not this request.
        const bool event_wait = fw.ev->name.starts_with("wait_for_completion") ||
                                fw.ev->name.starts_with("wait_event") ||
                                fw.ev->name.starts_with("wait_var_event");
        const bool submitted = sub != std::numeric_limits<std::size_t>::max();
        const bool woken_by_completion =
            submitted && event_wait && !target.empty() && signalled.count(target) > 0;
        const bool for_event = submitted && waits_for_event(fw.ev->name);
        const std::string chain = t.insts[fw.inst].chain;
        if (q != std::numeric_limits<std::size_t>::max() && (woken_by_completion || for_event)) {
            e.waits_after_queueing = true;
            std::string what = call_text(t, fw) + " on the path that returns -" +
                               std::string(t.events[q].ev->name) + " (" + loc_text(at(t, t.events[q])) + ")";
            if (sub != std::numeric_limits<std::size_t>::max())
                what += ", after " + std::string(t.events[sub].ev->name) + " (" +
                        loc_text(at(t, t.events[sub])) + ")";
            r.evidence.push_back({EvidenceKind::wait_after_queueing, at(t, fw), what, chain});
        } else if (q != std::numeric_limits<std::size_t>::max()) {
            e.waits_on_queued_path = true;
            r.evidence.push_back(
                {EvidenceKind::wait, at(t, fw), call_text(t, fw) + " on the path that queues", chain});
        } else {
            e.waits = true;
            r.evidence.push_back({EvidenceKind::wait, at(t, fw),
                                  call_text(t, fw) + (queued.empty() ? "" : " on a path that does not queue"),
                                  chain});
        }
    }

    // An inline ki_complete on a path that does not return -EIOCBQUEUED is
    // completed a second time by fs/aio.c (aio_rw_done). Only in the handler
    // and what it calls directly: deeper down, reference counts that the
    // scanner does not follow (fuse's io->reqs) decide who completes.
    auto depth_of = [&](std::uint32_t inst) {
        int d = 0;
        for (std::uint32_t i = t.insts[inst].parent; i != kNoParent; i = t.insts[i].parent)
            ++d;
        return d;
    };
    for (std::size_t c : inline_done) {
        if (depth_of(t.events[c].inst) > 1)
            continue;
        bool queued_too = false;
        for (std::size_t q : queued)
            queued_too = queued_too || compatible(t.events[q].path, t.events[c].path);
        if (!queued_too) {
            e.double_completion = true;
            r.evidence.push_back({EvidenceKind::double_completion, at(t, t.events[c]),
                                  "completes inline, then returns a result that fs/aio.c completes again",
                                  t.insts[t.events[c].inst].chain});
        }
    }

    // The completion may be wired up outside the handler's path: an IRQ
    // handler registered at probe time, a work item set up at init.
    if (e.queues && !e.deferred_completion) {
        std::set<const FunctionDef*> inline_defs;
        for (const Inst& in : t.insts)
            inline_defs.insert(in.def);
        // The handler's own file first: a completion there (an IRQ handler
        // next to the fops) is the likeliest to be this fops's.
        std::vector<const ParsedFile*> files{&file};
        for (std::string_view needle : {"ki_complete", "aio_complete", "kick_iocb"})
            for (const ParsedFile* pf : m_.parsed_mentioning(needle))
                if (std::find(files.begin(), files.end(), pf) == files.end())
                    files.push_back(pf);
        {
            for (const ParsedFile* pf : files) {
                for (const FunctionDef& fd : pf->functions()) {
                    if (inline_defs.count(&fd) || e.deferred_completion)
                        continue;
                    // The by-name copy: facts and call trees key on it.
                    const FunctionDef* stable = nullptr;
                    if (const auto* same = pf->find(fd.name))
                        for (const FunctionDef& s : *same)
                            if (s.body == fd.body)
                                stable = &s;
                    if (!stable || inline_defs.count(stable))
                        continue;
                    for (const Event& ev : m_.facts(pf, stable).events) {
                        const bool done =
                            (ev.kind == Ev::member_call && member_call_role(ev.name) == Role::completes) ||
                            (ev.kind == Ev::call &&
                             (call_role(ev.name) == Role::completes || call_role(ev.name) == Role::kick));
                        if (!done)
                            continue;
                        e.deferred_completion = true;
                        note_range(pf, stable);
                        r.evidence.push_back(
                            {EvidenceKind::deferred_completion,
                             {pf->path(), ev.line},
                             completion_text(ev) + " in " + std::string(stable->name) +
                                 (pf == &file ? ", elsewhere in this file" : ", elsewhere in the module") +
                                 " (not reached from this handler's path)",
                             ""});
                        break;
                    }
                }
            }
        }
    }

    if (const auto& adv = nowait_promise_) {
        e.nowait_advertised = true;
        r.evidence.push_back({EvidenceKind::nowait_advertised, *adv, "f_mode |= FMODE_NOWAIT", ""});
    }

    r.verdict = model::classify_static(e);
    r.findings = model::contract_findings(e);

    auto first_of = [&](EvidenceKind k) -> const Evidence* {
        for (const auto& ev : r.evidence)
            if (ev.kind == k)
                return &ev;
        return nullptr;
    };
    auto said = [&](EvidenceKind k) {
        const Evidence* ev = first_of(k);
        return ev ? ev->what + " at " + loc_text(ev->at) : std::string("?");
    };
    switch (r.verdict) {
    case Verdict::fake_async: r.reason = "waits: " + said(EvidenceKind::wait_after_queueing); break;
    case Verdict::async:
        r.reason = "returns " + first_of(EvidenceKind::queued)->what + " at " +
                   loc_text(first_of(EvidenceKind::queued)->at) +
                   "; completes later: " + said(EvidenceKind::deferred_completion);
        break;
    case Verdict::blocking:
        if (const Evidence* w = first_of(EvidenceKind::wait))
            r.reason = "sleeps in submission: " + w->what + " at " + loc_text(w->at);
        else
            r.reason = "page-cache I/O: " + said(EvidenceKind::buffered_io);
        break;
    case Verdict::odirect_async:
        r.reason = "delegates to generic direct I/O: " + said(EvidenceKind::direct_io);
        break;
    case Verdict::unknown:
        if (e.queues && !e.deferred_completion)
            r.reason = "returns " + first_of(EvidenceKind::queued)->what + " at " +
                       loc_text(first_of(EvidenceKind::queued)->at) +
                       ", but no deferred completion was found";
        else if (e.forwards)
            r.reason = "forwards the kiocb to another file: " + said(EvidenceKind::forwards);
        break;
    case Verdict::sync:
        r.reason = "completes inline; nothing on its paths sleeps for the I/O";
        if (const Evidence* rw = first_of(EvidenceKind::readiness_wait))
            r.reason += " (waits only for readiness: " + rw->what + " at " + loc_text(rw->at) + ")";
        break;
    case Verdict::unsupported:
    case Verdict::thread_async: break;
    }
    return r;
}

void Analysis::find_nowait_promise(const ParsedFile& file, std::string_view open_handler)
{
    nowait_promise_ = Module::sets_fmode_nowait(file);
    if (nowait_promise_ || open_handler.empty())
        return;
    const std::vector<Def> defs = m_.find(&file, open_handler, true);
    if (defs.empty())
        return;
    const Tree t = build(defs, std::string(open_handler));
    for (const Flat& fl : t.events)
        if (fl.ev->kind == Ev::fmode_nowait) {
            nowait_promise_ = at(t, fl);
            return;
        }
}

// The identifier a fops member names as its handler: `foo`, `&foo`,
// `(cast)foo`, or an object-like macro standing for one. Empty for NULL.
std::vector<std::string_view> handler_names(const ParsedFile& file, const TokenSpan& c, const FopsMember& m)
{
    std::vector<std::string_view> out;
    if (m.substituted) {
        for (std::string_view s : m.names)
            if (s != "NULL" && !s.starts_with("CONFIG_") && s != "IS_ENABLED" && !is_keyword(s))
                out.push_back(s);
        return out;
    }
    for (std::uint32_t k = m.value_begin; k < m.value_end && k < c.size; ++k) {
        if (!c.ident(k))
            continue;
        const std::string_view s = c.str(k);
        if (s == "NULL" || s.starts_with("CONFIG_") || s == "IS_ENABLED" || s == "IS_REACHABLE" ||
            s == "IS_BUILTIN" || s == "IS_MODULE" || is_keyword(s) || c.is(k + 1, "("))
            continue;
        if (k > 0 && (c.is(k - 1, ".") || c.is(k - 1, "->")))
            continue;
        if (const Macro* mac = file.find_macro(s);
            mac && !mac->function_like && mac->body.size() == 1 && mac->body[0].kind == Tok::ident) {
            const TokenSpan body = file.macro_span(*mac);
            out.push_back(body.str(0));
            continue;
        }
        out.push_back(s);
    }
    return out;
}

}  // namespace

model::FopsReport analyze_fops(Module& module, const ParsedFile& file, const FopsDecl& decl,
                               const AnalyzerLimits& limits)
{
    model::FopsReport rep;
    rep.at = {file.path(), decl.line};
    rep.name = decl.name;
    rep.origin = decl.origin;
    Analysis a(module, limits);

    const TokenSpan span = decl.macro ? file.macro_span(*decl.macro) : file.code();
    static constexpr std::array<std::pair<std::string_view, OpKind>, 4> kOps = {{
        {"read_iter", OpKind::read_iter},
        {"write_iter", OpKind::write_iter},
        {"aio_read", OpKind::aio_read},
        {"aio_write", OpKind::aio_write},
    }};
    std::string_view open_handler;
    for (const FopsMember& m : decl.members)
        if (m.field == "open") {
            const auto names = handler_names(file, span, m);
            if (!names.empty())
                open_handler = names.front();
        }
    a.find_nowait_promise(file, open_handler);

    std::vector<Verdict> verdicts;
    for (const auto& [field, op] : kOps) {
        for (const FopsMember& m : decl.members) {
            if (m.field != field)
                continue;
            for (std::string_view h : handler_names(file, span, m)) {
                rep.handlers.push_back(a.handler(op, h, file, decl));
                verdicts.push_back(rep.handlers.back().verdict);
            }
        }
    }
    for (const FopsMember& m : decl.members)
        if (m.field == "uring_cmd") {
            const auto names = handler_names(file, span, m);
            if (!names.empty())
                rep.uring_cmd = std::string(names.front());
        }

    if (!decl.macro || decl.expansion)
        rep.depends_on.push_back({file.path(), decl.line, decl.last_line});
    for (auto& r : a.take_ranges())
        rep.depends_on.push_back(std::move(r));
    // Members assigned at run time sit in functions: their lines count too.
    for (const FopsMember& m : decl.members)
        if (m.line < decl.line || m.line > decl.last_line)
            rep.depends_on.push_back({file.path(), m.line, m.line});
    std::sort(rep.depends_on.begin(), rep.depends_on.end());
    rep.depends_on.erase(std::unique(rep.depends_on.begin(), rep.depends_on.end()), rep.depends_on.end());

    if (!decl.unknown_reason.empty()) {
        rep.verdict = Verdict::unknown;
        rep.reason = decl.unknown_reason;
    } else if (!verdicts.empty()) {
        rep.verdict = model::combine_static(verdicts);
        bool differ = false;
        for (const auto& h : rep.handlers)
            differ = differ || h.verdict != rep.verdict;
        for (const auto& h : rep.handlers) {
            if (h.verdict != rep.verdict)
                continue;
            rep.reason = (differ ? std::string(model::name(h.op)) + ": " : std::string()) + h.reason;
            break;
        }
    } else if (decl.positional) {
        rep.verdict = Verdict::unknown;
        rep.reason = "positional initializer: which member is which depends on the kernel version";
    } else if (!decl.opaque.empty()) {
        rep.verdict = Verdict::unknown;
        rep.reason = "the initializer uses macro " + std::string(decl.opaque.front()) +
                     ", which may name the handlers";
    } else if (decl.origin == model::FopsOrigin::runtime && decl.members.empty()) {
        rep.verdict = Verdict::unknown;
        rep.reason = "filled in at run time, and no member assignments were found in this file";
    } else {
        rep.verdict = Verdict::unsupported;
        rep.reason = "no read_iter/write_iter (nor 2.6's aio_read/aio_write): io_submit gets -EINVAL";
    }
    for (const auto& h : rep.handlers)
        for (auto f : h.findings)
            if (std::find(rep.findings.begin(), rep.findings.end(), f) == rep.findings.end())
                rep.findings.push_back(f);
    std::sort(rep.findings.begin(), rep.findings.end());
    return rep;
}

}  // namespace aio::scan
