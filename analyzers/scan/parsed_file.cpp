// SPDX-License-Identifier: GPL-2.0-only
#include "scan/parsed_file.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "scan/body_walker.h"
#include "scan/fops_finder.h"

namespace aio::scan {
namespace {

// Words that look like `name(` at file scope but never name a function.
bool never_a_function_name(std::string_view s)
{
    static constexpr std::array<std::string_view, 34> kWords = {"__attribute__",
                                                                "__attribute",
                                                                "__acquires",
                                                                "__releases",
                                                                "__must_hold",
                                                                "__printf",
                                                                "__scanf",
                                                                "__section",
                                                                "__aligned",
                                                                "__alloc_size",
                                                                "__assume_aligned",
                                                                "__cond_acquires",
                                                                "__diag_push",
                                                                "__diag_pop",
                                                                "asm",
                                                                "__asm__",
                                                                "__asm",
                                                                "typeof",
                                                                "__typeof__",
                                                                "__typeof",
                                                                "sizeof",
                                                                "_Alignas",
                                                                "alignas",
                                                                "__alignof__",
                                                                "_Static_assert",
                                                                "static_assert",
                                                                "void",
                                                                "int",
                                                                "long",
                                                                "char",
                                                                "unsigned",
                                                                "signed",
                                                                "short",
                                                                "__no_sanitize_or_inline"};
    return std::find(kWords.begin(), kWords.end(), s) != kWords.end();
}

}  // namespace

std::string TokenSpan::render(std::size_t b, std::size_t e, std::size_t max) const
{
    std::string out;
    e = std::min(e, size);
    for (std::size_t i = b; i < e; ++i) {
        const std::string_view s = str(i);
        // A space only between two words, as a reader would write it.
        if (!out.empty() && i > b) {
            const char last = out.back();
            const bool word_before = std::isalnum(static_cast<unsigned char>(last)) || last == '_';
            const bool word_now =
                !s.empty() && (std::isalnum(static_cast<unsigned char>(s[0])) || s[0] == '_');
            if ((word_before && word_now) || s == "=" || out.back() == '=' || out.back() == ',')
                out += ' ';
        }
        out += s;
        if (out.size() > max) {
            out.resize(max);
            out += "...";
            break;
        }
    }
    return out;
}

std::vector<std::uint32_t> match_brackets(const Token* toks, std::size_t n, std::string_view text)
{
    std::vector<std::uint32_t> match(n, static_cast<std::uint32_t>(n));
    std::vector<std::uint32_t> stack;
    stack.reserve(64);
    for (std::size_t i = 0; i < n; ++i) {
        if (toks[i].kind != Tok::punct || toks[i].len != 1)
            continue;
        const char c = text[toks[i].off];
        if (c == '(' || c == '[' || c == '{') {
            stack.push_back(static_cast<std::uint32_t>(i));
        } else if (c == '}') {
            // A brace closes everything opened since its '{': a stray '(' must
            // not swallow the rest of the file.
            while (!stack.empty() && text[toks[stack.back()].off] != '{') {
                match[stack.back()] = static_cast<std::uint32_t>(i);
                stack.pop_back();
            }
            if (!stack.empty()) {
                match[stack.back()] = static_cast<std::uint32_t>(i);
                stack.pop_back();
            }
        } else if (c == ')' || c == ']') {
            const char open = c == ')' ? '(' : '[';
            if (!stack.empty() && text[toks[stack.back()].off] == open) {
                match[stack.back()] = static_cast<std::uint32_t>(i);
                stack.pop_back();
            }
        }
    }
    return match;
}

ParsedFile::ParsedFile(std::string path, std::string_view content) : path_(std::move(path)), content_(content)
{
    parse();
}

ParsedFile::ParsedFile(std::string path, Bytes owned, std::uint32_t first_line)
    : path_(std::move(path)), owned_(std::move(owned)), first_line_(first_line)
{
    content_ = owned_.view();
    parse();
}

ParsedFile::~ParsedFile() = default;

void ParsedFile::parse()
{
    lex(content_, lexed_);
    if (first_line_ > 1)
        for (Token& t : lexed_.tokens)
            t.line += first_line_ - 1;
    preprocess(lexed_, pp_);
    // The preprocessed copy is all that is read from here on.
    lexed_.tokens.clear();
    lexed_.tokens.shrink_to_fit();
    match_ = match_brackets(pp_.code.data(), pp_.code.size(), lexed_.text);
    code_ = TokenSpan{pp_.code.data(), pp_.code.size(), lexed_.text, match_.data()};
    index_functions();
    // The last definition wins, as it would for the preprocessor.
    for (const auto& m : pp_.macros)
        macros_by_name_[m.name] = &m;
    find_fops();
}

void ParsedFile::index_functions()
{
    const TokenSpan& c = code_;
    std::size_t last_name = c.size;  // the last `name(` of the current declaration
    for (std::size_t i = 0; i < c.size;) {
        const std::string_view s = c.str(i);
        if (s == ";" || s == "=" || s == "}" || s == "struct" || s == "union" || s == "enum") {
            last_name = c.size;
            ++i;
            continue;
        }
        if (s == "(") {
            if (i > 0 && c.ident(i - 1) && !never_a_function_name(c.str(i - 1)))
                last_name = i - 1;
            i = std::max(c.close(i), i) + 1;
            continue;
        }
        if (s == "[") {
            i = std::max(c.close(i), i) + 1;
            continue;
        }
        if (s == "{") {
            const std::size_t end = std::max<std::size_t>(c.close(i), i);
            if (last_name < c.size && i > 0 && (c.is(i - 1, ")") || c.ident(i - 1))) {
                FunctionDef f;
                f.name = c.str(last_name);
                f.name_tok = static_cast<std::uint32_t>(last_name);
                f.body = static_cast<std::uint32_t>(i);
                f.line = c.line(last_name);
                f.last_line = c.line(end);
                functions_.push_back(f);
            }
            last_name = c.size;
            i = end + 1;
            continue;
        }
        ++i;
    }
    by_name_.reserve(functions_.size());
    for (const auto& f : functions_)
        by_name_[f.name].push_back(f);
}

void ParsedFile::find_fops()
{
    fops_ = find_fops_in(code_, model::FopsOrigin::initializer);
    // Function-like macros that make a fops, by name: their expansions are
    // found in one pass over the file, however many there are.
    std::unordered_map<std::string_view, std::vector<std::pair<const Macro*, FopsDecl>>> templates;
    for (const auto& m : pp_.macros) {
        bool mentions = false;
        for (const auto& t : m.body)
            if (t.kind == Tok::ident && (lexed_.str(t) == "file_operations" || lexed_.str(t) == "proc_ops")) {
                mentions = true;
                break;
            }
        if (!mentions)
            continue;
        const TokenSpan body = macro_span(m);
        for (auto& d : find_fops_in(body, model::FopsOrigin::macro)) {
            d.macro = &m;
            d.line = m.line;
            d.last_line = m.line;
            if (m.function_like)
                templates[m.name].emplace_back(&m, d);
            d.name = std::string(m.name) + (m.function_like ? "()" : "");
            fops_.push_back(std::move(d));
        }
    }
    if (!templates.empty()) {
        const TokenSpan& c = code_;
        for (std::size_t i = 0; i + 1 < c.size; ++i) {
            if (!c.ident(i) || !c.is(i + 1, "("))
                continue;
            auto it = templates.find(c.str(i));
            if (it == templates.end() || (i > 0 && c.is(i - 1, "define")))
                continue;
            for (const auto& [m, tmpl] : it->second)
                expand_template(*m, macro_span(*m), tmpl, i);
        }
    }
    for (auto& d : expansions_)
        fops_.push_back(std::move(d));
    expansions_.clear();
}

// `NAME(args)` at token `i`, an expansion of a function-like macro that
// makes a fops, becomes a fops of its own: the declarator and the handlers
// with the arguments put in for the parameters.
void ParsedFile::expand_template(const Macro& m, const TokenSpan& body, const FopsDecl& tmpl, std::size_t i)
{
    const TokenSpan& c = code_;
    {
        const std::size_t close = std::min<std::size_t>(c.close(i + 1), c.size);
        std::vector<std::pair<std::size_t, std::size_t>> args;
        std::size_t start = i + 2;
        for (std::size_t k = start; k <= close && k < c.size; ++k) {
            if (k == close || c.is(k, ",")) {
                args.emplace_back(start, k);
                start = k + 1;
            } else if (c.is(k, "(") || c.is(k, "[") || c.is(k, "{")) {
                k = std::min<std::size_t>(c.close(k), close) - 1;
            }
        }
        auto arg_of = [&](std::string_view param) -> const std::pair<std::size_t, std::size_t>* {
            for (std::size_t p = 0; p < m.params.size() && p < args.size(); ++p)
                if (m.params[p] == param)
                    return &args[p];
            return nullptr;
        };
        FopsDecl d;
        d.origin = model::FopsOrigin::macro;
        d.type = tmpl.type;
        d.macro = &m;
        d.expansion = true;
        d.line = c.line(i);
        d.last_line = c.line(close);
        for (std::uint32_t k = tmpl.name_begin; k < tmpl.name_end; ++k) {
            if (body.is(k, "##"))
                continue;
            if (const auto* a = arg_of(body.str(k)))
                d.name += c.render(a->first, a->second, 60);
            else
                d.name += body.str(k);
        }
        for (FopsMember mem : tmpl.members) {
            mem.substituted = true;
            for (std::uint32_t k = mem.value_begin; k < mem.value_end; ++k) {
                if (!body.ident(k))
                    continue;
                if (const auto* a = arg_of(body.str(k))) {
                    for (std::size_t t = a->first; t < a->second; ++t)
                        if (c.ident(t))
                            mem.names.push_back(c.str(t));
                } else {
                    mem.names.push_back(body.str(k));
                }
            }
            d.members.push_back(std::move(mem));
        }
        d.opaque = tmpl.opaque;
        d.positional = tmpl.positional;
        expansions_.push_back(std::move(d));
    }
}

const std::vector<FunctionDef>* ParsedFile::find(std::string_view name) const
{
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
}

TokenSpan ParsedFile::macro_span(const Macro& m) const
{
    std::lock_guard lock(mu_);
    auto it = macro_match_.find(&m);
    if (it == macro_match_.end())
        it = macro_match_.emplace(&m, match_brackets(m.body.data(), m.body.size(), lexed_.text)).first;
    return TokenSpan{m.body.data(), m.body.size(), lexed_.text, it->second.data()};
}

const FunctionFacts& ParsedFile::facts(const FunctionDef& def) const
{
    std::lock_guard lock(mu_);
    auto& slot = facts_[def.body];
    if (!slot)
        slot = std::make_unique<FunctionFacts>(walk_function(code_, def));
    return *slot;
}

const Macro* ParsedFile::find_macro(std::string_view name) const
{
    auto it = macros_by_name_.find(name);
    return it == macros_by_name_.end() ? nullptr : it->second;
}

}  // namespace aio::scan
