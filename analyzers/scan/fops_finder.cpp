// SPDX-License-Identifier: GPL-2.0-only
#include "scan/fops_finder.h"

#include <algorithm>
#include <map>

namespace aio::scan {
namespace {

using model::FopsOrigin;

FopsMember member(std::string_view field, std::size_t begin, std::size_t end, std::uint32_t line)
{
    FopsMember m;
    m.field = field;
    m.value_begin = static_cast<std::uint32_t>(begin);
    m.value_end = static_cast<std::uint32_t>(end);
    m.line = line;
    return m;
}

bool attribute_word(std::string_view s)
{
    static constexpr std::string_view kWords[] = {
        "const",          "volatile",      "__read_mostly", "__ro_after_init",
        "__maybe_unused", "__initdata",    "__initconst",   "__refdata",
        "__used",         "__attribute__", "__attribute",   "__randomize_layout",
        "__weak",         "__section",     "__aligned",     "__cacheline_aligned",
        "__devinitdata",  "__devinitconst"};
    return std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords);
}

// Skips qualifiers and known attributes before a declarator's name.
std::size_t skip_qualifiers(const TokenSpan& c, std::size_t j)
{
    while (j < c.size && c.ident(j) && attribute_word(c.str(j))) {
        if (c.is(j + 1, "("))
            j = c.close(j + 1) + 1;
        else
            ++j;
    }
    return j;
}

// Skips `__attr`, `__attr(...)` and `__attribute__((...))` after a declarator.
std::size_t skip_attributes(const TokenSpan& c, std::size_t j)
{
    while (j < c.size && c.ident(j)) {
        const std::string_view s = c.str(j);
        if (s == "const" || s == "volatile" || s.starts_with("__") || s.starts_with("____")) {
            if (c.is(j + 1, "("))
                j = c.close(j + 1) + 1;
            else
                ++j;
            continue;
        }
        break;
    }
    return j;
}

// The end of one initializer item: the next top-level ',' or `end`.
std::size_t item_end(const TokenSpan& c, std::size_t k, std::size_t end)
{
    while (k < end) {
        const std::string_view s = c.str(k);
        if (s == ",")
            return k;
        if (s == "(" || s == "[" || s == "{")
            k = std::min<std::size_t>(c.close(k), end);
        ++k;
    }
    return end;
}

// The items of one `{ ... }` initializer of a single file_operations.
void parse_members(const TokenSpan& c, std::size_t open, FopsDecl& d)
{
    const std::size_t end = std::min<std::size_t>(c.close(open), c.size);
    d.last_line = c.line(end);
    for (std::size_t k = open + 1; k < end;) {
        const std::size_t e = item_end(c, k, end);
        if (e > k) {
            if (c.is(k, ".") && c.ident(k + 1) && c.is(k + 2, "=")) {
                d.members.push_back(member(c.str(k + 1), k + 3, e, c.line(k + 1)));
            } else if (c.ident(k) && c.is(k + 1, ":")) {
                // GNU's old designator, common in 2.4/2.6-era drivers: `read: foo_read`.
                d.members.push_back(member(c.str(k), k + 2, e, c.line(k)));
            } else if (c.ident(k) && (e == k + 1 || (c.is(k + 1, "(") && c.close(k + 1) + 1 == e))) {
                // A macro standing for some members (`COMMON_FOPS,`); or a
                // positional value. Only a macro in capitals is taken as opaque.
                const std::string_view s = c.str(k);
                const bool caps = std::all_of(s.begin(), s.end(), [](char ch) {
                    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
                });
                if (caps && s != "NULL" && s != "THIS_MODULE")
                    d.opaque.push_back(s);
                else
                    d.positional = true;
            } else {
                d.positional = true;
            }
        }
        k = e + 1;
    }
}

void parse_array(const TokenSpan& c, std::size_t open, const std::string& name, std::uint32_t line,
                 std::vector<FopsDecl>& out)
{
    const std::size_t end = std::min<std::size_t>(c.close(open), c.size);
    std::size_t index = 0;
    for (std::size_t k = open + 1; k < end;) {
        const std::size_t e = item_end(c, k, end);
        std::string label = std::to_string(index);
        std::size_t v = k;
        if (c.is(k, "[")) {
            const std::size_t close = std::min<std::size_t>(c.close(k), e);
            label = c.render(k + 1, close, 40);
            v = close + 1;
            if (c.is(v, "="))
                ++v;
        }
        if (v < e) {
            FopsDecl d;
            d.name = name + "[" + label + "]";
            d.origin = FopsOrigin::array_element;
            d.line = c.line(v);
            d.last_line = c.line(e);
            if (c.is(v, "{")) {
                parse_members(c, v, d);
            } else {
                d.unknown_reason =
                    "array element `" + c.render(v, e, 40) + "` is not an initializer the scanner can read";
            }
            if (d.line == 0)
                d.line = line;
            out.push_back(std::move(d));
        }
        ++index;
        k = e + 1;
    }
}

bool declared_extern(const TokenSpan& c, std::size_t struct_tok)
{
    for (std::size_t back = 1; back <= 8 && back <= struct_tok; ++back) {
        const std::string_view s = c.str(struct_tok - back);
        if (s == ";" || s == "}" || s == "{")
            return false;
        if (s == "extern")
            return true;
    }
    return false;
}

}  // namespace

