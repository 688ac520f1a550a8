// SPDX-License-Identifier: GPL-2.0-only
#include "scan/module.h"

#include <algorithm>
#include <cstring>

#include "model/errors.h"

namespace aio::scan {

Module::Module(std::vector<ModuleFile> files, Warnings& warnings) : warnings_(warnings)
{
    files_.reserve(files.size());
    for (auto& f : files) {
        Entry e;
        e.info = std::move(f);
        files_.push_back(std::move(e));
    }
}

const std::string_view* Module::content(std::size_t i)
{
    Entry& e = files_[i];
    if (e.failed)
        return nullptr;
    if (!e.loaded) {
        if (const int err = read_file(e.info.fs_path, e.bytes); err != 0) {
            e.failed = true;
            warnings_.unreadable(e.info.display + ": cannot read: " + errno_text(err));
            return nullptr;
        }
        if (looks_binary(e.bytes.view())) {
            e.failed = true;
            e.bytes.release();
            warnings_.add(e.info.display + ": binary file (NUL bytes), skipped");
            return nullptr;
        }
        e.loaded = true;
        e.view = e.bytes.view();
    }
    return &e.view;
}

void Module::adopt(std::size_t i, std::string_view bytes)
{
    Entry& e = files_[i];
    if (e.parsed)
        return;
    std::memcpy(e.bytes.prepare(bytes.size()), bytes.data(), bytes.size());
    e.bytes.set_size(bytes.size());
    e.view = e.bytes.view();
    e.loaded = true;
    e.failed = false;
}

void Module::release(std::size_t i)
{
    Entry& e = files_[i];
    if (!e.parsed && e.loaded) {
        e.bytes.release();
        e.view = {};
        e.loaded = false;
    }
}

const ParsedFile* Module::parse(std::size_t i)
{
    Entry& e = files_[i];
    if (e.parsed)
        return e.parsed.get();
    const std::string_view* bytes = content(i);
    if (!bytes)
        return nullptr;
    if (auto line = first_non_utf8_line(*bytes))
        warnings_.add(e.info.display + ":" + std::to_string(*line) +
                      ": bytes that are not UTF-8; read as opaque bytes");
    e.parsed = std::make_unique<ParsedFile>(e.info.display, *bytes);
    return e.parsed.get();
}

const std::vector<Def>& Module::find(const ParsedFile* from, std::string_view name, bool siblings)
{
    auto key = std::make_pair(from, name);
    if (auto it = found_.find(key); it != found_.end())
        return it->second;
    std::vector<Def> defs;
    if (from) {
        if (const auto* local = from->find(name))
            for (const auto& d : *local)
                defs.push_back({from, &d});
    }
    if (defs.empty() && siblings) {
        auto it = sibling_found_.find(name);
        if (it == sibling_found_.end()) {
            build_definition_index();
            std::vector<Def> found;
            if (auto where = defined_in_.find(name); where != defined_in_.end()) {
                for (std::size_t i : where->second) {
                    const ParsedFile* pf = parse(i);
                    if (!pf || pf == from)
                        continue;
                    if (const auto* there = pf->find(name))
                        for (const auto& d : *there)
                            found.push_back({pf, &d});
                }
            }
            it = sibling_found_.emplace(name, std::move(found)).first;
        }
        defs = it->second;
    }
    return found_.emplace(std::move(key), std::move(defs)).first->second;
}

// Kernel style puts a definition's name on a line that starts in column 0
// (`static ssize_t foo_read_iter(struct kiocb *iocb, ...` or, after a
// return-type line, `foo_read_iter(struct kiocb *iocb, ...`). Every such
// name is a candidate; parsing the file later confirms it. A text scan at
// memchr speed, where lexing whole directories would cost seconds on a
// kernel tree.
void Module::build_definition_index()
{
    if (indexed_)
        return;
    indexed_ = true;
    auto is_ident = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    thread_local Bytes scratch;
    for (std::size_t i = 0; i < files_.size(); ++i) {
        std::string_view text;
        if (files_[i].loaded) {
            text = files_[i].view;
        } else {
            // Read into a scratch buffer: most of these files are never parsed.
            if (files_[i].failed || read_file(files_[i].info.fs_path, scratch) != 0)
                continue;
            text = scratch.view();
        }
        const std::size_t n = text.size();
        for (std::size_t pos = 0; pos < n;) {
            // pos is a line start: only lines that open with an identifier matter.
            if (is_ident(text[pos])) {
                std::size_t k = pos;
                while (k < n && text[k] != '(' && text[k] != '\n' && text[k] != ';' && text[k] != '=')
                    ++k;
                if (k < n && text[k] == '(') {
                    std::size_t b = k;
                    while (b > pos && text[b - 1] == ' ')
                        --b;
                    std::size_t a = b;
                    while (a > pos && is_ident(text[a - 1]))
                        --a;
                    if (a < b)
                        defined_in_[std::string(text.substr(a, b - a))].push_back(i);
                }
                pos = k;
            }
            const void* nl = pos < n ? std::memchr(text.data() + pos, '\n', n - pos) : nullptr;
            if (!nl)
                break;
            pos = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
        }
    }
    for (auto& [name, where] : defined_in_)
        where.erase(std::unique(where.begin(), where.end()), where.end());
}

const FunctionFacts& Module::facts(const ParsedFile* file, const FunctionDef* def)
{
    auto it = facts_.find(def);
    if (it == facts_.end())
        it = facts_.emplace(def, walk_function(file->code(), *def)).first;
    return it->second;
}

std::vector<const ParsedFile*> Module::parsed_mentioning(std::string_view needle)
{
    std::vector<const ParsedFile*> out;
    for (std::size_t i = 0; i < files_.size(); ++i) {
        const std::string_view* bytes = content(i);
        if (!bytes || !::memmem(bytes->data(), bytes->size(), needle.data(), needle.size())) {
            release(i);
            continue;
        }
        if (const ParsedFile* pf = parse(i))
            out.push_back(pf);
    }
    return out;
}

std::optional<model::SourceLocation> Module::direct_io()
{
    if (direct_io_)
        return *direct_io_;
    std::optional<model::SourceLocation> found;
    for (const ParsedFile* pf : parsed_mentioning("direct_IO")) {
        const TokenSpan& c = pf->code();
        for (std::size_t k = 0; k + 2 < c.size && !found; ++k) {
            if (c.str(k) != "direct_IO")
                continue;
            // `.direct_IO = fn` (designated) or `direct_IO: fn` (GNU, 2.6)
            std::size_t v = 0;
            if (k > 0 && c.is(k - 1, ".") && c.is(k + 1, "="))
                v = k + 2;
            else if (c.is(k + 1, ":"))
                v = k + 2;
            if (!v)
                continue;
            const std::string_view value = c.str(v);
            if (value == "noop_direct_IO" || value == "NULL" || value == "0")
                continue;
            found = model::SourceLocation{pf->path(), c.line(k)};
        }
        if (found)
            break;
    }
    direct_io_ = found;
    return found;
}

std::optional<model::SourceLocation> Module::sets_fmode_nowait(const ParsedFile& file)
{
    if (!::memmem(file.content().data(), file.content().size(), "FMODE_NOWAIT", 12))
        return std::nullopt;
    const TokenSpan& c = file.code();
    for (std::size_t k = 1; k < c.size; ++k) {
        if (c.str(k) != "FMODE_NOWAIT")
            continue;
        const std::string_view prev = c.str(k - 1);
        if (prev == "|=" || prev == "|" || prev == "=")
            return model::SourceLocation{file.path(), c.line(k)};
    }
    return std::nullopt;
}

std::string Module::dir_display() const
{
    if (files_.empty())
        return ".";
    const std::string& p = files_.front().info.display;
    const auto slash = p.rfind('/');
    return slash == std::string::npos ? "./" : p.substr(0, slash + 1);
}

}  // namespace aio::scan
