// SPDX-License-Identifier: GPL-2.0-only
#include "scan/body_walker.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "scan/knowledge.h"

namespace aio::scan {

bool compatible(const Path& a, const Path& b)
{
    for (const auto& x : a)
        for (const auto& y : b)
            if (x.instance == y.instance && x.scope == y.scope && x.arm != y.arm)
                return false;
    return true;
}

bool sync_only(const Path& p)
{
    return std::any_of(p.begin(), p.end(), [](const PathStep& s) { return s.sync_only; });
}

int direct_only(const Path& p)
{
    for (const auto& s : p)
        if (s.instance == kSharedDecision && s.scope == kDirectScope)
            return s.arm ? 1 : -1;
    return 0;
}

std::vector<std::string_view> parameter_names(const TokenSpan& c, const FunctionDef& fn)
{
    std::vector<std::string_view> out;
    const std::size_t open = fn.name_tok + 1;
    if (!c.is(open, "("))
        return out;
    const std::size_t close = std::min<std::size_t>(c.close(open), c.size);
    std::string_view last;
    for (std::size_t k = open + 1; k <= close && k < c.size; ++k) {
        if (k == close || c.is(k, ",")) {
            if (!(out.empty() && k == close && (last.empty() || last == "void")))
                out.push_back(last);
            last = {};
            continue;
        }
        if (c.is(k, "(")) {
            // `void (*fn)(int)`: the name is inside the first parentheses.
            const std::size_t e = std::min<std::size_t>(c.close(k), close);
            for (std::size_t j = k + 1; j < e; ++j)
                if (c.ident(j))
                    last = c.str(j);
            k = e;
            if (c.is(k + 1, "("))
                k = std::min<std::size_t>(c.close(k + 1), close);
            continue;
        }
        if (c.is(k, "[")) {
            k = std::min<std::size_t>(c.close(k), close);
            continue;
        }
        if (c.ident(k) && !c.str(k).starts_with("__"))
            last = c.str(k);
    }
    return out;
}

namespace {

// Deeper nesting than this is walked as flat expressions: enough for any
// real function, and it bounds the stack for fuzzed input.
constexpr int kMaxDepth = 200;

class Walker {
public:
    Walker(const TokenSpan& c, std::vector<Event>& out) : c_(c), out_(out) {}

    // Statements in [b, e); true when the last one never falls through.
    bool block(std::size_t b, std::size_t e, int depth)
    {
        const std::size_t entry = path_.size();
        bool last_terminates = false;
        std::size_t i = b;
        while (i < e) {
            // A label is a jump target: what follows it is reached from
            // branches that returned above, so those branches' exclusions end.
            if (c_.ident(i) && c_.is(i + 1, ":") && !is_keyword(c_.str(i)) && c_.str(i) != "default") {
                path_.resize(entry);
                i += 2;
                continue;
            }
            bool terminates = false;
            std::optional<PathStep> rest;
            const std::size_t next = statement(i, e, depth, terminates, rest);
            if (rest)
                path_.push_back(*rest);
            last_terminates = terminates;
            i = std::max(next, i + 1);
        }
        path_.resize(entry);
        return last_terminates;
    }

private:
    std::size_t clamp(std::size_t k, std::size_t e) const { return std::min(k, e); }

    std::size_t semicolon(std::size_t i, std::size_t e) const
    {
        for (std::size_t k = i; k < e; ++k) {
            const std::string_view s = c_.str(k);
            if (s == ";" || s == "}")
                return k;
            if (s == "(" || s == "[" || s == "{")
                k = clamp(c_.close(k), e);
        }
        return e;
    }

    // +1: the then-arm runs only for sync kiocbs; -1: the else-arm; 0: neither.
    int sync_polarity(std::size_t b, std::size_t e) const
    {
        std::size_t at = e;
        for (std::size_t k = b; k < e; ++k) {
            const std::string_view s = c_.str(k);
            if (s == "&&" || s == "||" || s == "?")
                return 0;
            if (s == "is_sync_kiocb" && at == e)
                at = k;
        }
        if (at == e)
            return 0;
        int nots = 0;
        for (std::size_t k = b; k < at; ++k)
            nots += c_.is(k, "!");
        return nots % 2 ? -1 : 1;
    }