std::vector<FopsDecl> find_fops_in(const TokenSpan& c, FopsOrigin origin)
{
    std::vector<FopsDecl> out;
    // Names that hold a file_operations filled in at run time, or point to one.
    std::map<std::string_view, std::size_t> runtime;  // name -> index in out, or SIZE_MAX for pointers
    std::map<std::string_view, std::size_t> initialized;

    // Which braces are struct/union bodies: a file_operations declared in
    // one is a member, not an object.
    std::vector<bool> braces;
    std::size_t scanned = 0;
    auto in_struct_body = [&](std::size_t upto) {
        for (; scanned < upto; ++scanned) {
            if (c.is(scanned, "{")) {
                const bool body =
                    (scanned >= 1 && (c.is(scanned - 1, "struct") || c.is(scanned - 1, "union"))) ||
                    (scanned >= 2 && c.ident(scanned - 1) &&
                     (c.is(scanned - 2, "struct") || c.is(scanned - 2, "union")));
                braces.push_back(body);
            } else if (c.is(scanned, "}") && !braces.empty()) {
                braces.pop_back();
            }
        }
        return !braces.empty() && braces.back();
    };
    std::vector<std::size_t>
        declared_only;  // `static const struct file_operations x;` (maybe a forward declaration)
    std::vector<bool> declared_const;  // a `const` on the declaration's line

    for (std::size_t i = 1; i < c.size; ++i) {
        if (c.toks[i].kind != Tok::ident || !c.is(i - 1, "struct"))
            continue;
        const std::string_view type = c.str(i);
        if (type != "file_operations" && type != "proc_ops")
            continue;
        if (in_struct_body(i))
            continue;
        std::size_t j = skip_qualifiers(c, i + 1);
        if (c.is(j, "*")) {
            while (c.is(j, "*") || c.is(j, "const"))
                ++j;
            if (c.ident(j) && (c.is(j + 1, "=") || c.is(j + 1, ";") || c.is(j + 1, ",")))
                runtime.emplace(c.str(j), SIZE_MAX);
            continue;
        }
        if (!c.ident(j))
            continue;  // a cast, sizeof(struct file_operations), a prototype's parameter type
        const std::size_t name_tok = j;
        std::string name(c.str(j));
        ++j;
        // `__name ## _fops` in a macro body.
        while (c.is(j, "##") && c.ident(j + 1)) {
            name += "##";
            name += c.str(j + 1);
            j += 2;
        }
        const std::size_t name_end = j;
        bool array = false;
        while (c.is(j, "[")) {
            array = true;
            j = c.close(j) + 1;
        }
        j = skip_attributes(c, j);
        if (c.is(j, "=")) {
            ++j;
            if (c.is(j, "{")) {
                if (array) {
                    const std::size_t before = out.size();
                    parse_array(c, j, name, c.line(name_tok), out);
                    for (std::size_t k = before; k < out.size(); ++k)
                        out[k].type = type;
                } else {
                    FopsDecl d;
                    d.type = type;
                    d.name = name;
                    d.origin = origin;
                    d.line = c.line(name_tok);
                    d.name_begin = static_cast<std::uint32_t>(name_tok);
                    d.name_end = static_cast<std::uint32_t>(name_end);
                    parse_members(c, j, d);
                    initialized.emplace(c.str(name_tok), out.size());
                    out.push_back(std::move(d));
                }
            } else {
                FopsDecl d;
                d.type = type;
                d.name = name;
                d.origin = origin;
                d.line = d.last_line = c.line(name_tok);
                std::size_t e = j;
                while (e < c.size && !c.is(e, ";"))
                    ++e;
                d.unknown_reason =
                    "initialized from `" + c.render(j, e, 40) + "`, which the scanner cannot see through";
                out.push_back(std::move(d));
            }
        } else if (c.is(j, ";") && !declared_extern(c, i - 1)) {
            FopsDecl d;
            d.type = type;
            d.name = name;
            d.origin = FopsOrigin::runtime;
            d.line = d.last_line = c.line(name_tok);
            runtime.emplace(c.str(name_tok), out.size());
            declared_only.push_back(out.size());
            // Only the tokens of the declaration's own line: linear in the file.
            bool is_const = false;
            const std::uint32_t line = c.line(name_tok);
            for (std::size_t t = name_tok; t > 0 && c.line(t - 1) == line && !is_const; --t)
                is_const = c.is(t - 1, "const");
            for (std::size_t t = name_tok; t < c.size && c.line(t) == line && !is_const; ++t)
                is_const = c.is(t, "const");
            declared_const.push_back(is_const);
            out.push_back(std::move(d));
        }
    }

    // Assignments `x.read_iter = f;` / `p->read_iter = f;` to a name declared above.
    for (std::size_t k = 1; k + 3 < c.size; ++k) {
        if (!(c.is(k, ".") || c.is(k, "->")) || !c.ident(k - 1) || !c.ident(k + 1) || !c.is(k + 2, "="))
            continue;
        const std::string_view base = c.str(k - 1);
        std::size_t target = SIZE_MAX;
        if (auto in = initialized.find(base); in != initialized.end()) {
            target = in->second;
        } else if (auto it = runtime.find(base); it != runtime.end()) {
            if (it->second == SIZE_MAX) {
                FopsDecl d;
                d.name = "*" + std::string(base);
                d.origin = FopsOrigin::runtime;
                d.line = d.last_line = c.line(k);
                it->second = out.size();
                out.push_back(std::move(d));
            }
            target = it->second;
        }
        if (target == SIZE_MAX)
            continue;
        std::size_t e = k + 3;
        while (e < c.size && !c.is(e, ";") && !c.is(e, "}")) {
            if (c.is(e, "(") || c.is(e, "["))
                e = c.close(e);
            ++e;
        }
        e = std::min(e, c.size);
        FopsDecl& d = out[target];
        d.members.push_back(member(c.str(k + 1), k + 3, e, c.line(k)));
        if (d.origin == FopsOrigin::runtime) {
            d.line = std::min(d.line, c.line(k));
            d.last_line = std::max(d.last_line, c.line(k));
        }
    }
    // A declaration without initializer is a forward declaration when the
    // file defines the name too, or when it is const (nothing can fill it in).
    std::vector<bool> drop(out.size(), false);
    for (std::size_t n = 0; n < declared_only.size(); ++n) {
        const std::size_t k = declared_only[n];
        const FopsDecl& d = out[k];
        const bool defined = initialized.count(d.name) > 0;
        const bool is_const = d.members.empty() && declared_const[n];
        if ((defined && d.members.empty()) || is_const)
            drop[k] = true;
    }
    std::vector<FopsDecl> kept;
    kept.reserve(out.size());
    for (std::size_t k = 0; k < out.size(); ++k)
        if (!drop[k])
            kept.push_back(std::move(out[k]));
    return kept;
}

}  // namespace aio::scan
