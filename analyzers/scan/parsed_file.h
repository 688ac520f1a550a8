// SPDX-License-Identifier: GPL-2.0-only
//
// One C file as the scanner sees it: its tokens after preprocessor-light,
// the bracket structure, the top-level function definitions, and every
// struct file_operations it declares.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/static_verdict.h"
#include "scan/file_io.h"
#include "scan/lexer.h"
#include "scan/preprocess.h"

namespace aio::scan {

// A token sequence with its text and bracket matches: the code of a file, or
// the body of a macro.
struct TokenSpan {
    const Token* toks = nullptr;
    std::size_t size = 0;
    std::string_view text;
    const std::uint32_t* match = nullptr;  // for ( [ {: index of the closer, or size when unclosed

    std::string_view str(std::size_t i) const
    {
        return i < size ? text.substr(toks[i].off, toks[i].len) : "";
    }
    // First the length, then the first byte: most calls fail there, without a memcmp.
    bool is(std::size_t i, std::string_view s) const
    {
        if (i >= size || toks[i].len != s.size() || s.empty())
            return false;
        const char* p = text.data() + toks[i].off;
        return p[0] == s[0] && std::memcmp(p, s.data(), s.size()) == 0;
    }
    bool ident(std::size_t i) const { return i < size && toks[i].kind == Tok::ident; }
    std::uint32_t line(std::size_t i) const
    {
        return i < size ? toks[i].line : (size ? toks[size - 1].line : 0);
    }
    std::size_t close(std::size_t i) const { return i < size ? match[i] : size; }
    // Source text of [b, e) with single spaces between tokens, cut at `max` characters.
    std::string render(std::size_t b, std::size_t e, std::size_t max = 80) const;
};

std::vector<std::uint32_t> match_brackets(const Token* toks, std::size_t n, std::string_view text);

struct FunctionDef {
    std::string_view name;
    std::uint32_t name_tok = 0;
    std::uint32_t body = 0;  // index of '{'; the body ends at match[body]
    std::uint32_t line = 0;
    std::uint32_t last_line = 0;
};

// One `.member = value` of a file_operations initializer or run-time assignment.
struct FopsMember {
    std::string_view field;
    std::uint32_t value_begin = 0;  // token range of the value
    std::uint32_t value_end = 0;
    std::uint32_t line = 0;
    // In a macro expansion: the handler names after parameter substitution
    // (the token range then belongs to the macro body).
    std::vector<std::string_view> names;
    bool substituted = false;
};

struct FopsDecl {
    std::string name;
    std::string_view type = "file_operations";  // or "proc_ops"
    model::FopsOrigin origin = model::FopsOrigin::initializer;
    std::uint32_t line = 0;
    std::uint32_t last_line = 0;
    std::vector<FopsMember> members;
    bool positional = false;               // old positional initializer: fields unknown
    std::vector<std::string_view> opaque;  // macros inside the initializer that may hide members
    std::string unknown_reason;            // set when the scanner cannot see through it
    const Macro* macro = nullptr;          // origin == macro: the defining macro
    bool expansion = false;                // an expansion of `macro` in this file, not its definition
    std::uint32_t name_begin = 0;          // the declarator's tokens (`__name ## _fops` in a macro)
    std::uint32_t name_end = 0;
};

struct FunctionFacts;

inline constexpr std::uint32_t kNoFile = 0xFFFF'FFFFu;

class ParsedFile {
public:
    // `path` is what reports show; `content` is the file's bytes, which
    // must outlive this object.
    ParsedFile(std::string path, std::string_view content);
    // Owns its bytes: a whole file, or one definition cut out of a file
    // whose first line is `first_line` there (token lines are the file's).
    ParsedFile(std::string path, Bytes owned, std::uint32_t first_line = 1);
    ~ParsedFile();
    ParsedFile(const ParsedFile&) = delete;
    ParsedFile& operator=(const ParsedFile&) = delete;

    // The file's number in the scan's corpus (kNoFile outside a scan).
    std::uint32_t id() const { return id_; }
    void set_id(std::uint32_t id) { id_ = id; }
    // A definition cut out of its file rather than the whole file.
    bool fragment() const { return fragment_; }
    void mark_fragment() { fragment_ = true; }

    const std::string& path() const { return path_; }
    std::string_view content() const { return content_; }
    const TokenSpan& code() const { return code_; }
    const std::vector<Macro>& macros() const { return pp_.macros; }
    const std::vector<FopsDecl>& fops() const { return fops_; }
    std::uint32_t unbalanced_groups() const { return pp_.unbalanced_groups; }

    // Every definition of `name` in this file (several under #if/#else).
    const std::vector<FunctionDef>* find(std::string_view name) const;
    const std::vector<FunctionDef>& functions() const { return functions_; }
    // The macro body as a span (for fops made by macros).
    TokenSpan macro_span(const Macro& m) const;
    const Macro* find_macro(std::string_view name) const;
    // What a function's body does (body_walker), computed once per
    // function; safe to call from several threads.
    const FunctionFacts& facts(const FunctionDef& def) const;

private:
    void parse();
    void index_functions();
    void find_fops();
    void expand_template(const Macro& m, const TokenSpan& body, const FopsDecl& tmpl, std::size_t at);

    std::string path_;
    Bytes owned_;
    std::string_view content_;
    std::uint32_t first_line_ = 1;
    std::uint32_t id_ = kNoFile;
    bool fragment_ = false;
    LexedSource lexed_;
    Preprocessed pp_;
    std::vector<std::uint32_t> match_;
    TokenSpan code_;
    std::vector<FunctionDef> functions_;
    std::unordered_map<std::string_view, std::vector<FunctionDef>> by_name_;
    std::vector<FopsDecl> fops_;
    std::vector<FopsDecl> expansions_;
    std::unordered_map<std::string_view, const Macro*> macros_by_name_;
    mutable std::mutex mu_;  // guards the two lazily filled maps below
    mutable std::unordered_map<const Macro*, std::vector<std::uint32_t>> macro_match_;
    mutable std::unordered_map<std::uint32_t, std::unique_ptr<FunctionFacts>> facts_;
};

}  // namespace aio::scan