    // `iocb->ki_flags & IOCB_DIRECT` (2.6: `file->f_flags & O_DIRECT`):
    // +1 then-arm O_DIRECT and else-arm not, -1 the reverse; +2/-2 when
    // only the then-arm is decided (`A && B`); 0 when it is no such test.
    int direct_polarity(std::size_t b, std::size_t e) const
    {
        std::size_t at = e;
        bool conj = false;
        for (std::size_t k = b; k < e; ++k) {
            const std::string_view s = c_.str(k);
            if (s == "||" || s == "?" || s == "==" || s == "!=")
                return 0;
            if (s == "&&")
                conj = true;
            if ((s == "IOCB_DIRECT" || s == "O_DIRECT") && at == e && k > b && c_.is(k - 1, "&"))
                at = k;
        }
        if (at == e)
            return 0;
        // The '!'s of the conjunct that holds the test.
        std::size_t from = b;
        for (std::size_t k = b; k < at; ++k)
            if (c_.is(k, "&&"))
                from = k + 1;
        int nots = 0;
        for (std::size_t k = from; k < at; ++k)
            nots += c_.is(k, "!");
        const int pol = nots % 2 ? -1 : 1;
        return conj ? 2 * pol : pol;
    }

    // `p->aio`, `!io_data->aio`, `unlikely(x.async)`, `is_sync_kiocb(iocb)`:
    // a decision that means the same wherever it is taken. Returns the
    // decision's id and whether the then-arm is its "true" side.
    struct Decision {
        std::uint32_t id;
        bool then_is_true;
        bool local;  // within this function only
    };
    std::optional<Decision> shared_decision(std::size_t b, std::size_t e) const
    {
        std::size_t k = b;
        int nots = 0;
        while (k < e && c_.is(k, "!")) {
            ++nots;
            ++k;
        }
        if (k + 1 < e && (c_.is(k, "likely") || c_.is(k, "unlikely")) && c_.is(k + 1, "(") &&
            c_.close(k + 1) + 1 == e) {
            k += 2;
            --e;
            while (k < e && c_.is(k, "!")) {
                ++nots;
                ++k;
            }
        }
        std::string_view key;
        bool local = false;
        if (c_.is(k, "is_sync_kiocb") && c_.is(k + 1, "(") && c_.close(k + 1) + 1 == e) {
            key = "is_sync_kiocb()";
        } else {
            if (!c_.ident(k))
                return std::nullopt;
            const std::string_view var = c_.str(k);
            ++k;
            while (k + 1 < e && (c_.is(k, "->") || c_.is(k, ".")) && c_.ident(k + 1)) {
                key = c_.str(k + 1);
                k += 2;
            }
            if (k != e)
                return std::nullopt;
            if (key.empty()) {
                // A local flag (`if (aio_req)` twice in one function, ceph):
                // the same decision within this function only, and only for
                // names that say what they decide.
                if (var.find("aio") == std::string_view::npos &&
                    var.find("async") == std::string_view::npos && var.find("sync") == std::string_view::npos)
                    return std::nullopt;
                key = var;
                local = true;
            }
        }
        // FNV-1a: the id only has to tell a few names in one tree apart.
        std::uint32_t h = 2166136261u;
        for (char ch : key)
            h = (h ^ static_cast<unsigned char>(ch)) * 16777619u;
        return Decision{h, nots % 2 == 0, local};
    }

