// SPDX-License-Identifier: GPL-2.0-only
#include "scan/preprocess.h"

namespace aio::scan {
namespace {

enum class Mode { all, drop_first, keep_first };

struct Balance {
    long braces = 0;
    long parens = 0;
    bool operator==(const Balance&) const = default;
};

struct Group {
    Mode mode = Mode::all;
    int branch = 0;
    bool parent_dropping = false;
    bool dropping = false;
    Balance at_branch_start;
    Balance first_delta;
    Balance first_end;
    bool unbalanced = false;
    std::size_t second_start = 0;  // where the second branch's tokens begin in `code`
};

Balance delta(const Balance& now, const Balance& then)
{
    return {now.braces - then.braces, now.parens - then.parens};
}

void add_macro(const LexedSource& src, const Token* t, const Token* end, std::vector<Macro>& macros)
{
    if (t == end || t->kind != Tok::ident)
        return;
    Macro m;
    m.name = src.str(*t);
    m.line = t->line;
    const Token* p = t + 1;
    if (p != end && src.str(*p) == "(" && p->off == t->off + t->len) {
        m.function_like = true;
        ++p;
        while (p != end && src.str(*p) != ")") {
            if (p->kind == Tok::ident || src.str(*p) == "...")
                m.params.push_back(src.str(*p));
            ++p;
        }
        if (p != end)
            ++p;
    }
    m.body.assign(p, end);
    macros.push_back(std::move(m));
}

}  // namespace

void preprocess(LexedSource& src, Preprocessed& out)
{
    out.code.clear();
    out.macros.clear();
    out.unbalanced_groups = 0;
    // The kept tokens are moved down in place: a file's tokens are the
    // largest thing the scanner holds, and they are never needed twice.
    std::size_t w = 0;

    std::vector<Group> groups;
    Balance bal;
    auto& toks = src.tokens;
    const std::size_t n = toks.size();
    // Bounded so that a file of nothing but #if lines cannot grow it without limit.
    constexpr std::size_t kMaxGroups = 256;
    std::size_t overflow = 0;

    auto dropping = [&] { return !groups.empty() && groups.back().dropping; };

    std::size_t i = 0;
    while (i < n) {
        const Token& t = toks[i];
        if (!t.directive_start) {
            if (!dropping()) {
                const std::string_view s = src.str(t);
                if (t.kind == Tok::punct && s.size() == 1) {
                    switch (s[0]) {
                    case '{': ++bal.braces; break;
                    case '}': --bal.braces; break;
                    case '(': ++bal.parens; break;
                    case ')': --bal.parens; break;
                    default: break;
                    }
                }
                toks[w++] = t;
            }
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < n && toks[j].pp && !toks[j].directive_start)
            ++j;
        const Token* d = toks.data() + i + 1;
        const Token* dend = toks.data() + j;
        i = j;
        if (d == dend || d->kind != Tok::ident)
            continue;
        const std::string_view name = src.str(*d);
        const Token* args = d + 1;

        if (name == "if" || name == "ifdef" || name == "ifndef") {
            if (groups.size() >= kMaxGroups) {
                ++overflow;
                continue;
            }
            Group g;
            g.parent_dropping = dropping();
            if (name == "if" && dend - args == 1 && args->kind == Tok::number) {
                const std::string_view v = src.str(*args);
                if (v == "0")
                    g.mode = Mode::drop_first;
                else if (v == "1")
                    g.mode = Mode::keep_first;
            }
            g.dropping = g.parent_dropping || g.mode == Mode::drop_first;
            g.at_branch_start = bal;
            groups.push_back(g);
        } else if (name == "elif" || name == "else") {
            if (groups.empty() || overflow)
                continue;
            Group& g = groups.back();
            if (g.branch == 0) {
                g.first_delta = delta(bal, g.at_branch_start);
                g.first_end = bal;
                g.second_start = w;
                g.unbalanced = !(g.first_delta == Balance{});
            } else if (g.mode == Mode::all && !(delta(bal, g.at_branch_start) == Balance{})) {
                g.unbalanced = true;
            }
            ++g.branch;
            g.at_branch_start = bal;
            g.dropping = g.parent_dropping || g.mode == Mode::keep_first;
        } else if (name == "endif") {
            if (overflow) {
                --overflow;
                continue;
            }
            if (groups.empty())
                continue;
            Group g = groups.back();
            groups.pop_back();
            if (g.mode != Mode::all || g.branch == 0 || g.parent_dropping)
                continue;
            if (!(delta(bal, g.at_branch_start) == Balance{}))
                g.unbalanced = true;
            if (g.unbalanced) {
                w = g.second_start;
                bal = g.first_end;
                ++out.unbalanced_groups;
            }
        } else if (name == "define") {
            if (!dropping())
                add_macro(src, args, dend, out.macros);
        }
    }
    toks.resize(w);
    out.code = std::move(toks);
    toks.clear();
}

}  // namespace aio::scan
