// SPDX-License-Identifier: GPL-2.0-only
#include "scan/analyzer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <set>
#include <unordered_map>

#include "scan/body_walker.h"
#include "scan/knowledge.h"

namespace aio::scan {
namespace {

using model::Evidence;
using model::EvidenceKind;
using model::OpKind;
using model::SourceLocation;
using model::Verdict;

constexpr std::uint32_t kNoParent = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
// Scopes that separate the definitions of one name under #if/#else.
constexpr std::uint32_t kAlternativeScope = 0x8000'0000u;
// How many items of one kind of may-sleep evidence a handler shows.
constexpr std::size_t kMaySleepShown = 6;
constexpr std::size_t kMaySleepKept = 16;

// What the analysis records, in execution order along the tree.
enum class FK : std::uint8_t {
    queued,              // returns -EIOCBQUEUED
    propagates,          // passes a callee's -EIOCBQUEUED through
    deferred,            // arms a deferred completion (ki_complete in a callback)
    inline_done,         // completes the kiocb inside the call
    cancel,              // sets a cancel function
    nowait_check,        // tests IOCB_NOWAIT
    io_wait,             // waits inline for its own I/O (blocking)
    io_wait_queued,      // the same on a path that queues
    engine_wait,         // waits for its own transfer through an asynchronous engine (fake-async)
    engine_wait_queued,  // the same on a path that queues
    lock,                // may sleep: a lock
    resource,            // may sleep: a resource or flush
    readiness,           // may sleep: readiness, refused first under O_NONBLOCK
    preemption,          // may sleep: a preemption point
    sync_path_wait,      // a sleep only on the is_sync_kiocb() path
    direct_engine,       // generic asynchronous DIO engine with the caller's kiocb
    buffered,            // what a page-cache access does (evidence)
    forwards,            // relays the caller's kiocb to another file
    sync_forward,        // calls another file synchronously
    submits,             // starts work elsewhere (also publishes its arguments)
    publishes,           // hands an object to another context
    param_wait,          // (summaries) waits on a parameter's event: the caller decides what it is
    reads_device,        // fills the page cache from the device
    unresolved,          // a callee the scan did not see
    hole,                // a call through a member the summary could not resolve
    engine_role,         // a generic engine the root module decides (->direct_IO, ->read_folio)
    double_done,         // completes the same kiocb twice
    nonblock,            // tests O_NONBLOCK (a helper like tty_io_nonblock() counts where it is called)
};

bool is_may_sleep(FK k)
{
    return k == FK::lock || k == FK::resource || k == FK::readiness || k == FK::preemption;
}

// A fact as a summary hands it to its callers.
struct XFact {
    FK kind = FK::queued;
    std::int8_t scen = 0;     // +1 O_DIRECT only, -1 without, 0 both
    bool with_queue = false;  // on a path of the summarized function that also queues
    std::shared_ptr<Evidence> ev;  // chain from the summarized function; shared, cloned by mut()
    std::string name;         // hole: member; engine_role/unresolved: callee; waits: target member
    Role role = Role::none;
    int param = -1;                // publishes/param_wait: the parameter the object is
    std::vector<int> arg_params;   // hole: the parameter each argument is (-1: none)
    bool for_event = false;        // param_wait: wait_for_completion family
    // Which parameters of the summarized function the fact's object (for a
    // hole: each argument) is derived from: request data when the caller
    // passes it (Masks).
    std::uint32_t mask = 0;
    std::vector<std::uint32_t> arg_masks;
    // hole: each argument's declared struct type (`struct device *dev`:
    // "device"), "" where not known; a member's candidates must take them.
    std::vector<std::string> arg_types;
    std::string gate;  // queued: the negotiated feature it needs (Fact::gate)
};

// The evidence of an XFact, to change: copied first when shared.
Evidence& mut(XFact& x)
{
    if (!x.ev || x.ev.use_count() > 1)
        x.ev = std::make_shared<Evidence>(x.ev ? *x.ev : Evidence{});
    return *x.ev;
}

struct Summary {
    std::vector<XFact> facts;
    std::vector<model::LineRange> ranges;
    int variadic = -1;  // the `...` parameter: its bit stands for every argument from there on
    // What the function stores into what a parameter points to, as a mask of
    // its parameters (`ia->read.in.offset = pos`): out-parameters.
    std::vector<std::uint32_t> stores;
};

// What a member call (or a generic engine) does in the fops's module.
struct Expansion {
    std::vector<XFact> facts;
    std::vector<model::LineRange> ranges;
    bool any = false;  // the module resolves it
};

// An object as the analysis follows it through inlined calls: a variable
// of one inlined function, or what a caller passed for a parameter.
struct ObjKey {
    std::uint32_t inst = kNoParent;
    std::string name;
    bool valid() const { return !name.empty(); }
    bool operator==(const ObjKey&) const = default;
};

struct Flat {
    const Event* ev = nullptr;
    std::uint32_t inst = 0;
    Path path;
    int import = -1;        // Tree::imports
    std::uint8_t mark = 0;  // 1: a call the scan did not see; 2: an unresolved member call
};

struct Import {
    std::vector<std::shared_ptr<const Summary>> alts;
    std::string callee;
};

struct Inst {
    const ParsedFile* file = nullptr;
    const FunctionDef* def = nullptr;
    std::uint32_t id = 0;
    std::uint32_t parent = kNoParent;
    std::string chain;
    int depth = 0;
    std::vector<Flat> local;
    std::vector<std::pair<std::size_t, std::uint32_t>> calls;  // local event index -> callee instance
    std::vector<std::string_view> params;
    std::vector<ObjKey> bound;  // what the caller passed for each parameter
    const Event* call = nullptr;  // the call in the parent that made this copy
};

struct Tree {
    std::vector<Inst> insts;
    std::vector<Flat> events;  // in execution order along each path
    std::vector<Import> imports;
    std::vector<std::shared_ptr<const ParsedFile>> keep;
    bool truncated = false;
};

// How a fact of the tree's own code says what it is; rendered only for
// the facts that are shown or exported.
enum class Text : std::uint8_t { call, member_call, queued, propagates, nowait, cancel_assign, complete_inline,
                                 engine_nowait };

struct Fact {
    FK kind = FK::queued;
    std::size_t pos = 0;
    std::uint32_t inst = 0;
    Path path;
    int origin = -1;  // the import it came from (-1: this tree's own code)
    bool with_queue = false;
    EvidenceKind ek = EvidenceKind::unresolved;
    Text text = Text::call;
    std::shared_ptr<Evidence> base;             // imported or prepared evidence (else: the flat at `pos`)
    std::shared_ptr<const std::string> prefix;  // the chain down to `base`
    std::string note;                           // appended to what it says
    std::string name;
    Role role = Role::none;
    ObjKey obj;
    int param = -1;
    std::vector<ObjKey> args;
    bool for_event = false;
    std::size_t started = kNone;  // engine waits: the fact that started the transfer
    // queued: the value leaves instance `skip_inst` between these tokens
    // (`if (ret < 0) goto out;` ... `out:`): code there is not on its path.
    std::uint32_t skip_inst = kNoParent;
    std::uint32_t skip_from = 0, skip_to = 0;
    std::uint32_t mask = 0;  // request data in `obj` (root: the handler's parameters)
    std::vector<std::uint32_t> arg_masks;
    std::vector<std::string> arg_types;  // hole: XFact::arg_types
    std::string gate;  // queued: the negotiated feature it runs under ("protocol:..."), if any
};

// What each object of a tree holds of the analyzed function's parameters,
// as bits: for a handler, the kiocb and the iov_iter. A wait is for the
// request's own transfer only when what it waits on carries request data;
// a connection's credits or a superblock's shrinker do not.
class Masks {
public:
    std::uint32_t of(const ObjKey& o) const
    {
        if (!o.valid())
            return 0;
        auto it = map_.find(key(o));
        return it == map_.end() ? 0 : it->second;
    }
    void add(const ObjKey& o, std::uint32_t m)
    {
        if (o.valid() && m)
            map_[key(o)] |= m;
    }

private:
    static std::string key(const ObjKey& o) { return std::to_string(o.inst) + ":" + o.name; }
    std::unordered_map<std::string, std::uint32_t> map_;
};

// `EXPORT_SYMBOL(name)` (or _GPL) in the fops's own file: other modules
// install it in their inodes.
bool exported(const ParsedFile& file, const FopsDecl& decl)
{
    if (decl.macro || decl.name.empty())
        return false;
    const std::string_view text = file.content();
    for (std::string_view m : {"EXPORT_SYMBOL(", "EXPORT_SYMBOL_GPL("})
        if (text.find(std::string(m) + decl.name + ")") != std::string_view::npos)
            return true;
    return false;
}

// Members that lead from a request to what it shares with every other
// request of the file: no request data flows through them.
bool shared_member(std::string_view m)
{
    static constexpr std::string_view kShared[] = {
        "ki_filp", "f_mapping", "f_inode", "i_mapping", "host", "i_sb", "f_path", "f_cred", "private_data",
        "f_op", "a_ops", "i_private", "s_fs_info", "f_owner", "f_ra", "ki_complete"};
    return std::find(std::begin(kShared), std::end(kShared), m) != std::end(kShared);
}

// `folio_file_mapping(folio)->host`: the call at `tok` returns only the way
// to a shared object, so none of its arguments' data flows out of it.
bool shared_result(const TokenSpan& c, std::size_t tok)
{
    if (!c.ident(tok) || !c.is(tok + 1, "("))
        return false;
    const std::size_t close = c.close(tok + 1);
    return close + 2 < c.size && (c.is(close + 1, "->") || c.is(close + 1, ".")) && c.ident(close + 2) &&
           shared_member(c.str(close + 2));
}

std::uint32_t param_bit(std::size_t k)
{
    return 1u << std::min<std::size_t>(k, 31);
}

// A summary's mask, in terms of the caller's arguments.
std::uint32_t map_mask(std::uint32_t m, const std::vector<std::uint32_t>& arg_masks, int variadic)
{
    std::uint32_t out = 0;
    for (std::size_t k = 0; k < arg_masks.size(); ++k) {
        const std::size_t bit = variadic >= 0 && k >= static_cast<std::size_t>(variadic)
                                    ? static_cast<std::size_t>(variadic)
                                    : k;
        if (m & param_bit(bit))
            out |= arg_masks[k];
    }
    return out;
}

struct DeferredInfo {
    bool completes = false;
    bool guarded = false;
    Evidence first;
    std::string first_ctx;  // where `first` runs; empty: where the function itself runs
    bool double_completion = false;
    Evidence second;
    std::string second_ctx;
    std::set<std::string> signals;  // members its complete()/wake_up*() name
    std::vector<model::LineRange> ranges;  // the lines it was read from (depends_on)
};

std::string loc_text(const SourceLocation& l)
{
    return l.file + ":" + std::to_string(l.line);
}

bool all_caps(std::string_view s)
{
    bool letter = false;
    for (char c : s) {
        if (c >= 'a' && c <= 'z')
            return false;
        letter = letter || (c >= 'A' && c <= 'Z');
    }
    return letter;
}

// Members of struct file_operations: a call through one of them in a read
// path reaches another kind of table (a tty line discipline's ->read), never
// the module's own fops.
bool file_operation_member(std::string_view m)
{
    static constexpr std::string_view kMembers[] = {
        "open",  "read", "write", "llseek", "poll", "mmap", "fsync", "flush", "fasync", "lock", "flock",
        "unlocked_ioctl", "compat_ioctl", "get_unmapped_area", "iterate", "iterate_shared", "show_fdinfo",
        "read_iter", "write_iter", "aio_read", "aio_write", "ki_complete", "show", "start", "stop", "next"};
    return std::find(std::begin(kMembers), std::end(kMembers), m) != std::end(kMembers);
}

// Members that tear something down: freeing, releasing, putting back. They
// do not start the request's transfer; not followed.
bool cleanup_member(std::string_view m)
{
    for (std::string_view p : {"free", "release", "put", "destroy", "cleanup", "evict", "kill", "drop"})
        if (m.starts_with(p))
            return true;
    return false;
}

bool on_chain(const Tree& t, std::uint32_t inst, const FunctionDef* d)
{
    for (std::uint32_t i = inst; i != kNoParent; i = t.insts[i].parent)
        if (t.insts[i].def == d)
            return true;
    return false;
}

std::string completion_text(const Event& ev)
{
    if (ev.name == "ki_complete")
        return "ki_complete() (" + std::to_string(ev.nargs) + " arguments)";
    return std::string(ev.name) + "()";
}

bool is_completion(const Event& ev)
{
    const Role r = static_cast<Role>(ev.role);
    if (ev.kind == Ev::member_call)
        return r == Role::completes;
    return ev.kind == Ev::call && (r == Role::completes || r == Role::kick);
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

// The struct a parameter (or, unless `params_only`, a local) of `fn` named
// `name` is declared as (`struct device *dev`: "device"); "" when it is
// not declared so (a typedef, an integer, a global).
std::string_view declared_struct(const TokenSpan& c, const FunctionDef& fn, std::string_view name,
                                 bool params_only)
{
    const std::size_t open = fn.name_tok + 1;
    if (!c.is(open, "("))
        return {};
    const std::size_t end = std::min<std::size_t>(params_only ? c.close(open) : c.close(fn.body), c.size);
    for (std::size_t k = open + 1; k + 2 < end; ++k) {
        if (!c.is(k, "struct") || !c.ident(k + 1))
            continue;
        std::size_t j = k + 2;
        while (j < end && (c.is(j, "*") || c.is(j, "const") || (c.ident(j) && c.str(j).starts_with("__"))))
            ++j;
        if (j < end && c.ident(j) && c.str(j) == name &&
            (c.is(j + 1, ",") || c.is(j + 1, ")") || c.is(j + 1, ";") || c.is(j + 1, "=") ||
             c.is(j + 1, "[")))
            return c.str(k + 1);
    }
    return {};
}

// The argument ranges of a call event.
std::vector<std::pair<std::uint32_t, std::uint32_t>> arguments(const TokenSpan& c, const Event& ev)
{
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    if (ev.args_end <= ev.args_begin)
        return out;
    std::uint32_t start = ev.args_begin;
    for (std::uint32_t k = ev.args_begin; k < ev.args_end && k < c.size; ++k) {
        if (c.is(k, ",")) {
            out.emplace_back(start, k);
            start = k + 1;
        } else if (c.is(k, "(") || c.is(k, "[") || c.is(k, "{")) {
            k = static_cast<std::uint32_t>(std::min<std::size_t>(c.close(k), ev.args_end));
        }
    }
    out.emplace_back(start, ev.args_end);
    return out;
}

// The variable an argument is about: `req`, `&req->done`, `(void *)req`.
// The object an argument is about. `req`, `&req->done`, `&req.done`,
// `(void *)req` are (part of) `req`; `s->s_shrink` passes the value of a
// pointer member, another object: its member name comes back in `member`.
// `lvalue`: wait_event(req->wq, ...) names the queue head itself.
std::string_view base_variable(const TokenSpan& c, std::uint32_t b, std::uint32_t e, std::string_view* member = nullptr,
                               bool lvalue = false)
{
    std::uint32_t k = b;
    bool address = false;
    while (k < e && (c.is(k, "&") || c.is(k, "*") || c.is(k, "(") || c.is(k, "!"))) {
        address = address || c.is(k, "&");
        if (c.is(k, "(")) {
            // A cast: `(struct foo *)x`.
            const auto close = static_cast<std::uint32_t>(c.close(k));
            if (close < e && close + 1 < e && !c.ident(k + 1))
                break;
            bool cast = close + 1 < e;
            for (std::uint32_t j = k + 1; j < close && cast; ++j)
                cast = c.ident(j) || c.is(j, "*");
            if (cast) {
                k = close + 1;
                continue;
            }
        }
        ++k;
    }
    if (k >= e || !c.ident(k) || is_keyword(c.str(k)) || c.is(k + 1, "("))
        return {};
    if (member && !address && !lvalue && c.is(k + 1, "->") && c.ident(k + 2))
        *member = c.str(k + 2);
    return c.str(k);
}

class Analysis {
public:
    Analysis(Resolver& r, Summaries& s, const AnalyzerLimits& limits) : r_(r), s_(s), limits_(limits) {}

    model::HandlerReport handler(OpKind op, std::string_view name, const ParsedFile& file, const FopsDecl& decl);
    void find_nowait_promise(const ParsedFile& file, std::string_view open_handler);
    std::vector<model::LineRange> take_ranges() { return {ranges_.begin(), ranges_.end()}; }

private:
    struct Result {
        Tree tree;
        std::vector<Fact> facts;
        std::vector<std::uint32_t> stores;
    };
    std::uint32_t home_of(const ParsedFile& f) const { return r_.dir_of(f); }
    bool at_home(const ParsedFile& f, std::uint32_t home, const ParsedFile* home_file) const
    {
        return home == kNoFile ? &f == home_file || (home_file && f.id() != kNoFile && f.id() == home_file->id())
                               : r_.dir_of(f) == home;
    }

    // How a tree treats callees: the handler's own tree inlines its module
    // and summarizes the rest; a summary inlines nothing; deferred code
    // (callbacks) inlines its module and summarizes nothing.
    enum class Mode { root, summary, deferred };
    Tree build(const std::vector<Definition>& defs, const std::string& root_chain, int depth_left, Mode mode);
    Result run(const std::vector<Definition>& defs, const std::string& root_chain, int depth_left, Mode mode);
    std::vector<Fact> classify(Tree& t, bool root_mode, std::vector<std::uint32_t>* stores = nullptr);
    void classify_waits(Tree& t, std::vector<Fact>& facts, const std::vector<std::size_t>& waits, bool root_mode,
                        const Masks& masks);
    std::uint32_t range_mask(const Tree& t, const Masks& masks, std::uint32_t inst, std::uint32_t b,
                             std::uint32_t e) const;
    std::uint32_t argument_mask(const Tree& t, const Masks& masks, std::uint32_t inst, std::uint32_t b,
                                std::uint32_t e) const;
    void pair_with_queue(std::vector<Fact>& facts, const Tree& t);
    void route_queued(const Tree& t, std::vector<Fact>& facts) const;
    void fallback_completion(Tree& t, std::vector<Fact>& facts);
    std::shared_ptr<const Summary> summary(const Definition& d, int depth_left);
    Summary export_summary(const Result& res, int depth_left);
    // Root mode: members and generic engines the fops's module decides.
    std::vector<XFact> expand(const std::vector<XFact>& in, int depth);
    std::shared_ptr<const Expansion> expansion(const XFact& x, int depth);
    std::vector<XFact> engine_facts(const XFact& at, int depth);
    std::vector<XFact> module_op_facts(std::string_view member, const XFact& at, int depth,
                                       std::vector<std::string>* names, bool fill = false);
    void splice(std::vector<Fact>& out, std::size_t pos, const Path& path, std::uint32_t inst, int origin,
                const std::vector<XFact>& xs, const std::vector<ObjKey>& args,
                const std::shared_ptr<const std::string>& prefix, const std::vector<std::uint32_t>& arg_masks = {},
                int variadic = -1);
    std::shared_ptr<const DeferredInfo> deferred(const Definition& d, int depth);
    std::vector<std::pair<std::string, Definition>> resolve_ref(const Tree& t, const Flat& fl);
    ObjKey canonical(const Tree& t, std::uint32_t inst, std::string_view name) const;
    std::string gate_of(const Tree& t, const Flat& fl) const;
    std::vector<ObjKey> arg_objects(const Tree& t, const Flat& fl, bool lvalue = false) const;
    int root_param(const Tree& t, const ObjKey& o) const;
    SourceLocation at(const Tree& t, const Flat& fl) const { return {t.insts[fl.inst].file->path(), fl.ev->line}; }
    std::string call_text(const Tree& t, const Flat& fl) const;
    Evidence ev_of(const Tree& t, const Fact& f) const;
    SourceLocation loc_of(const Tree& t, const Fact& f) const
    {
        return f.base ? f.base->at : at(t, t.events[f.pos]);
    }
    void note_range(const ParsedFile* f, const FunctionDef* d) { ranges_.insert({f->path(), d->line, d->last_line}); }

    Resolver& r_;
    Summaries& s_;
    const AnalyzerLimits& limits_;
    std::uint32_t next_id_ = 1;
    // The fops's module: members and engines are resolved against it.
    std::uint32_t root_home_ = kNoFile;
    const ParsedFile* root_file_ = nullptr;
    // The fops is exported for other file systems to install (fs/read_write.c's
    // generic_ro_fops): the address_space operations its engines reach are
    // the installer's, not those of the directory it is defined in.
    std::string exported_fops_;
    std::optional<SourceLocation> nowait_promise_;
    std::set<model::LineRange> ranges_;
    // May-sleep facts spliced into each fact vector, by kind and view.
    std::map<std::tuple<const void*, int, int>, std::size_t> sleep_kept_;
    std::set<std::tuple<const void*, std::size_t, std::uint32_t, std::string, int>> published_;
};

}  // namespace

struct Summaries::Impl {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const Summary>> map;
    std::unordered_map<std::string, std::shared_ptr<const DeferredInfo>> deferred;
    std::unordered_map<std::string, std::shared_ptr<const Expansion>> expansions;
};

Summaries::Summaries() : impl_(std::make_unique<Impl>()) {}
Summaries::~Summaries()
{
    if (std::getenv("AIO_AUDIT_SCAN_DEBUG")) {
        std::size_t facts = 0, ranges = 0;
        std::map<int, std::size_t> per_depth;
        for (const auto& [k, v] : impl_->map) {
            facts += v ? v->facts.size() : 0;
            ranges += v ? v->ranges.size() : 0;
            per_depth[k.back() - '0']++;
        }
        std::fprintf(stderr, "summaries: %zu, facts %zu, ranges %zu\n", impl_->map.size(), facts, ranges);
        for (auto [d, n] : per_depth)
            std::fprintf(stderr, "  depth_left %d: %zu\n", d, n);
    }
}

namespace {

// The negotiated feature a queueing statement needs: it sits in the arm of
// a test that holds only when a flag is set (`if (io->async)`), and that
// flag is the feature itself or, in the same function, was set from it
// (`io->async = fc->async_dio`). Empty when no such test guards it.
std::string Analysis::gate_of(const Tree& t, const Flat& fl) const
{
    const Inst& in = t.insts[fl.inst];
    const TokenSpan& c = in.file->code();
    for (const PathStep& s : fl.ev->path) {
        if (s.instance != kSharedDecision || s.scope == kDirectScope || s.arm != 1)
            continue;
        for (std::string_view f : kNegotiatedFeatures)
            if (decision_id(f) == s.scope)
                return std::string(negotiated_feature(f));
        for (const Flat& a : in.local) {
            if (a.ev->kind != Ev::assign || a.ev->args_begin == 0)
                continue;
            std::string_view member;
            for (std::size_t j = a.ev->tok; j + 1 < a.ev->args_begin; ++j)
                if ((c.is(j, "->") || c.is(j, ".")) && c.ident(j + 1))
                    member = c.str(j + 1);
            if (member.empty() || decision_id(member) != s.scope)
                continue;
            for (std::size_t j = a.ev->args_begin; j < a.ev->args_end && j < c.size; ++j)
                if (c.ident(j))
                    if (const auto cond = negotiated_feature(c.str(j)); !cond.empty())
                        return std::string(cond);
        }
    }
    return {};
}

ObjKey Analysis::canonical(const Tree& t, std::uint32_t inst, std::string_view name) const
{
    const Inst& in = t.insts[inst];
    for (std::size_t k = 0; k < in.params.size(); ++k)
        if (in.params[k] == name) {
            if (k < in.bound.size() && in.bound[k].valid())
                return in.bound[k];
            break;
        }
    return {in.id, std::string(name)};
}

std::vector<ObjKey> Analysis::arg_objects(const Tree& t, const Flat& fl, bool lvalue) const
{
    std::vector<ObjKey> out;
    const TokenSpan& c = t.insts[fl.inst].file->code();
    for (const auto& [b, e] : arguments(c, *fl.ev)) {
        std::string_view member;
        const std::string_view v = base_variable(c, b, e, &member, lvalue);
        ObjKey o = v.empty() ? ObjKey{} : canonical(t, fl.inst, v);
        if (o.valid() && !member.empty())
            o.name += "->" + std::string(member);
        out.push_back(std::move(o));
    }
    return out;
}

int Analysis::root_param(const Tree& t, const ObjKey& o) const
{
    for (const Inst& in : t.insts) {
        if (in.parent != kNoParent || in.id != o.inst)
            continue;
        for (std::size_t k = 0; k < in.params.size(); ++k)
            if (in.params[k] == o.name)
                return static_cast<int>(k);
    }
    return -1;
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

Evidence Analysis::ev_of(const Tree& t, const Fact& f) const
{
    Evidence e;
    if (f.base) {
        e = *f.base;
        if (f.prefix)
            e.chain = *f.prefix + (e.chain.empty() ? "" : " > " + e.chain);
    } else {
        const Flat& fl = t.events[f.pos];
        const Event& ev = *fl.ev;
        e.at = at(t, fl);
        e.chain = t.insts[fl.inst].chain;
        switch (f.text) {
        case Text::call: e.what = call_text(t, fl); break;
        case Text::member_call: e.what = "->" + call_text(t, fl); break;
        case Text::queued: e.what = "-" + std::string(ev.name); break;
        case Text::propagates: e.what = "passes -" + std::string(ev.name) + " from a callee through"; break;
        case Text::nowait: e.what = "tests IOCB_NOWAIT"; break;
        case Text::cancel_assign: e.what = "->ki_cancel = ... (2.6)"; break;
        case Text::complete_inline: e.what = completion_text(ev) + " inside the submitting call"; break;
        case Text::engine_nowait: e.what = "(" + std::string(ev.name) + " tests IOCB_NOWAIT)"; break;
        }
    }
    e.kind = f.ek;
    e.what += f.note;
    return e;
}

// Breadth first, so that when the budget runs out it is the deepest calls
// that are left out; then flattened depth first, so that events keep the
// order in which one path runs them ("submits, then waits"). Callees in
// the root's module are inlined; others are summarized (`imports`).
Tree Analysis::build(const std::vector<Definition>& defs, const std::string& root_chain, int depth_left, Mode mode)
{
    Tree t;
    if (defs.empty())
        return t;
    const std::uint32_t home = home_of(*defs.front().file);
    const ParsedFile* home_file = defs.front().file;
    struct Pending {
        Definition def;
        Path prefix;
        std::string chain;
        int depth;
        std::uint32_t parent;
        std::size_t at;  // the call's index in the parent's events
        std::vector<ObjKey> bound;
        const Event* call = nullptr;
    };
    std::deque<Pending> queue;
    const std::uint32_t alt = next_id_++;
    for (std::size_t k = 0; k < defs.size(); ++k) {
        Path p;
        if (defs.size() > 1)
            p.push_back({alt, kAlternativeScope, static_cast<std::uint32_t>(k), false});
        queue.push_back({defs[k], std::move(p), root_chain, 0, kNoParent, 0, {}});
    }
    std::vector<std::uint32_t> roots;
    std::size_t steps = 0;
    while (!queue.empty()) {
        Pending job = std::move(queue.front());
        queue.pop_front();
        if (t.insts.size() >= static_cast<std::size_t>(mode == Mode::deferred ? limits_.deferred_instances
                                                                              : limits_.max_instances)) {
            t.truncated = true;
            break;
        }
        if (job.def.keep)
            t.keep.push_back(job.def.keep);
        const std::uint32_t id = next_id_++;
        const auto idx = static_cast<std::uint32_t>(t.insts.size());
        {
            Inst in;
            in.file = job.def.file;
            in.def = job.def.def;
            in.id = id;
            in.parent = job.parent;
            in.chain = job.chain;
            in.depth = job.depth;
            in.params = parameter_names(job.def.file->code(), *job.def.def);
            in.bound = std::move(job.bound);
            in.call = job.call;
            t.insts.push_back(std::move(in));
        }
        if (job.parent == kNoParent)
            roots.push_back(idx);
        else
            t.insts[job.parent].calls.emplace_back(job.at, idx);
        note_range(job.def.file, job.def.def);
        const ParsedFile& file = *job.def.file;
        const FunctionFacts& facts = file.facts(*job.def.def);
        steps += facts.events.size();
        for (const Event& ev : facts.events) {
            std::vector<Definition> inline_defs;
            int import = -1;
            std::uint8_t mark = 0;
            bool keep = true;
            if (ev.kind == Ev::call) {
                const Role role = static_cast<Role>(ev.role);
                if ((role == Role::harmless || is_keyword(ev.name)) && ev.name != "va_start")
                    continue;
                if (role == Role::none && ev.name != "va_start") {
                    // A callback parameter: `transfer(substream, ...)` calls what
                    // the caller passed (`snd_pcm_lib_write_transfer`).
                    std::vector<Definition> passed;
                    const Inst& me = t.insts[idx];
                    for (std::size_t k = 0; k < me.params.size(); ++k)
                        if (me.params[k] == ev.name && k < me.bound.size() && me.bound[k].valid() &&
                            me.parent != kNoParent)
                            passed = r_.in_module(*t.insts[me.parent].file, me.bound[k].name);
                    const std::vector<Definition>& found = passed.empty() ? r_.functions(file, ev.name) : passed;
                    std::vector<Definition> far;
                    for (const Definition& d : found)
                        (mode != Mode::summary && at_home(*d.file, home, home_file) ? inline_defs : far)
                            .push_back(d);
                    // Past the inline depth, the module's own functions are
                    // summarized like other modules', a few calls deep (fuse
                    // waits for the daemon 8 calls below fuse_file_read_iter).
                    int below = depth_left - 1;
                    if (!inline_defs.empty() &&
                        job.depth >= (mode == Mode::deferred ? limits_.deferred_inline : limits_.inline_depth)) {
                        if (mode != Mode::deferred) {
                            far.insert(far.end(), inline_defs.begin(), inline_defs.end());
                            below = std::min(below, limits_.past_inline_depth);
                        }
                        inline_defs.clear();
                    }
                    if (!inline_defs.empty()) {
                    } else if (!far.empty()) {
                        if (mode != Mode::deferred && depth_left > 0 && below >= 0) {
                            Import im;
                            im.callee = std::string(ev.name);
                            for (const Definition& d : far)
                                if (auto s = summary(d, below))
                                    im.alts.push_back(std::move(s));
                            import = static_cast<int>(t.imports.size());
                            t.imports.push_back(std::move(im));
                        } else {
                            keep = false;
                        }
                    } else if (all_caps(ev.name) || r_.seen_elsewhere(file, ev.name)) {
                        keep = false;
                    } else {
                        mark = 1;
                    }
                }
            } else if (ev.kind == Ev::member_call) {
                if (static_cast<Role>(ev.role) == Role::none)
                    mark = 2;
            } else if (ev.kind == Ev::ref) {
                // A function handed to someone is an argument or a member's
                // value; an identifier anywhere else is a variable.
                const bool deferral = !ev.via.empty() && deferral_context(ev.via) != "callback";
                // In other modules a completion is found by the module
                // fallback instead (fallback_completion).
                keep = mode != Mode::summary && !ev.via.empty() &&
                       (deferral || ev.name.ends_with("ops") || !r_.in_module(file, ev.name).empty());
            }
            if (!keep)
                continue;
            Path full = job.prefix;
            for (PathStep st : ev.path) {
                if (st.instance != kSharedDecision)
                    st.instance = id;
                full.push_back(st);
            }
            const std::size_t at_local = t.insts[idx].local.size();
            t.insts[idx].local.push_back({&ev, idx, full, import, mark});
            if (inline_defs.empty())
                continue;
            std::vector<ObjKey> args = arg_objects(t, t.insts[idx].local.back());
            for (std::size_t k = 0; k < inline_defs.size(); ++k) {
                if (on_chain(t, idx, inline_defs[k].def))
                    continue;
                Path p = full;
                if (inline_defs.size() > 1)
                    p.push_back({id, kAlternativeScope | ev.tok, static_cast<std::uint32_t>(k), false});
                queue.push_back({inline_defs[k], std::move(p), job.chain + " > " + std::string(ev.name),
                                 job.depth + 1, idx, at_local, args, &ev});
            }
        }
    }
    r_.count(steps + t.insts.size());
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

// One summary per function and remaining depth: a pure function of the
// tree, so whichever thread computes it first, every caller sees the same.
// Depth only decreases along a chain of summaries, so they cannot recurse.
std::shared_ptr<const Summary> Analysis::summary(const Definition& d, int depth_left)
{
    auto& impl = s_.impl();
    const std::string key = std::to_string(d.file->id()) + ":" + d.file->path() + ":" +
                            std::to_string(d.def->line) + ":" + std::string(d.def->name) + "#" +
                            std::to_string(depth_left);
    {
        std::lock_guard lock(impl.mu);
        if (auto it = impl.map.find(key); it != impl.map.end())
            return it->second;
    }
    // Only its own lines: a handler depends on the functions it calls,
    // not on everything below them.
    std::set<model::LineRange> saved;
    saved.swap(ranges_);
    Result res = run({d}, std::string(d.def->name), depth_left, Mode::summary);
    Summary sum = export_summary(res, depth_left);
    sum.stores = res.stores;
    {
        const TokenSpan& c = d.file->code();
        const std::size_t open = d.def->name_tok + 1;
        const std::size_t close = std::min<std::size_t>(c.close(open), c.size);
        if (c.is(close - 1, "...") || (close >= 1 && c.str(close - 1) == "..."))
            sum.variadic = static_cast<int>(parameter_names(c, *d.def).size()) - 1;
    }
    ranges_.swap(saved);
    sum.ranges.push_back({d.file->path(), d.def->line, d.def->last_line});
    auto out = std::make_shared<const Summary>(std::move(sum));
    std::lock_guard lock(impl.mu);
    return impl.map.emplace(key, std::move(out)).first->second;
}

Summary Analysis::export_summary(const Result& res, int depth_left)
{
    Summary s;
    // Unseen code matters near the handler; deeper down it is library code
    // whose callees the verdict cannot hinge on.
    const bool report_unresolved = depth_left >= limits_.summary_depth - limits_.unresolved_depth;
    std::vector<const Fact*> queued;
    for (const Fact& f : res.facts)
        if (f.kind == FK::queued && !sync_only(f.path))
            queued.push_back(&f);
    // One fact of each kind is all a caller needs to decide (and to show):
    // a summary stays small however much code is below it.
    std::set<std::tuple<int, bool, int, int, std::string>> kept;
    bool started_any = false;
    for (const Fact& f : res.facts) {
        if (sync_only(f.path))
            continue;
        switch (f.kind) {
        case FK::propagates:
        case FK::sync_path_wait:
        case FK::cancel:
        case FK::buffered: continue;
        case FK::unresolved:
            if (!report_unresolved)
                continue;
            break;
        case FK::submits:
        case FK::publishes:
            // Handed-over parameters matter to the caller by identity; of the
            // rest, one tells that the function starts work elsewhere.
            if (root_param(res.tree, f.obj) < 0) {
                if (started_any)
                    continue;
                started_any = true;
            }
            break;
        default: break;
        }
        XFact x;
        x.kind = f.kind == FK::submits ? FK::publishes : f.kind;
        x.scen = static_cast<std::int8_t>(direct_only(f.path));
        x.with_queue = f.with_queue;
        if (!x.with_queue && f.kind != FK::queued)
            for (const Fact* q : queued)
                if (compatible(q->path, f.path)) {
                    x.with_queue = true;
                    break;
                }
        x.param = f.obj.valid() ? root_param(res.tree, f.obj) : f.param;
        std::string key;
        if (x.kind == FK::hole || x.kind == FK::unresolved || x.kind == FK::engine_role)
            key = f.name;
        else if (x.kind == FK::queued)
            key = f.gate;
        const int copies = is_may_sleep(x.kind) ? 2 : 1;
        int n = 0;
        for (int c = 0; c < copies && !kept.insert({static_cast<int>(x.kind), x.with_queue, x.scen, x.param * 4 + c, key}).second; ++c)
            ++n;
        if (n == copies)
            continue;
        x.ev = std::make_shared<Evidence>(ev_of(res.tree, f));
        x.name = f.name;
        x.role = f.role;
        for (const ObjKey& a : f.args)
            x.arg_params.push_back(a.valid() ? root_param(res.tree, a) : -1);
        x.for_event = f.for_event;
        x.mask = f.mask;
        x.arg_masks = f.arg_masks;
        x.arg_types = f.arg_types;
        x.gate = f.gate;
        s.facts.push_back(std::move(x));
    }
    return s;
}

// Facts of a summary (or an expansion) spliced in at one call.
void Analysis::splice(std::vector<Fact>& out, std::size_t pos, const Path& path, std::uint32_t inst, int origin,
                      const std::vector<XFact>& xs, const std::vector<ObjKey>& args,
                      const std::shared_ptr<const std::string>& prefix, const std::vector<std::uint32_t>& arg_masks,
                      int variadic)
{
    const int here = direct_only(path);
    for (const XFact& x : xs) {
        if (here && x.scen && here != x.scen)
            continue;  // O_DIRECT-only code under a test that excludes O_DIRECT
        Fact f;
        f.kind = x.kind;
        f.pos = pos;
        f.inst = inst;
        f.path = path;
        if (!here && x.scen)
            f.path.push_back({kSharedDecision, kDirectScope, x.scen > 0 ? 1u : 0u, false});
        f.origin = origin;
        f.with_queue = x.with_queue;
        f.base = x.ev;
        f.prefix = prefix;
        f.ek = x.ev ? x.ev->kind : EvidenceKind::unresolved;
        f.name = x.name;
        f.role = x.role;
        f.for_event = x.for_event;
        f.gate = x.gate;
        if (x.param >= 0 && static_cast<std::size_t>(x.param) < args.size())
            f.obj = args[static_cast<std::size_t>(x.param)];
        else if (x.param >= 0 || x.kind == FK::publishes || x.kind == FK::param_wait)
            f.obj = {kNoParent - 1, "#" + std::to_string(pos) + x.name};
        for (int p : x.arg_params)
            f.args.push_back(p >= 0 && static_cast<std::size_t>(p) < args.size() ? args[static_cast<std::size_t>(p)]
                                                                                  : ObjKey{});
        f.mask = map_mask(x.mask, arg_masks, variadic);
        for (std::uint32_t m : x.arg_masks)
            f.arg_masks.push_back(map_mask(m, arg_masks, variadic));
        f.arg_types = x.arg_types;
        // A transfer the summary waits for is this request's only when the
        // caller hands it request data.
        if ((f.kind == FK::engine_wait || f.kind == FK::engine_wait_queued) && !f.mask) {
            f.kind = FK::resource;
            f.ek = EvidenceKind::resource_wait;
        }
        // May-sleep facts are evidence only: a few of each kind per view
        // say all there is to say, and the same helper's lock imported at
        // every call site of a large module (cifs: 35,000 of them per
        // handler) cost the scan its peak memory.
        if (is_may_sleep(f.kind)) {
            auto& n = sleep_kept_[{static_cast<const void*>(&out), static_cast<int>(f.kind), direct_only(f.path)}];
            if (n >= kMaySleepKept)
                continue;
            ++n;
        }
        // The same object handed over at the same call, on the same view,
        // is one fact however many summaries below say so.
        if (f.kind == FK::publishes && f.obj.valid() &&
            !published_.insert({static_cast<const void*>(&out), f.pos, f.obj.inst, f.obj.name, x.scen}).second)
            continue;
        out.push_back(std::move(f));
    }
}

std::vector<std::pair<std::string, Definition>> Analysis::resolve_ref(const Tree& t, const Flat& fl)
{
    const Event& ev = *fl.ev;
    const ParsedFile& file = *t.insts[fl.inst].file;
    std::vector<std::pair<std::string, Definition>> out;
    const std::string via(ev.via);
    for (const Definition& d : r_.in_module(file, ev.name))
        out.emplace_back(via, d);
    // An ops table handed over whole: `rpc_run_task(..., &nfs_read_direct_ops)`.
    if (out.empty() && ev.name.ends_with("ops"))
        out = r_.object_functions(file, ev.name);
    return out;
}

// What a function handed to a callback does later, followed `depth`
// callbacks deep: shared by the scan (a pure function of the tree), its
// texts free of the context it runs in, which each caller adds.
std::shared_ptr<const DeferredInfo> Analysis::deferred(const Definition& d, int depth)
{
    auto& impl = s_.impl();
    const std::string key = std::to_string(d.file->id()) + ":" + d.file->path() + ":" +
                            std::to_string(d.def->line) + ":" + std::string(d.def->name) + "#" + std::to_string(depth);
    {
        std::lock_guard lock(impl.mu);
        if (auto it = impl.deferred.find(key); it != impl.deferred.end()) {
            ranges_.insert(it->second->ranges.begin(), it->second->ranges.end());
            return it->second;
        }
    }
    // The lines it is read from go with it, so that a caller depends on them
    // whether it computed the information or another thread did first.
    std::set<model::LineRange> saved;
    saved.swap(ranges_);
    DeferredInfo info;
    Tree t = build({d}, std::string(d.def->name), 0, Mode::deferred);
    struct Item {
        std::size_t flat;
        Evidence ev;
        std::string ctx;  // empty: the context `d` runs in
    };
    std::vector<Item> items;
    for (std::size_t i = 0; i < t.events.size(); ++i) {
        const Flat& fl = t.events[i];
        const Event& ev = *fl.ev;
        if (is_completion(ev)) {
            Evidence e{EvidenceKind::deferred_completion, at(t, fl),
                       completion_text(ev) + " in " + std::string(t.insts[fl.inst].def->name),
                       t.insts[fl.inst].chain, {}};
            items.push_back({i, std::move(e), {}});
        } else if (ev.kind == Ev::call && static_cast<Role>(ev.role) == Role::guard) {
            info.guarded = true;
        } else if (ev.kind == Ev::call && static_cast<Role>(ev.role) == Role::signals) {
            if (auto target = first_arg_target(t.insts[fl.inst].file->code(), ev); !target.empty())
                info.signals.insert(std::move(target));
        } else if (ev.kind == Ev::ref && depth < limits_.deferred_depth) {
            for (const auto& [via, sub] : resolve_ref(t, fl)) {
                if (sub.def == d.def)
                    continue;
                const std::string sub_context(via.empty() ? "callback" : deferral_context(via));
                const auto s = deferred(sub, depth + 1);
                info.signals.insert(s->signals.begin(), s->signals.end());
                if (s->completes) {
                    Evidence e = s->first;
                    e.chain = t.insts[fl.inst].chain + " ~> " + e.chain;
                    items.push_back({i, std::move(e), s->first_ctx.empty() ? sub_context : s->first_ctx});
                }
            }
        }
    }
    if (!items.empty()) {
        info.completes = true;
        info.first = items.front().ev;
        info.first_ctx = items.front().ctx;
    }
    for (std::size_t a = 0; a < items.size() && !info.double_completion && !info.guarded; ++a)
        for (std::size_t b = a + 1; b < items.size(); ++b)
            if (compatible(t.events[items[a].flat].path, t.events[items[b].flat].path)) {
                info.double_completion = true;
                info.first = items[a].ev;
                info.first_ctx = items[a].ctx;
                info.second = items[b].ev;
                info.second_ctx = items[b].ctx;
                break;
            }
    info.ranges.assign(ranges_.begin(), ranges_.end());
    ranges_.swap(saved);
    ranges_.insert(info.ranges.begin(), info.ranges.end());
    auto out = std::make_shared<const DeferredInfo>(std::move(info));
    std::lock_guard lock(impl.mu);
    return impl.deferred.emplace(key, std::move(out)).first->second;
}

Analysis::Result Analysis::run(const std::vector<Definition>& defs, const std::string& root_chain, int depth_left,
                               Mode mode)
{
    Result res;
    res.tree = build(defs, root_chain, depth_left, mode);
    res.facts = classify(res.tree, mode == Mode::root, &res.stores);
    return res;
}

std::vector<Fact> Analysis::classify(Tree& t, bool root_mode, std::vector<std::uint32_t>* stores)
{
    // Each classify() counts for its own vectors: a summary computed in the
    // middle of this one saves and restores them.
    struct Scoped {
        Analysis& a;
        decltype(sleep_kept_) kept;
        decltype(published_) published;
        explicit Scoped(Analysis& an) : a(an)
        {
            kept.swap(a.sleep_kept_);
            published.swap(a.published_);
        }
        ~Scoped()
        {
            kept.swap(a.sleep_kept_);
            published.swap(a.published_);
        }
    } scoped(*this);
    std::vector<Fact> facts;
    std::vector<std::size_t> waits;  // flats that sleep: classified once everything is known
    auto add = [&](FK kind, std::size_t i, EvidenceKind ek, Text text = Text::call) -> Fact& {
        const Flat& fl = t.events[i];
        Fact f;
        f.kind = kind;
        f.pos = i;
        f.inst = fl.inst;
        f.path = fl.path;
        f.ek = ek;
        f.text = text;
        facts.push_back(std::move(f));
        return facts.back();
    };
    auto prepared = [&](FK kind, std::size_t i, Evidence e) -> Fact& {
        Fact& f = add(kind, i, e.kind);
        f.base = std::make_shared<Evidence>(std::move(e));
        return f;
    };
    // Request data, followed in execution order: the roots' parameters
    // carry it, assignments and calls pass it on.
    Masks masks;
    std::vector<bool> entered(t.insts.size(), false);
    auto arg_masks = [&](const Flat& fl) {
        std::vector<std::uint32_t> out;
        const TokenSpan& c = t.insts[fl.inst].file->code();
        for (const auto& [b, e2] : arguments(c, *fl.ev))
            out.push_back(argument_mask(t, masks, fl.inst, b, e2));
        return out;
    };
    for (std::size_t i = 0; i < t.events.size(); ++i) {
        const Flat& fl = t.events[i];
        const Event& ev = *fl.ev;
        const bool sync_path = sync_only(fl.path);
        const std::string& chain = t.insts[fl.inst].chain;
        if (!entered[fl.inst]) {
            entered[fl.inst] = true;
            const Inst& in = t.insts[fl.inst];
            if (in.parent == kNoParent) {
                for (std::size_t k = 0; k < in.params.size(); ++k)
                    masks.add(canonical(t, fl.inst, in.params[k]), param_bit(k));
                // `...`: the last parameter slot.
                if (!in.params.empty() && in.params.back().empty())
                    masks.add(canonical(t, fl.inst, "..."), param_bit(in.params.size() - 1));
            } else if (in.call) {
                const TokenSpan& pc = t.insts[in.parent].file->code();
                const auto args = arguments(pc, *in.call);
                for (std::size_t k = 0; k < in.params.size() && k < args.size(); ++k)
                    masks.add(canonical(t, fl.inst, in.params[k]),
                              argument_mask(t, masks, in.parent, args[k].first, args[k].second));
            }
        }
        if (ev.kind == Ev::assign) {
            if (!ev.nargs)  // 1: a struct pointer loaded from a member
                masks.add(canonical(t, fl.inst, ev.name), range_mask(t, masks, fl.inst, ev.args_begin, ev.args_end));
            continue;
        }
        if ((ev.kind == Ev::call || ev.kind == Ev::member_call) && !ev.via.empty() &&
            !shared_result(t.insts[fl.inst].file->code(), ev.tok))
            masks.add(canonical(t, fl.inst, ev.via), range_mask(t, masks, fl.inst, ev.args_begin, ev.args_end));
        if (ev.kind == Ev::call && ev.name == "va_start") {
            const auto objs = arg_objects(t, fl);
            if (!objs.empty())
                masks.add(objs.front(), masks.of(canonical(t, fl.inst, "...")));
        }
        if (fl.import >= 0) {
            const Import& im = t.imports[static_cast<std::size_t>(fl.import)];
            const std::vector<ObjKey> args = arg_objects(t, fl);
            const std::vector<std::uint32_t> amasks = arg_masks(fl);
            const std::uint32_t alt = next_id_++;
            // The summary's chains start with the callee's own name.
            const auto prefix = std::make_shared<const std::string>(chain);
            for (std::size_t k = 0; k < im.alts.size(); ++k) {
                Path p = fl.path;
                if (im.alts.size() > 1)
                    p.push_back({alt, kAlternativeScope, static_cast<std::uint32_t>(k), false});
                if (root_mode)
                    for (const auto& r : im.alts[k]->ranges)
                        ranges_.insert(r);
                splice(facts, i, p, fl.inst, fl.import, im.alts[k]->facts, args, prefix, amasks,
                       im.alts[k]->variadic);
                // What the callee stores through its pointer parameters.
                const auto& st = im.alts[k]->stores;
                for (std::size_t a = 0; a < st.size() && a < args.size(); ++a)
                    if (st[a])
                        masks.add(args[a], map_mask(st[a], amasks, im.alts[k]->variadic));
            }
            continue;
        }
        switch (ev.kind) {
        case Ev::queued:
            if (!sync_path) {
                Fact& f = add(FK::queued, i, EvidenceKind::queued, Text::queued);
                f.name = std::string(ev.via);
                f.gate = gate_of(t, fl);
            }
            break;
        case Ev::queued_cmp:
            add(FK::propagates, i, EvidenceKind::propagates_queued, Text::propagates);
            break;
        case Ev::nowait: add(FK::nowait_check, i, EvidenceKind::nowait_check, Text::nowait); break;
        case Ev::nonblock: add(FK::nonblock, i, EvidenceKind::nowait_check, Text::call); break;
        case Ev::cancel_assign: add(FK::cancel, i, EvidenceKind::cancel, Text::cancel_assign); break;
        case Ev::member_call: {
            const Role role = static_cast<Role>(ev.role);
            if (role == Role::completes) {
                if (!sync_path)
                    add(FK::inline_done, i, EvidenceKind::inline_completion, Text::complete_inline);
            } else if (role == Role::forwards) {
                add(FK::forwards, i, EvidenceKind::forwards, Text::member_call);
            } else if (role == Role::protocol_io) {
                Fact& f = add(FK::readiness, i, EvidenceKind::readiness_wait, Text::member_call);
                f.note = ": the protocol waits for data or buffer space";
            } else if (fl.mark == 2) {
                const std::vector<ObjKey> args = arg_objects(t, fl);
                // `c->trans_mod->request(c, req)`: `c` owns the operation; what
                // it is handed is `req`.
                const TokenSpan& code = t.insts[fl.inst].file->code();
                std::uint32_t base = ev.tok;
                while (base >= 2 && (code.is(base - 1, "->") || code.is(base - 1, ".")) && code.ident(base - 2))
                    base -= 2;
                const ObjKey receiver = canonical(t, fl.inst, code.str(base));
                Fact& f = add(FK::hole, i, EvidenceKind::unresolved, Text::member_call);
                f.name = std::string(ev.name);
                f.args = args;
                f.arg_masks = arg_masks(fl);
                for (const auto& [b, e2] : arguments(code, ev))
                    f.arg_types.emplace_back(
                        e2 == b + 1 && code.ident(b)
                            ? declared_struct(code, *t.insts[fl.inst].def, code.str(b), false)
                            : std::string_view{});
                // What goes through a function pointer goes to another context.
                for (const ObjKey& a : args)
                    if (a.valid() && !(a == receiver)) {
                        Fact& p = add(FK::publishes, i, EvidenceKind::started, Text::member_call);
                        p.obj = a;
                        p.mask = masks.of(a);
                    }
            }
            break;
        }
        case Ev::call: {
            if (fl.mark == 1) {
                Fact& f = add(FK::unresolved, i, EvidenceKind::unresolved);
                f.name = std::string(ev.name);
                // Which arguments are a variable itself (`iocb`), not a field of it.
                const TokenSpan& c = t.insts[fl.inst].file->code();
                for (const auto& [b, e2] : arguments(c, ev))
                    f.args.push_back(e2 == b + 1 && c.ident(b) ? canonical(t, fl.inst, c.str(b)) : ObjKey{});
                break;
            }
            const Role role = static_cast<Role>(ev.role);
            switch (role) {
            case Role::sleep:
            case Role::sync_transfer: waits.push_back(i); break;
            case Role::direct_io: {
                Fact& f = add(FK::direct_engine, i, EvidenceKind::direct_io);
                if (!direct_only(f.path))
                    f.path.push_back({kSharedDecision, kDirectScope, 1, false});
                add(FK::nowait_check, i, EvidenceKind::nowait_check, Text::engine_nowait);
                break;
            }
            case Role::generic_read:
            case Role::generic_write:
            case Role::pagecache_read:
            case Role::pagecache_write: {
                Fact& f = add(FK::engine_role, i, EvidenceKind::buffered_io);
                f.name = std::string(ev.name);
                f.role = role;
                // ->direct_IO gets the engine's own kiocb and iov_iter.
                f.args = arg_objects(t, fl);
                f.arg_masks = arg_masks(fl);
                add(FK::nowait_check, i, EvidenceKind::nowait_check, Text::engine_nowait);
                break;
            }
            case Role::reads_device: add(FK::reads_device, i, EvidenceKind::buffered_io); break;
            case Role::forwards: add(FK::forwards, i, EvidenceKind::forwards); break;
            case Role::sync_forward: add(FK::sync_forward, i, EvidenceKind::sync_forward); break;
            case Role::completes:
            case Role::kick:
                if (!sync_path)
                    add(FK::inline_done, i, EvidenceKind::inline_completion, Text::complete_inline);
                break;
            case Role::cancel: add(FK::cancel, i, EvidenceKind::cancel); break;
            case Role::submits:
            case Role::publishes: {
                const FK k = role == Role::submits ? FK::submits : FK::publishes;
                bool any = false;
                const std::vector<std::uint32_t> am = arg_masks(fl);
                std::uint32_t all = 0;
                for (std::uint32_t m : am)
                    all |= m;
                const int only = published_argument(ev.name);
                const std::vector<ObjKey> objs = arg_objects(t, fl);
                for (std::size_t a = 0; a < objs.size(); ++a) {
                    if (!objs[a].valid() || (only >= 0 && static_cast<int>(a) != only))
                        continue;
                    Fact& f = add(k, i, EvidenceKind::started);
                    f.obj = objs[a];
                    f.mask = masks.of(objs[a]) | (a < am.size() ? am[a] : 0);
                    any = true;
                }
                if (!any && role == Role::submits)
                    add(k, i, EvidenceKind::started).mask = all;
                break;
            }
            default: break;
            }
            break;
        }
        case Ev::ref: {
            for (const auto& [via, d] : resolve_ref(t, fl)) {
                if (on_chain(t, fl.inst, d.def))
                    continue;
                const std::string context(via.empty() ? "callback" : deferral_context(via));
                const auto dinfo = deferred(d, 1);
                const DeferredInfo& info = *dinfo;
                const std::string first_what =
                    info.first.what + " (" + (info.first_ctx.empty() ? context : info.first_ctx) + ")";
                const std::string hop = chain + " ~> ";
                if (context == "cancel" && info.completes && !info.guarded)
                    prepared(FK::double_done, i,
                             {EvidenceKind::double_completion, info.first.at,
                              "the cancel function completes the kiocb too: " + first_what, hop + info.first.chain,
                              {}});
                if (info.completes && context != "cancel") {
                    Fact& f = prepared(FK::deferred, i,
                                       {EvidenceKind::deferred_completion, info.first.at, first_what,
                                        hop + info.first.chain, {}});
                    for (const auto& sg : info.signals)
                        f.name += sg + ",";
                }
                if (info.double_completion)
                    prepared(FK::double_done, i,
                             {EvidenceKind::double_completion, info.second.at,
                              "completes again on the same path: " + info.second.what + " (" +
                                  (info.second_ctx.empty() ? context : info.second_ctx) + ") (first: " +
                                  loc_text(info.first.at) + ")",
                              hop + info.second.chain, {}});
            }
            break;
        }
        default: break;
        }
    }
    // The fops's module decides what generic engines and unresolved
    // members do: only the root knows it.
    if (root_mode) {
        std::vector<Fact> expanded;
        for (Fact& f : facts) {
            if (f.kind != FK::hole && f.kind != FK::engine_role) {
                expanded.push_back(std::move(f));
                continue;
            }
            XFact x;
            x.kind = f.kind;
            x.with_queue = f.with_queue;
            Evidence here = ev_of(t, f);
            auto prefix = std::make_shared<const std::string>(here.chain);
            here.chain.clear();
            x.ev = std::make_shared<Evidence>(std::move(here));
            x.name = f.name;
            x.role = f.role;
            for (std::size_t k = 0; k < f.args.size(); ++k) {
                x.arg_params.push_back(static_cast<int>(k));
                x.arg_masks.push_back(param_bit(k));
            }
            x.arg_types = f.arg_types;
            const std::vector<XFact> xs = expand({x}, 3);
            // What a member resolves to is another module's code, not the
            // handler's own: an origin of its own.
            const bool unresolved = xs.size() == 1 && xs[0].kind == FK::hole && xs[0].name == f.name;
            const int origin = f.origin >= 0 || unresolved ? f.origin : 1'000'000 + static_cast<int>(f.pos);
            splice(expanded, f.pos, f.path, f.inst, origin, xs, f.args, prefix, f.arg_masks);
        }
        facts = std::move(expanded);
    }
    if (stores && !t.insts.empty()) {
        const Inst& root = t.insts.front();
        for (std::size_t k = 0; k < root.params.size(); ++k)
            stores->push_back(masks.of(canonical(t, 0, root.params[k])) & ~param_bit(k));
    }
    route_queued(t, facts);
    // The waits come after the facts they follow; both runs are in order.
    const auto before = static_cast<std::ptrdiff_t>(facts.size());
    classify_waits(t, facts, waits, root_mode, masks);
    std::inplace_merge(facts.begin(), facts.begin() + before, facts.end(),
                       [](const Fact& a, const Fact& b) { return a.pos < b.pos; });
    pair_with_queue(facts, t);
    fallback_completion(t, facts);
    return facts;
}

std::uint32_t Analysis::range_mask(const Tree& t, const Masks& masks, std::uint32_t inst, std::uint32_t b,
                                   std::uint32_t e) const
{
    const TokenSpan& c = t.insts[inst].file->code();
    std::uint32_t out = 0;
    for (std::uint32_t k = b; k < e && k < c.size; ++k) {
        if (shared_result(c, k) && !(k > 0 && (c.is(k - 1, "->") || c.is(k - 1, ".")))) {
            k = static_cast<std::uint32_t>(c.close(k + 1));
            continue;
        }
        if (!c.ident(k) || (k > 0 && (c.is(k - 1, "->") || c.is(k - 1, "."))) || c.is(k + 1, "("))
            continue;
        // `iocb->ki_filp`: the file every request shares, not this one's data.
        if ((c.is(k + 1, "->") || c.is(k + 1, ".")) && c.ident(k + 2) && shared_member(c.str(k + 2)))
            continue;
        out |= masks.of(canonical(t, inst, c.str(k)));
    }
    return out;
}

// An argument `req->cfile` passes the value of a pointer member: another
// object (the open file every request of it shares), unless the member
// names a quantity of the request (`iocb->ki_pos`, `rq->len`).
std::uint32_t Analysis::argument_mask(const Tree& t, const Masks& masks, std::uint32_t inst, std::uint32_t b,
                                      std::uint32_t e) const
{
    const TokenSpan& c = t.insts[inst].file->code();
    bool chain = e > b + 2 && c.ident(b);
    for (std::uint32_t k = b + 1; chain && k < e; k += 2)
        chain = k + 1 < e && (c.is(k, "->") || c.is(k, ".")) && c.ident(k + 1);
    if (chain) {
        const std::string_view m = c.str(e - 1);
        static constexpr std::string_view kQuantities[] = {"pos", "len", "count", "size", "offset", "start",
                                                           "length", "bytes", "index", "iter", "iov", "buf",
                                                           "page", "folio", "nr", "ki_"};
        bool quantity = false;
        for (std::string_view q : kQuantities)
            quantity = quantity || m.find(q) != std::string_view::npos;
        if (!quantity)
            return 0;
    }
    return range_mask(t, masks, inst, b, e);
}

void Analysis::classify_waits(Tree& t, std::vector<Fact>& facts, const std::vector<std::size_t>& waits,
                              bool root_mode, const Masks& masks)
{
    // Per instance: the first O_NONBLOCK/IOCB_NOWAIT test, the queue a
    // prepare_to_wait() set up, and whether need_resched() was asked.
    std::vector<std::uint32_t> first_nonblock(t.insts.size(), std::numeric_limits<std::uint32_t>::max());
    for (const Flat& fl : t.events)
        if (fl.ev->kind == Ev::nowait || fl.ev->kind == Ev::nonblock)
            first_nonblock[fl.inst] = std::min(first_nonblock[fl.inst], fl.ev->tok);
    // A callee that tests it, where it is called.
    for (const Fact& f : facts)
        if ((f.kind == FK::nonblock || f.kind == FK::nowait_check) && f.origin >= 0)
            first_nonblock[f.inst] = std::min(first_nonblock[f.inst], t.events[f.pos].ev->tok);
    auto guarded = [&](std::uint32_t inst, std::uint32_t tok) {
        if (first_nonblock[inst] < tok)
            return true;
        for (std::uint32_t i = t.insts[inst].parent; i != kNoParent; i = t.insts[i].parent)
            if (first_nonblock[i] != std::numeric_limits<std::uint32_t>::max())
                return true;
        return false;
    };
    // What the deferred code this path arms wakes ("done", "wait").
    std::set<std::string> signalled;
    for (const Fact& f : facts)
        if (f.kind == FK::deferred) {
            std::size_t s = 0;
            while (s < f.name.size()) {
                const auto comma = f.name.find(',', s);
                signalled.insert(f.name.substr(s, comma - s));
                s = comma + 1;
            }
        }
    auto near = [&](std::uint32_t a, std::uint32_t b) {
        return a == b || t.insts[a].parent == b || t.insts[b].parent == a;
    };
    // Was the object handed to another context before, on a path that can
    // run together with the wait? Then the wait is for that transfer.
    std::vector<std::size_t> starts;  // publishes, submits, deferred: few
    for (std::size_t k = 0; k < facts.size(); ++k)
        if (facts[k].kind == FK::publishes || facts[k].kind == FK::submits || facts[k].kind == FK::deferred)
            starts.push_back(k);
    r_.count(facts.size() + starts.size() * waits.size());
    auto started = [&](const ObjKey& o, std::size_t pos, const Path& path) -> std::size_t {
        if (!o.valid())
            return kNone;
        for (std::size_t k : starts) {
            const Fact& p = facts[k];
            if ((p.kind == FK::publishes || p.kind == FK::submits) && p.obj == o && p.pos <= pos &&
                compatible(p.path, path))
                return k;
        }
        return kNone;
    };
    auto submitted_near = [&](std::size_t pos, std::uint32_t inst, const Path& path) -> std::size_t {
        for (std::size_t k : starts) {
            const Fact& p = facts[k];
            if ((p.kind == FK::submits || p.kind == FK::deferred) && p.pos < pos && near(p.inst, inst) &&
                compatible(p.path, path))
                return k;
        }
        return kNone;
    };
    // Own transfer: the object was handed to another context before, or a
    // completion is waited for right after a submission, or the deferred
    // code this path armed wakes it; and what was started or waited on
    // carries the request's data.
    auto decide_event = [&](Fact& f, const ObjKey& obj, bool for_event, const std::string& target,
                            std::uint32_t known) {
        const std::uint32_t m = known | masks.of(obj);
        std::size_t s = started(obj, f.pos, f.path);
        if (s != kNone && !(m | facts[s].mask))
            s = kNone;
        if (s == kNone && for_event) {
            const std::size_t near_s = submitted_near(f.pos, f.inst, f.path);
            if (near_s != kNone && (m | facts[near_s].mask))
                s = near_s;
        }
        if (s == kNone && !target.empty() && signalled.count(target))
            s = submitted_near(f.pos, f.inst, f.path);
        if (s != kNone) {
            f.kind = FK::engine_wait;
            f.ek = EvidenceKind::engine_wait;
            f.started = s;
            f.mask = m | facts[s].mask;
            const Evidence st = ev_of(t, facts[s]);
            f.note += ", after " + st.what + " (" + loc_text(st.at) + ")";
            return;
        }
        // Waiting on what the caller passed: the caller knows whether it
        // started it.
        const int p = root_mode ? -1 : root_param(t, obj);
        if (p >= 0 && m) {
            f.kind = FK::param_wait;
            f.obj = obj;
            f.mask = m;
            f.for_event = for_event;
            return;
        }
        f.kind = FK::resource;
        f.ek = EvidenceKind::resource_wait;
    };
    // Waits the summaries left to their caller: now their object is known.
    for (Fact& f : facts)
        if (f.kind == FK::param_wait)
            decide_event(f, f.obj, f.for_event, f.name, f.mask);

    std::vector<ObjKey> setup(t.insts.size());
    std::vector<bool> resched(t.insts.size(), false);
    std::size_t next = 0;
    for (std::size_t i = 0; i < t.events.size() && next < waits.size(); ++i) {
        const Flat& fl = t.events[i];
        const Event& ev = *fl.ev;
        if (ev.kind == Ev::call) {
            const Role r = static_cast<Role>(ev.role);
            if (r == Role::wait_setup) {
                const auto objs = arg_objects(t, fl);
                if (!objs.empty())
                    setup[fl.inst] = objs.front();
            } else if (r == Role::need_resched) {
                resched[fl.inst] = true;
            }
        }
        if (waits[next] != i)
            continue;
        ++next;
        Fact f;
        f.pos = i;
        f.inst = fl.inst;
        f.path = fl.path;
        f.ek = EvidenceKind::wait;
        f.name = first_arg_target(t.insts[fl.inst].file->code(), ev);
        if (sync_only(fl.path)) {
            f.kind = FK::sync_path_wait;
            f.ek = EvidenceKind::sync_path_wait;
            f.note += " only for synchronous kiocbs";
            facts.push_back(std::move(f));
            continue;
        }
        const Role role = static_cast<Role>(ev.role);
        if (role == Role::sync_transfer) {
            f.kind = FK::io_wait;
            facts.push_back(std::move(f));
            continue;
        }
        SleepClass cls = sleep_class(ev.name);
        ObjKey obj;
        const std::string_view n = ev.name;
        const bool on_queue = n == "schedule" || n == "io_schedule" || n.starts_with("schedule_timeout") ||
                              n == "wait_woken" || n.starts_with("io_schedule_timeout");
        if (on_queue) {
            if (setup[fl.inst].valid()) {
                obj = setup[fl.inst];
                cls = SleepClass::event;
            } else if (n == "schedule" || resched[fl.inst]) {
                cls = SleepClass::preemption;
            } else {
                // A timed backoff with nothing to wait on.
                cls = SleepClass::resource;
            }
        } else if (cls == SleepClass::event) {
            const auto objs = arg_objects(t, fl, !n.starts_with("wait_for_completion"));
            if (!objs.empty())
                obj = objs.front();
        }
        switch (cls) {
        case SleepClass::lock:
            f.kind = FK::lock;
            f.ek = EvidenceKind::lock_wait;
            break;
        case SleepClass::resource:
            f.kind = FK::resource;
            f.ek = EvidenceKind::resource_wait;
            break;
        case SleepClass::preemption:
            f.kind = FK::preemption;
            f.ek = EvidenceKind::preemption;
            break;
        case SleepClass::delay:
            // A driver's own code sleeps to let its device finish; shared
            // code sleeps to back off and retry.
            if (root_mode && t.insts[fl.inst].file->id() == t.insts.front().file->id()) {
                f.kind = FK::io_wait;
            } else if (root_mode && r_.dir_of(*t.insts[fl.inst].file) == r_.dir_of(*t.insts.front().file)) {
                f.kind = FK::io_wait;
            } else {
                f.kind = FK::resource;
                f.ek = EvidenceKind::resource_wait;
            }
            break;
        case SleepClass::event:
            if (guarded(fl.inst, ev.tok)) {
                f.kind = FK::readiness;
                f.ek = EvidenceKind::readiness_wait;
                f.note += ", refused first under O_NONBLOCK/IOCB_NOWAIT";
                break;
            }
            // A variable's state or a bit is a resource; only a completion or
            // a wait queue can be a transfer's own signal.
            if (n.starts_with("wait_var_event") || n.starts_with("wait_on_bit") || n.starts_with("out_of_line")) {
                f.kind = FK::resource;
                f.ek = EvidenceKind::resource_wait;
                break;
            }
            decide_event(f, obj, n.starts_with("wait_for_completion"), f.name, 0);
            break;
        }
        facts.push_back(std::move(f));
    }
}

// An -EIOCBQUEUED that a callee returns lands in the caller's variable
// (`ret = blkdev_direct_IO(...)`); a later `if (ret < 0 || ...) goto out`
// sends it one way. The queued fact takes that arm, so that the code on the
// other arm (a buffered fallback for the rest) is not on its path.
void Analysis::route_queued(const Tree& t, std::vector<Fact>& facts) const
{
    std::map<std::uint32_t, std::vector<std::size_t>> tests;  // instance -> ret_test flats
    for (std::size_t i = 0; i < t.events.size(); ++i)
        if (t.events[i].ev->kind == Ev::ret_test)
            tests[t.events[i].inst].push_back(i);
    if (tests.empty())
        return;
    for (Fact& q : facts) {
        if (q.kind != FK::queued)
            continue;
        // Where the value is first held: the function's own variable, or the
        // caller's after the call (and its caller's, through `return f()`).
        std::uint32_t inst = q.inst;
        std::string_view var;
        std::uint32_t after = 0;
        if (q.origin >= 0) {
            var = t.events[q.pos].ev->via;
            after = t.events[q.pos].ev->tok;
        } else {
            var = t.events[q.pos].ev->via;
            after = t.events[q.pos].ev->tok;
        }
        for (int hops = 0; hops < 8 && inst < t.insts.size(); ++hops) {
            bool routed = false;
            if (!var.empty())
                if (auto it = tests.find(inst); it != tests.end())
                    for (std::size_t k : it->second) {
                        const Flat& fl = t.events[k];
                        if (fl.ev->name != var || fl.ev->tok <= after || !compatible(fl.path, q.path))
                            continue;
                        // Every later test of it: each sends the value one way.
                        q.path.push_back({t.insts[inst].id, fl.ev->args_begin, fl.ev->nargs, false});
                        routed = true;
                        if (!fl.ev->via.empty() && q.skip_inst == kNoParent) {
                            // It jumps out: everything up to the label (or the
                            // end of the function) is skipped.
                            const Inst& here = t.insts[inst];
                            const TokenSpan& c = here.file->code();
                            const std::uint32_t end = static_cast<std::uint32_t>(c.close(here.def->body));
                            std::uint32_t to = end;
                            if (fl.ev->via != "return")
                                for (std::uint32_t j = fl.ev->args_end; j + 1 < end; ++j)
                                    if (c.str(j) == fl.ev->via && c.is(j + 1, ":")) {
                                        to = j;
                                        break;
                                    }
                            q.skip_inst = inst;
                            q.skip_from = fl.ev->args_end;
                            q.skip_to = to;
                        }
                    }
            (void)routed;  // returned on: the caller's variable takes it next
            const Inst& in = t.insts[inst];
            if (in.parent == kNoParent || !in.call)
                break;
            var = in.call->via;
            after = in.call->tok;
            inst = in.parent;
        }
    }
}

// Whether the queued value jumped over the code of `w`.
bool skipped(const Tree& t, const Fact& q, const Fact& w)
{
    if (q.skip_inst == kNoParent || w.pos >= t.events.size())
        return false;
    // w's position in the function q's value leaves: its own token there,
    // or the call there that leads to it.
    std::uint32_t inst = t.events[w.pos].inst;
    std::uint32_t tok = t.events[w.pos].ev->tok;
    while (inst != q.skip_inst) {
        const Inst& in = t.insts[inst];
        if (in.parent == kNoParent || !in.call)
            return false;
        tok = in.call->tok;
        inst = in.parent;
    }
    return tok >= q.skip_from && tok < q.skip_to;
}

bool alternative_to_submit(const std::vector<Fact>& facts, const Fact& w)
{
    for (const Fact& sub : facts) {
        if (sub.kind != FK::submits || sub.inst != w.inst)
            continue;
        for (const PathStep& a : w.path)
            for (const PathStep& b : sub.path)
                if (a.instance == b.instance && a.scope == b.scope && a.arm != b.arm)
                    return true;
    }
    return false;
}

void Analysis::pair_with_queue(std::vector<Fact>& facts, const Tree& t)
{
    std::vector<Fact> queue_facts;
    for (const Fact& f : facts)
        if (f.kind == FK::queued)
            queue_facts.push_back(f);
    for (Fact& w : facts) {
        if (w.kind != FK::io_wait && w.kind != FK::engine_wait)
            continue;
        bool queued = w.with_queue;
        for (const Fact& q : queue_facts) {
            if (queued)
                break;
            if (q.origin >= 0 && q.origin == w.origin)
                continue;
            if (!compatible(q.path, w.path) || skipped(t, q, w))
                continue;
            // `ret = -EIOCBQUEUED; ... ret = wait_for_completion(...)`: the
            // wait's path does not return the -EIOCBQUEUED set before it.
            if (q.origin < 0 && w.origin < 0 && q.inst == w.inst && q.pos < w.pos && !q.name.empty() &&
                q.name == std::string(t.events[w.pos].ev->via))
                continue;
            queued = true;
        }
        // `if (retry) submit_bio_wait(bio); else submit_bio(bio);`: a sync
        // transfer on one arm of the test that starts it asynchronously on
        // the other is the alternative the queued path does not take.
        if (queued && w.kind == FK::io_wait && alternative_to_submit(facts, w))
            queued = false;
        if (!queued)
            continue;
        if (w.kind == FK::engine_wait) {
            w.kind = FK::engine_wait_queued;
            w.ek = EvidenceKind::wait_after_queueing;
            w.note += " on a path that returns -EIOCBQUEUED";
        } else {
            w.kind = FK::io_wait_queued;
            w.note += " on the path that queues";
        }
    }
}

// The completion may be wired up outside the handler's path: an IRQ
// handler registered at probe time, a work item set up at init.
void Analysis::fallback_completion(Tree& t, std::vector<Fact>& facts)
{
    bool queues = false, deferred = false;
    std::size_t q = 0;
    for (const Fact& f : facts) {
        if (f.kind == FK::queued && f.origin < 0 && !queues) {
            queues = true;
            q = f.pos;
        }
        deferred = deferred || f.kind == FK::deferred;
    }
    if (!queues || deferred || t.insts.empty())
        return;
    const ParsedFile& root = *t.insts.front().file;
    const std::uint32_t dir = r_.dir_of(root);
    std::set<const FunctionDef*> inline_defs;
    for (const Inst& in : t.insts)
        inline_defs.insert(in.def);
    const Completer* best = nullptr;
    for (const Completer& c : r_.completers(dir, dir == kNoFile ? &root : nullptr)) {
        // Not a function the path calls inline (its completion is inline
        // there), unless a reference count decides who completes.
        bool inlined = false;
        for (const Inst& in : t.insts)
            inlined = inlined || (in.def->name == c.def.def->name && in.file->path() == c.def.file->path());
        if (inlined)
            continue;
        // The handler's own file first: a completion there (an IRQ handler
        // next to the fops) is the likeliest to be this fops's.
        if (!best || (c.def.file->path() == root.path() && best->def.file->path() != root.path()))
            best = &c;
    }
    if (!best)
        return;
    note_range(best->def.file, best->def.def);
    Fact f;
    f.kind = FK::deferred;
    f.pos = q;
    f.inst = 0;
    f.ek = EvidenceKind::deferred_completion;
    f.base = std::make_shared<Evidence>(Evidence{EvidenceKind::deferred_completion, best->at,
            best->what + " in " + std::string(best->def.def->name) +
                (best->def.file->path() == root.path() ? ", elsewhere in this file" : ", elsewhere in the module") +
                " (not reached from this handler's path)",
            "", {}});
    facts.push_back(std::move(f));
}

// Members and engines, resolved against the fops's module.
std::shared_ptr<const Expansion> Analysis::expansion(const XFact& x, int depth)
{
    auto& impl = s_.impl();
    const std::string key =
        std::to_string(root_home_) + "/" +
        (root_home_ == kNoFile ? std::to_string(reinterpret_cast<std::uintptr_t>(root_file_)) : "") + "/" +
        exported_fops_ + "/" + std::to_string(static_cast<int>(x.kind)) + "/" +
        std::to_string(static_cast<int>(x.role)) + "/" + x.name + "#" + std::to_string(depth) + [&] {
            std::string types;
            for (const std::string& a : x.arg_types)
                types += "," + a;
            return types;
        }();
    {
        std::lock_guard lock(impl.mu);
        if (auto it = impl.expansions.find(key); it != impl.expansions.end())
            return it->second;
    }
    Expansion e;
    std::set<model::LineRange> saved;
    saved.swap(ranges_);
    if (x.kind == FK::engine_role) {
        XFact neutral;
        neutral.kind = x.kind;
        neutral.role = x.role;
        neutral.name = x.name;
        e.facts = engine_facts(neutral, depth);
        e.any = true;
    } else {
        const auto& binds = r_.ops(root_home_, root_home_ == kNoFile ? root_file_ : nullptr, x.name,
                                   file_operation_member(x.name));
        for (const OpsBinding& b : binds) {
            for (const Definition& d : b.defs) {
                // Tables of different types share member names (a line
                // discipline's ->write and a tty driver's): the function
                // must take as many arguments as the call passes.
                const auto params = parameter_names(d.file->code(), *d.def);
                if (params.size() != x.arg_params.size() && !(params.size() && params.back().empty()))
                    continue;
                // Nor can a `struct device *` be passed where the function
                // takes a `struct hci_dev *`: an ACPI bus type's ->setup is
                // not a Bluetooth driver's.
                bool typed = true;
                for (std::size_t k = 0; k < x.arg_types.size() && k < params.size() && typed; ++k)
                    if (!x.arg_types[k].empty() && !params[k].empty()) {
                        const std::string_view want =
                            declared_struct(d.file->code(), *d.def, params[k], true);
                        typed = want.empty() || want == x.arg_types[k];
                    }
                if (!typed)
                    continue;
                auto sum = summary(d, limits_.summary_depth);
                if (!sum)
                    continue;
                e.any = true;
                for (const auto& r : sum->ranges)
                    ranges_.insert(r);
                for (XFact y : expand(sum->facts, depth)) {
                    const std::string below = y.ev ? y.ev->chain : std::string();
                    mut(y).chain = "->" + x.name + " = " + b.function + (below.empty() ? "" : " > " + below);
                    e.facts.push_back(std::move(y));
                }
            }
        }
    }
    e.ranges.assign(ranges_.begin(), ranges_.end());
    ranges_.swap(saved);
    auto out = std::make_shared<const Expansion>(std::move(e));
    std::lock_guard lock(impl.mu);
    return impl.expansions.emplace(key, std::move(out)).first->second;
}

std::vector<XFact> Analysis::expand(const std::vector<XFact>& in, int depth)
{
    std::vector<XFact> out;
    for (const XFact& x : in) {
        if (x.kind != FK::hole && x.kind != FK::engine_role) {
            out.push_back(x);
            continue;
        }
        if (depth <= 0 || (x.kind == FK::hole && cleanup_member(x.name)))
            continue;
        const auto exp = expansion(x, depth - 1);
        for (const auto& r : exp->ranges)
            ranges_.insert(r);
        if (!exp->any) {
            if (x.kind == FK::hole)
                out.push_back(x);  // stays a hole: the caller reports it if it carries the kiocb
            continue;
        }
        auto map = [&](int p) {
            return p >= 0 && static_cast<std::size_t>(p) < x.arg_params.size() ? x.arg_params[static_cast<std::size_t>(p)]
                                                                              : -1;
        };
        for (XFact y : exp->facts) {
            if (x.scen && y.scen && x.scen != y.scen)
                continue;
            y.scen = y.scen ? y.scen : x.scen;
            y.with_queue = y.with_queue || x.with_queue;
            if (x.ev && !x.ev->chain.empty()) {
                const std::string below = y.ev ? y.ev->chain : std::string();
                mut(y).chain = x.ev->chain + (below.empty() ? "" : " > " + below);
            }
            // What the engine itself says is said where it is called.
            if (x.ev && y.ev && y.ev->at.file.empty())
                mut(y).at = x.ev->at;
            if (x.kind == FK::hole) {
                // From the member's parameters to the hole's arguments.
                y.param = map(y.param);
                for (int& a : y.arg_params)
                    a = map(a);
                y.mask = map_mask(y.mask, x.arg_masks, -1);
                for (std::uint32_t& a : y.arg_masks)
                    a = map_mask(a, x.arg_masks, -1);
                if ((y.kind == FK::engine_wait || y.kind == FK::engine_wait_queued) && !y.mask) {
                    y.kind = FK::resource;
                    mut(y).kind = EvidenceKind::resource_wait;
                }
            }
            out.push_back(std::move(y));
        }
    }
    return out;
}

// Parameters that are not a file, mapping, inode or superblock.
std::uint32_t request_parameters(const ParsedFile& f, const FunctionDef& d)
{
    const TokenSpan& c = f.code();
    const std::size_t open = d.name_tok + 1;
    if (!c.is(open, "("))
        return ~0u;
    const std::size_t close = std::min<std::size_t>(c.close(open), c.size);
    std::uint32_t out = 0;
    std::size_t k = 0;
    bool shared = false;
    for (std::size_t i = open + 1; i <= close && i < c.size; ++i) {
        if (i == close || c.is(i, ",")) {
            if (!shared)
                out |= param_bit(k);
            ++k;
            shared = false;
            continue;
        }
        if (c.is(i, "(") || c.is(i, "["))
            i = std::min<std::size_t>(c.close(i), close) - 1;
        else if (c.is(i, "file") || c.is(i, "address_space") || c.is(i, "inode") || c.is(i, "super_block"))
            shared = true;
    }
    return out;
}

std::vector<XFact> Analysis::module_op_facts(std::string_view member, const XFact& at, int depth,
                                             std::vector<std::string>* names, bool fill)
{
    std::vector<XFact> out;
    for (const OpsBinding& b : r_.ops(root_home_, root_home_ == kNoFile ? root_file_ : nullptr, member)) {
        // An exported fops's engines reach its installer's operations: of
        // its own directory, only what its own file binds speaks for it.
        if (!exported_fops_.empty() && b.at.file != root_file_->path())
            continue;
        if (names)
            names->push_back(b.function + " (" + loc_text(b.at) + ")");
        if (refuses_direct_io(b.function))
            continue;
        if (b.defs.empty()) {
            XFact u = at;
            u.kind = FK::unresolved;
            u.name = b.function;
            Evidence& ue = mut(u);
            ue.kind = EvidenceKind::unresolved;
            ue.what = "->" + std::string(member) + " = " + b.function + ", not in the scanned paths";
            ue.at = b.at;
            out.push_back(std::move(u));
            continue;
        }
        for (const Definition& d : b.defs) {
            auto s = summary(d, limits_.summary_depth);
            if (!s)
                continue;
            for (const auto& r : s->ranges)
                ranges_.insert(r);
            // A page-cache fill is for the folio (the range) this request
            // reads; its file, mapping and inode are every request's.
            const std::uint32_t own = fill ? request_parameters(*d.file, *d.def) : ~0u;
            for (XFact y : expand(s->facts, depth)) {
                const std::string below = y.ev ? y.ev->chain : std::string();
                mut(y).chain =
                    std::string("->") + std::string(member) + " = " + b.function + (below.empty() ? "" : " > " + below);
                if (fill && (y.kind == FK::engine_wait || y.kind == FK::engine_wait_queued)) {
                    if (y.mask & own) {
                        y.mask = ~0u;
                    } else {
                        y.kind = FK::resource;
                        mut(y).kind = EvidenceKind::resource_wait;
                    }
                }
                out.push_back(std::move(y));
            }
        }
    }
    return out;
}

std::vector<XFact> Analysis::engine_facts(const XFact& x, int depth)
{
    std::vector<XFact> out;
    auto with = [&](XFact y, std::int8_t scen) {
        if (scen && y.scen && y.scen != scen)
            return;
        y.scen = scen ? scen : y.scen;
        if (x.scen && y.scen && x.scen != y.scen)
            return;
        y.scen = y.scen ? y.scen : x.scen;
        y.with_queue = y.with_queue || x.with_queue;
        if (x.ev && !x.ev->chain.empty()) {
            const std::string below = y.ev ? y.ev->chain : std::string();
            mut(y).chain = x.ev->chain + (below.empty() ? "" : " > " + below);
        }
        out.push_back(std::move(y));
    };
    auto note = [&](FK kind, EvidenceKind ek, std::string what, std::int8_t scen) {
        XFact y = x;
        y.kind = kind;
        y.mask = ~0u;
        Evidence& ye = mut(y);
        ye.kind = ek;
        ye.what = std::move(what);
        ye.chain.clear();
        y.role = Role::none;
        with(std::move(y), scen);
    };
    const bool read = x.role == Role::generic_read || x.role == Role::pagecache_read;
    if (x.role == Role::generic_read || x.role == Role::generic_write) {
        // O_DIRECT: whatever ->direct_IO does with the caller's kiocb.
        std::vector<std::string> names;
        std::vector<XFact> dio = module_op_facts("direct_IO", x, depth, &names);
        bool real = false;
        for (const auto& n : names)
            real = real || !refuses_direct_io(n.substr(0, n.find(' ')));
        if (real) {
            for (XFact& y : dio)
                with(std::move(y), 1);
            note(FK::buffered, EvidenceKind::direct_io, x.name + "() under O_DIRECT calls ->direct_IO = " + names.front(), 1);
        } else if (names.empty() && !exported_fops_.empty()) {
            XFact u = x;
            u.kind = FK::unresolved;
            u.name = "->direct_IO";
            Evidence& ue = mut(u);
            ue.kind = EvidenceKind::unresolved;
            ue.what = x.name + "() under O_DIRECT calls the ->direct_IO of the file system that installs " +
                      exported_fops_ + " (exported), which the scan cannot tell";
            with(std::move(u), 1);
        } else {
            note(FK::buffered, EvidenceKind::buffered_io,
                 names.empty() ? x.name + "(): no ->direct_IO in this module, O_DIRECT is refused"
                               : x.name + "(): ->direct_IO = " + names.front() + " refuses O_DIRECT",
                 1);
        }
    }
    // The page cache: a miss (a partial write's block) comes from
    // ->read_folio (->write_begin), and the caller waits for the folio.
    std::vector<std::string> names;
    std::vector<XFact> fill;
    for (std::string_view m : read ? std::span<const std::string_view>(kReadFolioOps)
                                   : std::span<const std::string_view>(kWriteBeginOps))
        for (XFact& y : module_op_facts(m, x, depth, &names, true))
            fill.push_back(std::move(y));
    const std::int8_t scen = (x.role == Role::generic_read || x.role == Role::generic_write) ? -1 : 0;
    if (std::getenv("AIO_AUDIT_SCAN_DEBUG"))
        for (const XFact& y : fill)
            if (y.kind == FK::engine_wait || y.kind == FK::engine_wait_queued)
                std::fprintf(stderr, "fill %s: engine mask %x: %s at %s:%u [%s]\n", x.name.c_str(), y.mask,
                             y.ev->what.c_str(), y.ev->at.file.c_str(), y.ev->at.line, y.ev->chain.c_str());
    const XFact* engine = nullptr;
    const XFact* device = nullptr;
    bool unseen = false;
    for (const XFact& y : fill) {
        unseen = unseen || y.kind == FK::unresolved;
        if (y.kind == FK::engine_wait || y.kind == FK::engine_wait_queued)
            engine = engine ? engine : &y;
        // Starting work elsewhere or waiting for it: a fill that is not a
        // plain copy (simple_read_folio zeroes the folio and returns).
        // The evidence names a device read where there is one.
        if (y.kind == FK::reads_device && (!device || device->kind != FK::reads_device))
            device = &y;
        else if (y.kind == FK::publishes || y.kind == FK::io_wait || y.kind == FK::io_wait_queued ||
                 y.kind == FK::direct_engine || y.kind == FK::queued || y.kind == FK::hole)
            device = device ? device : &y;
        if (y.kind == FK::unresolved || is_may_sleep(y.kind))
            with(y, scen);
    }
    const std::string via = read ? "->read_folio" : "->write_begin";
    const bool iomap = x.name.starts_with("iomap_");
    if (engine) {
        note(FK::engine_wait, EvidenceKind::engine_wait,
             x.name + "(): a page-cache miss waits for " + via + " = " + names.front() +
                 ", which waits for its own transfer: " + engine->ev->what + " at " + loc_text(engine->ev->at),
             scen);
    } else if (device || iomap || (names.empty() && read) || (unseen && read)) {
        std::string what = x.name + "(): " + (read ? "a page-cache miss" : "a partial write");
        if (unseen && !device)
            what += " reads through " + via + " = " + names.front() + ", which the scan did not see: assumed to "
                    "read a device";
        else if (device)
            what += " reads the device through " + via + " = " + names.front() + " (" + device->ev->what + " at " +
                    loc_text(device->ev->at) + ") and waits for the folio";
        else if (iomap)
            what += " reads the block synchronously (iomap)";
        else if (!exported_fops_.empty())
            what += " reads through the " + via + " of the file system that installs " + exported_fops_ +
                    " (exported): assumed to read a device";
        else
            what += " reads through " + via + ", which this module does not set: assumed to read a device";
        note(FK::io_wait, EvidenceKind::wait, std::move(what), scen);
        if (names.empty() && read && !iomap) {
            XFact u = x;
            u.kind = FK::unresolved;
            u.name = via;
            Evidence& ue = mut(u);
            ue.kind = EvidenceKind::unresolved;
            ue.what =
                x.name + "(): " + via +
                (exported_fops_.empty() ? " not found in this module"
                                        : " is the installing file system's, which the scan cannot tell");
            with(std::move(u), scen);
        }
    } else {
        note(FK::buffered, EvidenceKind::buffered_io,
             x.name + "(): page cache only: " + (names.empty() ? via + " not set" : via + " = " + names.front()) +
                 " does no device I/O",
             scen);
    }
    return out;
}

model::HandlerReport Analysis::handler(OpKind op, std::string_view name, const ParsedFile& file,
                                       const FopsDecl& decl)
{
    model::HandlerReport r;
    r.op = op;
    r.handler = std::string(name);
    model::StaticEvidence& e = r.facts;
    root_file_ = &file;
    root_home_ = r_.dir_of(file);
    exported_fops_ = exported(file, decl) ? decl.name : std::string();

    if (decl.macro && !decl.expansion) {
        for (auto p : decl.macro->params)
            if (p == name) {
                e.resolved = false;
                r.reason = "the handler is `" + std::string(name) + "`, a parameter of macro " +
                           std::string(decl.macro->name) + ": each expansion names its own";
                r.evidence.push_back({EvidenceKind::unresolved, {file.path(), decl.line}, r.reason, "", {}});
                const model::StaticVerdict v = model::classify_static(e);
                r.verdict = v.verdict;
                return r;
            }
    }

    // A library engine named as the handler is what the scanner knows of
    // it, not its code (generic_file_read_iter reads ->direct_IO and the
    // page cache of this module).
    const bool engine = known_handler(name) != KnownHandler::none;
    std::vector<Definition> defs = engine ? std::vector<Definition>{} : r_.functions(file, name);
    std::vector<Fact> facts;
    Tree tree;
    if (defs.empty()) {
        const KnownHandler known = known_handler(name);
        if (known == KnownHandler::generic_read || known == KnownHandler::generic_write) {
            XFact x;
            x.kind = FK::engine_role;
            x.role = call_role(name);
            x.name = std::string(name);
            x.ev = std::make_shared<Evidence>(
                Evidence{EvidenceKind::buffered_io, {file.path(), decl.line}, std::string(name), "", {}});
            tree.insts.push_back({});
            tree.events.push_back({});
            splice(facts, 0, {}, 0, -1, expand({x}, 3), {}, nullptr);
            e.nowait_checked = true;
        } else if (known == KnownHandler::seq_file) {
            r.reason = "seq_file: the text is generated inline";
        } else {
            e.resolved = false;
            r.reason = std::string(name) + " is not defined in the scanned paths";
            r.evidence.push_back({EvidenceKind::unresolved, {file.path(), decl.line}, r.reason, "", {}});
            r.unresolved.push_back({std::string(name), {file.path(), decl.line}, ""});
        }
    } else {
        r.definition = {defs.front().file->path(), defs.front().def->line};
        Result res = run(defs, std::string(name), limits_.summary_depth, Mode::root);
        facts = std::move(res.facts);
        tree = std::move(res.tree);
        if (tree.truncated)
            r.evidence.push_back({EvidenceKind::unresolved, r.definition,
                                  "call tree cut at " + std::to_string(limits_.max_instances) + " functions", "",
                                  {}});
    }

    if (std::getenv("AIO_AUDIT_SCAN_DEBUG") && facts.size() > 5000) {
        std::map<int, std::size_t> by;
        for (const Fact& f : facts)
            ++by[static_cast<int>(f.kind)];
        std::fprintf(stderr, "facts %s: %zu:", std::string(name).c_str(), facts.size());
        for (auto [k, n] : by)
            std::fprintf(stderr, " %d=%zu", k, n);
        std::fprintf(stderr, "\n");
    }
    // The two views: O_DIRECT requests and the others.
    std::string gates[2];  // the one feature every queueing path needs; "-": none
    std::map<std::pair<int, std::string>, std::size_t> shown;
    std::set<std::pair<std::string, std::string>> unresolved_seen;
    std::set<std::tuple<int, std::string, std::uint32_t>> evidence_seen;
    bool inline_queued_path = false;
    for (const Fact& f : facts) {
        const int d = direct_only(f.path);
        const bool sync_path = sync_only(f.path);
        auto views = [&](auto fn) {
            if (d >= 0)
                fn(e.direct);
            if (d <= 0)
                fn(e.other);
        };
        bool show = true;
        switch (f.kind) {
        case FK::queued:
            views([](model::PathFacts& p) { p.queues = p.reached = true; });
            views([&](model::PathFacts& p) {
                auto& g = gates[&p == &e.direct ? 0 : 1];
                if (f.gate.empty() || (!g.empty() && g != f.gate))
                    g = "-";
                else if (g.empty())
                    g = f.gate;
            });
            break;
        case FK::deferred: views([](model::PathFacts& p) { p.deferred_completion = p.reached = true; }); break;
        case FK::engine_wait_queued:
            views([](model::PathFacts& p) { p.engine_wait_queued = p.engine_wait = p.reached = true; });
            e.sleeps_unchecked = true;
            break;
        case FK::io_wait_queued:
            views([](model::PathFacts& p) { p.io_wait_queued = p.io_wait = p.reached = true; });
            e.sleeps_unchecked = true;
            break;
        case FK::engine_wait:
            views([](model::PathFacts& p) { p.engine_wait = p.reached = true; });
            e.sleeps_unchecked = true;
            break;
        case FK::io_wait:
            views([](model::PathFacts& p) { p.io_wait = p.reached = true; });
            e.sleeps_unchecked = true;
            break;
        case FK::direct_engine: views([](model::PathFacts& p) { p.direct_engine = p.reached = true; }); break;
        case FK::forwards: views([](model::PathFacts& p) { p.forwards = p.reached = true; }); break;
        case FK::sync_forward: views([](model::PathFacts& p) { p.sync_forward = p.reached = true; }); break;
        case FK::lock:
        case FK::resource:
        case FK::preemption:
        case FK::readiness:
        case FK::param_wait:
            e.may_sleep = true;
            e.sleeps_unchecked = e.sleeps_unchecked || f.kind != FK::preemption;
            e.readiness_wait = e.readiness_wait || f.kind == FK::readiness;
            show = ++shown[{static_cast<int>(f.kind), {}}] <= kMaySleepShown;
            break;
        case FK::cancel: e.cancel = true; break;
        case FK::nowait_check: e.nowait_checked = true; break;
        case FK::double_done: e.double_completion = true; break;
        case FK::inline_done: inline_queued_path = true; break;
        case FK::unresolved:
        case FK::hole: {
            if (sync_path)
                break;
            // A member call the module does not resolve matters when it
            // receives the request itself.
            // A call through a member nobody installs in this module matters
            // when the handler's own code hands it the request's data (a
            // kernfs attribute's ->read); in other modules' code, only when
            // it is handed the kiocb itself.
            if (f.kind == FK::hole) {
                bool request = false;
                // `->pfn_is_ram(cb, pfn)` asks; it does not transfer.
                const bool query = f.name.starts_with("is_") || f.name.find("_is_") != std::string::npos;
                if (f.origin < 0 && !query)
                    for (std::uint32_t m : f.arg_masks)
                        request = request || m != 0;
                for (const ObjKey& a : f.args)
                    request = request || (a.valid() && root_param(tree, a) == 0);
                if (!request) {
                    show = false;
                    break;
                }
            }
            e.resolved = false;
            for (const ObjKey& a : f.args)
                e.unseen_gets_kiocb = e.unseen_gets_kiocb || (a.valid() && root_param(tree, a) == 0);
            if (f.origin >= 0)
                e.unseen_gets_kiocb = true;  // deep in another module: who knows what it was handed
            const std::string shown_name = f.kind == FK::hole ? "->" + f.name : f.name;
            const Evidence ue = ev_of(tree, f);
            if (unresolved_seen.insert({shown_name, loc_text(ue.at)}).second)
                r.unresolved.push_back({shown_name, ue.at, ue.chain});
            show = ++shown[{static_cast<int>(FK::unresolved), shown_name}] <= 1;
            break;
        }
        case FK::propagates:
        case FK::buffered:
        case FK::sync_path_wait: break;
        default: show = false; break;
        }
        if (!show)
            continue;
        Evidence ev = ev_of(tree, f);
        if (f.kind == FK::param_wait) {
            ev.kind = EvidenceKind::resource_wait;
        }
        if (d)
            ev.condition = d > 0 ? "o_direct" : "!o_direct";
        if (!evidence_seen.insert({static_cast<int>(ev.kind), loc_text(ev.at), static_cast<std::uint32_t>(d + 1)})
                 .second)
            continue;
        r.evidence.push_back(std::move(ev));
        if (f.kind == FK::engine_wait || f.kind == FK::engine_wait_queued) {
            if (f.started != kNone && f.started < facts.size()) {
                Evidence st = ev_of(tree, facts[f.started]);
                st.kind = EvidenceKind::started;
                r.evidence.push_back(std::move(st));
            }
        }
    }
    (void)inline_queued_path;
    for (int k = 0; k < 2; ++k) {
        model::PathFacts& p = k == 0 ? e.direct : e.other;
        if (p.queues && !gates[k].empty() && gates[k] != "-")
            p.queue_gate = gates[k];
    }
    // An engine wait that no relay call can share a path with (fuse: the
    // passthrough branch relays, the others wait for the daemon).
    for (const Fact& w : facts) {
        if (w.kind != FK::engine_wait)
            continue;
        bool shares = false;
        for (const Fact& r2 : facts)
            shares = shares || ((r2.kind == FK::forwards || r2.kind == FK::sync_forward) && compatible(w.path, r2.path));
        if (shares)
            continue;
        const int d = direct_only(w.path);
        if (d >= 0)
            e.direct.engine_wait_apart = true;
        if (d <= 0)
            e.other.engine_wait_apart = true;
    }

    // An inline ki_complete on a path that does not return -EIOCBQUEUED is
    // completed a second time by fs/aio.c (aio_rw_done). Only in the handler
    // and what it calls directly: deeper down, reference counts that the
    // scanner does not follow (fuse's io->reqs) decide who completes.
    auto depth_of = [&](std::uint32_t inst) {
        int dd = 0;
        for (std::uint32_t i = tree.insts[inst].parent; i != kNoParent; i = tree.insts[i].parent)
            ++dd;
        return dd;
    };
    for (const Fact& c : facts) {
        if (c.kind != FK::inline_done || c.origin >= 0 || tree.insts.size() <= c.inst || depth_of(c.inst) > 1)
            continue;
        bool queued_too = false;
        for (const Fact& q : facts)
            queued_too = queued_too || (q.kind == FK::queued && compatible(q.path, c.path));
        if (!queued_too) {
            e.double_completion = true;
            const Evidence ce = ev_of(tree, c);
            r.evidence.push_back({EvidenceKind::double_completion, ce.at,
                                  "completes inline, then returns a result that fs/aio.c completes again", ce.chain,
                                  {}});
        }
    }

    if (const auto& adv = nowait_promise_) {
        e.nowait_advertised = true;
        r.evidence.push_back({EvidenceKind::nowait_advertised, *adv, "f_mode |= FMODE_NOWAIT", "", {}});
    }

    const model::StaticVerdict v = model::classify_static(e);
    r.verdict = v.verdict;
    r.condition = v.condition;
    r.otherwise = v.otherwise;
    r.findings = model::contract_findings(e, v);
    const bool fwd = e.direct.forwards || e.other.forwards;
    const bool sync_fwd = e.direct.sync_forward || e.other.sync_forward;
    if (fwd)
        r.relay = "async";
    else if (sync_fwd)
        r.relay = "sync";

    auto first_of = [&](std::initializer_list<EvidenceKind> kinds) -> const Evidence* {
        for (EvidenceKind k : kinds)
            for (const auto& ev : r.evidence)
                if (ev.kind == k)
                    return &ev;
        return nullptr;
    };
    auto said = [&](std::initializer_list<EvidenceKind> kinds) {
        const Evidence* ev = first_of(kinds);
        return ev ? ev->what + " at " + loc_text(ev->at) : std::string("?");
    };
    if (!r.reason.empty() && r.verdict != Verdict::sync)
        return r;
    switch (r.verdict) {
    case Verdict::fake_async:
        r.reason = "waits for its own transfer: " +
                   said({EvidenceKind::wait_after_queueing, EvidenceKind::engine_wait});
        break;
    case Verdict::async:
    case Verdict::odirect_async:
        if (const Evidence* q = first_of({EvidenceKind::queued}); q && (e.direct.queues || e.other.queues))
            r.reason = "returns " + q->what + " at " + loc_text(q->at) +
                       "; completes later: " + said({EvidenceKind::deferred_completion});
        else
            r.reason = "delegates to generic direct I/O: " + said({EvidenceKind::direct_io});
        break;
    case Verdict::blocking:
        if (first_of({EvidenceKind::wait}) || !sync_fwd)
            r.reason = "waits for its own I/O in submission: " + said({EvidenceKind::wait});
        else
            r.reason = "relay: calls another file synchronously and waits for it: " +
                       said({EvidenceKind::sync_forward});
        break;
    case Verdict::unknown:
        if ((e.direct.queues && !e.direct.deferred_completion) || (e.other.queues && !e.other.deferred_completion))
            r.reason = "returns " + said({EvidenceKind::queued}) + ", but no deferred completion was found";
        else if (fwd)
            r.reason = "relay: hands the caller's kiocb to another file (" + said({EvidenceKind::forwards}) +
                       "): as asynchronous as that file";
        else if (sync_fwd)
            r.reason = "relay: calls another file synchronously (" + said({EvidenceKind::sync_forward}) +
                       "): sync or blocking, as that file is";
        else if (!e.resolved) {
            std::string names;
            std::set<std::string> said_names;
            for (const auto& u : r.unresolved) {
                if (!said_names.insert(u.name).second)
                    continue;
                if (said_names.size() > 3) {
                    names += ", ...";
                    break;
                }
                names += (said_names.size() > 1 ? ", " : "") + u.name + " (" + loc_text(u.at) + ")";
            }
            r.reason = "nothing seen waits for the I/O, but the path calls code the scan did not see: " + names;
        }
        break;
    case Verdict::sync:
        if (r.reason.empty())
            r.reason = "completes inline; nothing on its paths waits for the I/O";
        if (const Evidence* rw = first_of({EvidenceKind::readiness_wait, EvidenceKind::lock_wait,
                                           EvidenceKind::resource_wait}))
            r.reason += " (may sleep: " + rw->what + " at " + loc_text(rw->at) + ")";
        break;
    case Verdict::unsupported:
    case Verdict::thread_async: break;
    }
    return r;
}

void Analysis::find_nowait_promise(const ParsedFile& file, std::string_view open_handler)
{
    nowait_promise_ = r_.nowait_promise(file);
    if (nowait_promise_)
        return;
    if (open_handler.empty())
        return;
    const std::vector<Definition> defs = r_.in_module(file, open_handler);
    if (defs.empty())
        return;
    const Tree t = build(defs, std::string(open_handler), 0, Mode::deferred);
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

Analyzer::Analyzer(Resolver& resolver, Summaries& summaries, const AnalyzerLimits& limits)
    : resolver_(resolver), summaries_(summaries), limits_(limits)
{
}

// The first macro of the initializer that may name a read or write handler:
// one not defined in this file, or one with a definition there that names
// such a member or uses another macro (KVM_COMPAT's two definitions name
// only compat_ioctl and open: they hide none).
std::string_view hiding_macro(const ParsedFile& file, const FopsDecl& decl)
{
    static constexpr std::string_view kIo[] = {"read",           "write",     "read_iter",
                                               "write_iter",     "aio_read",  "aio_write",
                                               "proc_read_iter", "proc_read", "proc_write"};
    for (std::string_view name : decl.opaque) {
        bool defined = false, hides = false;
        for (const Macro& m : file.macros()) {
            if (m.name != name)
                continue;
            defined = true;
            const TokenSpan body = file.macro_span(m);
            for (std::size_t k = 0; k < body.size && !hides; ++k) {
                if (!body.ident(k))
                    continue;
                const bool member = k > 0 && (body.is(k - 1, ".") || body.is(k - 1, "->"));
                hides =
                    member ? std::find(std::begin(kIo), std::end(kIo), body.str(k)) != std::end(kIo)
                           : all_caps(body.str(k)) && body.str(k) != "NULL" && body.str(k) != "THIS_MODULE" &&
                                 std::find(m.params.begin(), m.params.end(), body.str(k)) == m.params.end();
            }
        }
        if (!defined || hides)
            return name;
    }
    return {};
}

model::FopsReport Analyzer::analyze(const ParsedFile& file, const FopsDecl& decl)
{
    model::FopsReport rep;
    rep.at = {file.path(), decl.line};
    rep.name = decl.name;
    rep.origin = decl.origin;
    rep.type = decl.type;
    Analysis a(resolver_, summaries_, limits_);

    const TokenSpan span = decl.macro ? file.macro_span(*decl.macro) : file.code();
    static constexpr std::array<std::pair<std::string_view, OpKind>, 5> kOps = {{
        {"read_iter", OpKind::read_iter},
        {"write_iter", OpKind::write_iter},
        {"aio_read", OpKind::aio_read},
        {"aio_write", OpKind::aio_write},
        {"proc_read_iter", OpKind::proc_read_iter},
    }};
    std::string_view open_handler;
    for (const FopsMember& m : decl.members)
        if (m.field == "open" || m.field == "proc_open") {
            const auto names = handler_names(file, span, m);
            if (!names.empty())
                open_handler = names.front();
        }

    std::vector<model::StaticVerdict> verdicts;
    bool any_handler = false;
    for (const auto& [field, op] : kOps)
        for (const FopsMember& m : decl.members)
            any_handler = any_handler || (m.field == field && !handler_names(file, span, m).empty());
    if (any_handler)
        a.find_nowait_promise(file, open_handler);
    for (const auto& [field, op] : kOps) {
        for (const FopsMember& m : decl.members) {
            if (m.field != field)
                continue;
            for (std::string_view h : handler_names(file, span, m)) {
                rep.handlers.push_back(a.handler(op, h, file, decl));
                const auto& hr = rep.handlers.back();
                verdicts.push_back({hr.verdict, hr.condition, hr.otherwise});
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

    const char* none_text = decl.type == "proc_ops"
                                ? "no proc_read_iter: io_submit gets -EINVAL"
                                : "no read_iter/write_iter (nor 2.6's aio_read/aio_write): io_submit gets -EINVAL";
    if (!decl.unknown_reason.empty()) {
        rep.verdict = Verdict::unknown;
        rep.reason = decl.unknown_reason;
    } else if (!verdicts.empty()) {
        const model::StaticVerdict v = model::combine_static(verdicts);
        rep.verdict = v.verdict;
        rep.condition = v.condition;
        rep.otherwise = v.otherwise;
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
    } else if (const std::string_view hidden = hiding_macro(file, decl); !hidden.empty()) {
        rep.verdict = Verdict::unknown;
        rep.reason = "the initializer uses macro " + std::string(hidden) + ", which may name the handlers";
    } else if (decl.origin == model::FopsOrigin::runtime && decl.members.empty()) {
        rep.verdict = Verdict::unknown;
        rep.reason = "filled in at run time, and no member assignments were found in this file";
    } else {
        rep.verdict = Verdict::unsupported;
        rep.reason = none_text;
    }
    for (const auto& h : rep.handlers)
        for (auto f : h.findings)
            if (std::find(rep.findings.begin(), rep.findings.end(), f) == rep.findings.end())
                rep.findings.push_back(f);
    std::sort(rep.findings.begin(), rep.findings.end());
    return rep;
}

bool has_async_handlers(const ParsedFile& file, const FopsDecl& decl)
{
    const TokenSpan span = decl.macro ? file.macro_span(*decl.macro) : file.code();
    for (const FopsMember& m : decl.members)
        if ((m.field == "read_iter" || m.field == "write_iter" || m.field == "aio_read" || m.field == "aio_write" ||
             m.field == "proc_read_iter") &&
            !handler_names(file, span, m).empty())
            return true;
    return false;
}

model::FopsReport analyze_alone(const ParsedFile& file, const FopsDecl& decl)
{
    Resolver resolver(nullptr);
    Summaries summaries;
    Analyzer a(resolver, summaries);
    return a.analyze(file, decl);
}

}  // namespace aio::scan