    std::size_t statement(std::size_t i, std::size_t e, int depth, bool& terminates,
                          std::optional<PathStep>& rest)
    {
        if (depth > kMaxDepth) {
            expr(i, e);
            return e;
        }
        const std::string_view s = c_.str(i);
        if (s == "{") {
            const std::size_t end = clamp(c_.close(i), e);
            terminates = block(i + 1, end, depth + 1);
            return end + 1;
        }
        if (s == ";")
            return i + 1;
        if (s == "if" && c_.is(i + 1, "(")) {
            const std::size_t ce = clamp(c_.close(i + 1), e);
            expr(i + 2, ce);
            const int pol = sync_polarity(i + 2, ce);
            PathStep then_step{0, static_cast<std::uint32_t>(i), 0, pol > 0};
            PathStep else_step{0, static_cast<std::uint32_t>(i), 1, pol < 0};
            if (auto shared = shared_decision(i + 2, ce)) {
                then_step.instance = else_step.instance = shared->local ? 0 : kSharedDecision;
                // Local decisions live beside token-indexed scopes: keep them apart.
                then_step.scope = else_step.scope = shared->local ? (shared->id | 0x8000'0000u) : shared->id;
                then_step.arm = shared->then_is_true ? 1 : 0;
                else_step.arm = 1 - then_step.arm;
            }
            if (const int d = direct_polarity(i + 2, ce)) {
                // Only the arm(s) the test decides join the O_DIRECT decision.
                if (d == 2 || d == -2) {
                    then_step = {kSharedDecision, kDirectScope, d > 0 ? 1u : 0u, false};
                } else {
                    then_step = {kSharedDecision, kDirectScope, d > 0 ? 1u : 0u, false};
                    else_step = {kSharedDecision, kDirectScope, d > 0 ? 0u : 1u, false};
                }
            }
            bool t1 = false;
            std::optional<PathStep> ignored;
            path_.push_back(then_step);
            std::size_t next = ce + 1 < e ? statement(ce + 1, e, depth + 1, t1, ignored) : e;
            path_.pop_back();
            if (c_.is(next, "else") && next < e) {
                bool t2 = false;
                path_.push_back(else_step);
                next = next + 1 < e ? statement(next + 1, e, depth + 1, t2, ignored) : e;
                path_.pop_back();
                terminates = t1 && t2;
                return next;
            }
            if (t1)
                rest = else_step;
            return next;
        }
        if (s == "switch" && c_.is(i + 1, "(")) {
            const std::size_t ce = clamp(c_.close(i + 1), e);
            expr(i + 2, ce);
            const std::size_t body = ce + 1;
            if (c_.is(body, "{") && body < e) {
                const std::size_t end = clamp(c_.close(body), e);
                switch_block(body + 1, end, static_cast<std::uint32_t>(i), depth + 1);
                return end + 1;
            }
            return body;
        }
        if ((s == "while" || s == "for") && c_.is(i + 1, "(")) {
            const std::size_t ce = clamp(c_.close(i + 1), e);
            expr(i + 2, ce);
            bool t = false;
            std::optional<PathStep> ignored;
            return ce + 1 < e ? statement(ce + 1, e, depth + 1, t, ignored) : e;
        }
        if (s == "do") {
            bool t = false;
            std::optional<PathStep> ignored;
            std::size_t next = i + 1 < e ? statement(i + 1, e, depth + 1, t, ignored) : e;
            if (c_.is(next, "while") && c_.is(next + 1, "(") && next + 1 < e) {
                const std::size_t ce = clamp(c_.close(next + 1), e);
                expr(next + 2, ce);
                next = ce + 1;
                if (c_.is(next, ";"))
                    ++next;
            }
            return next;
        }
        if (s == "return" || s == "goto" || s == "break" || s == "continue") {
            const std::size_t end = semicolon(i + 1, e);
            expr(i + 1, end);
            terminates = true;
            return end + 1;
        }
        if (s == "else")
            return i + 1;
        if (s == "case" || s == "default") {
            const std::size_t colon = label_end(i, e);
            expr(i + 1, colon);
            return colon + 1;
        }
        // `list_for_each_entry(...) { ... }`: a loop macro and its body.
        if (c_.ident(i) && !is_keyword(s) && c_.is(i + 1, "(")) {
            const std::size_t pe = clamp(c_.close(i + 1), e);
            if (pe + 1 < e && (c_.is(pe + 1, "{") || (c_.ident(pe + 1) && !c_.is(pe + 1, "else")))) {
                expr(i, pe + 1);
                bool t = false;
                std::optional<PathStep> ignored;
                return statement(pe + 1, e, depth + 1, t, ignored);
            }
        }
        const std::size_t end = semicolon(i, e);
        expr(i, end);
        return end + 1;
    }

    std::size_t label_end(std::size_t i, std::size_t e) const
    {
        for (std::size_t k = i + 1; k < e; ++k) {
            if (c_.is(k, ":"))
                return k;
            if (c_.is(k, ";") || c_.is(k, "{"))
                return k - 1;
            if (c_.is(k, "("))
                k = clamp(c_.close(k), e);
        }
        return e;
    }

    void switch_block(std::size_t b, std::size_t e, std::uint32_t scope, int depth)
    {
        const std::size_t entry = path_.size();
        std::uint32_t arm = 0;
        path_.push_back({0, scope, arm, false});
        std::size_t i = b;
        while (i < e) {
            if (c_.is(i, "case") || c_.is(i, "default")) {
                const std::size_t colon = label_end(i, e);
                expr(i + 1, colon);
                path_.resize(entry);
                path_.push_back({0, scope, ++arm, false});
                i = std::max(colon + 1, i + 1);
                continue;
            }
            if (c_.ident(i) && c_.is(i + 1, ":") && !is_keyword(c_.str(i))) {
                path_.resize(entry + 1);
                i += 2;
                continue;
            }
            bool terminates = false;
            std::optional<PathStep> rest;
            const std::size_t next = statement(i, e, depth, terminates, rest);
            if (rest)
                path_.push_back(*rest);
            i = std::max(next, i + 1);
        }
        path_.resize(entry);
    }

    void emit(Ev kind, std::size_t k, std::string_view via = {}, std::size_t args_b = 0,
              std::size_t args_e = 0)
    {
        Event ev;
        ev.kind = kind;
        ev.tok = static_cast<std::uint32_t>(k);
        ev.line = c_.line(k);
        ev.name = c_.str(k);
        ev.via = via;
        ev.args_begin = static_cast<std::uint32_t>(args_b);
        ev.args_end = static_cast<std::uint32_t>(args_e);
        if (args_e > args_b) {
            ev.nargs = 1;
            for (std::size_t a = args_b; a < args_e; ++a) {
                if (c_.is(a, ","))
                    ++ev.nargs;
                else if (c_.is(a, "(") || c_.is(a, "[") || c_.is(a, "{"))
                    a = std::min<std::size_t>(c_.close(a), args_e);
            }
        }
        ev.path = path_;
        out_.push_back(std::move(ev));
    }

    void expr(std::size_t b, std::size_t e)
    {
        struct Open {
            std::string_view name;
            std::size_t close;
        };
        std::vector<Open> calls;
        for (std::size_t k = b; k < e; ++k) {
            while (!calls.empty() && calls.back().close <= k)
                calls.pop_back();
            if (c_.toks[k].kind != Tok::ident)
                continue;
            const std::string_view s = c_.str(k);
            const std::string_view prev = k > 0 ? c_.str(k - 1) : std::string_view{};
            if (s == "EIOCBQUEUED" || s == "EIOCBRETRY") {
                const bool cmp = (prev == "-" && k >= 2 &&
                                  (c_.is(k - 2, "==") || c_.is(k - 2, "!=") || c_.is(k - 2, "case"))) ||
                                 c_.is(k + 1, "==") || c_.is(k + 1, "!=") || c_.is(k + 1, ":");
                // `ret = -EIOCBQUEUED`: remember `ret`, a later `ret = wait...()`
                // on the same path overwrites it.
                std::string_view var;
                if (!cmp && prev == "-" && k >= 3 && c_.is(k - 2, "=") && c_.ident(k - 3))
                    var = c_.str(k - 3);
                emit(cmp ? Ev::queued_cmp : Ev::queued, k, var);
                continue;
            }
            if (s == "IOCB_NOWAIT") {
                emit(Ev::nowait, k);
                continue;
            }
            if (s == "O_NONBLOCK" || s == "O_NDELAY") {
                emit(Ev::nonblock, k);
                continue;
            }
            if (s == "EAGAIN" || s == "EWOULDBLOCK") {
                emit(Ev::eagain, k);
                continue;
            }
            if (s == "FMODE_NOWAIT") {
                if (prev == "|=" || prev == "|" || prev == "=")
                    emit(Ev::fmode_nowait, k);
                continue;
            }
            const bool member = prev == "." || prev == "->";
            if (member) {
                if (c_.is(k + 1, "(")) {
                    const std::size_t close = std::min<std::size_t>(c_.close(k + 1), e);
                    emit(Ev::member_call, k, {}, k + 2, close);
                    calls.push_back({s, close});
                } else if (s == "ki_cancel" && c_.is(k + 1, "=")) {
                    emit(Ev::cancel_assign, k);
                }
                continue;
            }
            if (is_keyword(s))
                continue;
            if (c_.is(k + 1, "(")) {
                const std::size_t close = std::min<std::size_t>(c_.close(k + 1), e);
                // `ret = f(...)`: the variable the result goes to.
                const std::string_view var =
                    prev == "=" && k >= 2 && c_.ident(k - 2) ? c_.str(k - 2) : std::string_view{};
                emit(Ev::call, k, var, k + 2, close);
                calls.push_back({s, close});
                continue;
            }
            // `x->complete = fn` / `x.function = &fn`: the member names the role.
            std::size_t at = k;
            if (prev == "&" && k > 0)
                --at;
            std::string_view via;
            if (at >= 3 && c_.is(at - 1, "=") && c_.ident(at - 2) &&
                (c_.is(at - 3, "->") || c_.is(at - 3, ".")))
                via = c_.str(at - 2);
            else if (!calls.empty())
                via = calls.back().name;
            emit(Ev::ref, k, via);
        }
    }

    const TokenSpan& c_;
    std::vector<Event>& out_;
    Path path_;
};

}  // namespace

FunctionFacts walk_function(const TokenSpan& code, const FunctionDef& fn)
{
    FunctionFacts facts;
    if (fn.body >= code.size)
        return facts;
    const std::size_t end = std::min<std::size_t>(code.close(fn.body), code.size);
    Walker w(code, facts.events);
    w.block(fn.body + 1, end, 0);
    // What the scanner knows about each callee, once per function.
    for (Event& ev : facts.events) {
        if (ev.kind == Ev::call)
            ev.role = static_cast<std::uint8_t>(call_role(ev.name));
        else if (ev.kind == Ev::member_call)
            ev.role = static_cast<std::uint8_t>(member_call_role(ev.name));
    }
    return facts;
}

}  // namespace aio::scan
