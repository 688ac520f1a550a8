// SPDX-License-Identifier: GPL-2.0-only
#include "scan/resolver.h"

#include <algorithm>
#include <functional>

#include "scan/body_walker.h"
#include "scan/knowledge.h"

namespace aio::scan {
namespace {

// More definitions than this of one name are alternatives nobody can
// choose between statically (arch/*); the closest ones are kept.
constexpr std::size_t kMaxAlternatives = 4;

// Directory steps between two paths: fs/9p/x.c and net/9p/y.c are 4 apart.
std::size_t distance(std::string_view a, std::string_view b)
{
    auto dirs = [](std::string_view p) {
        std::vector<std::string_view> out;
        std::size_t pos = 0;
        for (;;) {
            const auto slash = p.find('/', pos);
            if (slash == std::string_view::npos)
                break;
            out.push_back(p.substr(pos, slash - pos));
            pos = slash + 1;
        }
        return out;
    };
    const auto x = dirs(a), y = dirs(b);
    std::size_t common = 0;
    while (common < x.size() && common < y.size() && x[common] == y[common])
        ++common;
    return (x.size() - common) + (y.size() - common);
}

const void* scope_of(const ParsedFile& f)
{
    return f.id() == kNoFile ? static_cast<const void*>(&f)
                             : reinterpret_cast<const void*>(static_cast<std::uintptr_t>(f.id()) + 1);
}

// The first identifier of a member's value: `foo`, `&foo`, `(cast)foo`.
std::string_view value_name(const TokenSpan& c, std::size_t v, std::size_t& at)
{
    for (std::size_t k = v; k < c.size && k < v + 8; ++k) {
        if (c.is(k, ",") || c.is(k, "}") || c.is(k, ";"))
            break;
        if (c.is(k, "(")) {
            // A cast `(void *)fn`: its closing parenthesis.
            const std::size_t e = c.close(k);
            if (e < c.size && e > k)
                k = e;
            continue;
        }
        if (c.ident(k) && !is_keyword(c.str(k)) && !c.is(k + 1, "(")) {
            at = k;
            return c.str(k);
        }
    }
    return {};
}

}  // namespace

std::vector<std::pair<std::string_view, std::size_t>> initializer_members(const TokenSpan& c, std::size_t open)
{
    std::vector<std::pair<std::string_view, std::size_t>> out;
    const std::size_t end = std::min<std::size_t>(c.close(open), c.size);
    std::size_t k = open + 1;
    while (k < end) {
        if (c.is(k, ".") && c.ident(k + 1) && c.is(k + 2, "="))
            out.emplace_back(c.str(k + 1), k + 3);
        else if (c.ident(k) && c.is(k + 1, ":") && (c.is(k - 1, "{") || c.is(k - 1, ",")))
            out.emplace_back(c.str(k), k + 2);
        // To the next top-level ','.
        while (k < end && !c.is(k, ",")) {
            if (c.is(k, "(") || c.is(k, "[") || c.is(k, "{"))
                k = std::min<std::size_t>(c.close(k), end);
            ++k;
        }
        ++k;
    }
    return out;
}

Resolver::Resolver(Corpus* corpus) : corpus_(corpus) {}

std::uint32_t Resolver::dir_of(const ParsedFile& f) const
{
    if (!corpus_ || f.id() == kNoFile)
        return kNoFile;
    return corpus_->file(f.id()).dir;
}

std::vector<Definition> Resolver::functions_in(std::uint32_t file, std::string_view name)
{
    if (!corpus_)
        return {};
    return lookup(nullptr, file, name);
}

const std::vector<Definition>& Resolver::in_module(const ParsedFile& from, std::string_view name)
{
    Key key{scope_of(from), name};
    if (auto it = modules_.find(key); it != modules_.end())
        return it->second;
    std::vector<Definition> out;
    if (const auto* local = from.find(name))
        for (const auto& d : *local)
            out.push_back({nullptr, &from, &d, false});
    if (out.empty() && corpus_ && from.id() != kNoFile)
        out = module_lookup(from.id(), name, from.fragment());
    if (out.size() > kMaxAlternatives)
        out.resize(kMaxAlternatives);
    return modules_.emplace(key, std::move(out)).first->second;
}

// The same file (other cut-outs of it), then the other files of its directory.
std::vector<Definition> Resolver::module_lookup(std::uint32_t id, std::string_view name, bool same_file)
{
    std::vector<Definition> out;
    count(1);
    if (same_file)
        out = corpus_->definitions_in(id, name);
    if (!out.empty())
        return out;
    const std::uint32_t dir = corpus_->file(id).dir;
    std::uint32_t last = kNoFile;
    for (const IndexEntry& e : corpus_->candidates(name)) {
        if (e.kind != DefKind::function || e.file == id || e.file == last || corpus_->file(e.file).dir != dir)
            continue;
        last = e.file;
        for (auto& d : corpus_->definitions_in(e.file, name))
            if (out.size() < kMaxAlternatives)
                out.push_back(std::move(d));
    }
    return out;
}

std::vector<Definition> Resolver::lookup(const ParsedFile* from, std::uint32_t id, std::string_view name)
{
    std::vector<Definition> out;
    if (from)
        out = in_module(*from, name);
    else
        out = module_lookup(id, name, true);
    if (!out.empty() || !corpus_ || id == kNoFile)
        return out;
    const std::uint32_t dir = corpus_->file(id).dir;
    const std::string& here = corpus_->file(id).display;
    std::vector<std::pair<std::size_t, Definition>> far;
    std::uint32_t last = kNoFile;
    for (const IndexEntry& e : corpus_->candidates(name)) {
        if (e.kind != DefKind::function || e.file == last || corpus_->file(e.file).dir == dir)
            continue;
        last = e.file;
        const CorpusFile& cf = corpus_->file(e.file);
        for (auto& d : corpus_->definitions_in(e.file, name))
            if (!d.is_static || cf.header)
                far.emplace_back(distance(here, cf.display), std::move(d));
    }
    std::stable_sort(far.begin(), far.end(), [this](const auto& a, const auto& b) {
        if (a.first != b.first)
            return a.first < b.first;
        return corpus_->file(a.second.file->id()).display < corpus_->file(b.second.file->id()).display;
    });
    for (auto& [dist, d] : far)
        if (out.size() < kMaxAlternatives && dist == far.front().first)
            out.push_back(std::move(d));
    return out;
}

const std::vector<Definition>& Resolver::functions(const ParsedFile& from, std::string_view name)
{
    Key key{scope_of(from), name};
    if (auto it = functions_.find(key); it != functions_.end())
        return it->second;
    return functions_.emplace(key, lookup(&from, from.id(), name)).first->second;
}

bool Resolver::is_macro(std::string_view name)
{
    if (!corpus_)
        return false;
    auto it = macros_.find(std::string(name));
    if (it == macros_.end())
        it = macros_.emplace(std::string(name), corpus_->is_macro(name)).first;
    return it->second;
}

std::vector<std::shared_ptr<const ParsedFile>> Resolver::module_files(std::uint32_t dir, const ParsedFile* alone,
                                                                     std::string_view needle)
{
    std::vector<std::shared_ptr<const ParsedFile>> out;
    if (!corpus_ || dir == kNoFile) {
        if (alone && contains_bytes(alone->content(), needle))
            out.push_back(std::shared_ptr<const ParsedFile>(std::shared_ptr<const ParsedFile>(), alone));
        return out;
    }
    Bytes buf;
    for (std::uint32_t id : corpus_->files_in_dir(dir)) {
        if (!corpus_->read(id, buf) || !contains_bytes(buf.view(), needle))
            continue;
        if (auto pf = corpus_->whole(id))
            out.push_back(std::move(pf));
    }
    return out;
}

namespace {

inline bool id_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool id_char(char c)
{
    return id_start(c) || (c >= '0' && c <= '9');
}

// `.f = fn`, `->f = fn`, GNU `f: fn` and `x->y_ops = &table`, read from
// the bytes: a module's every file is looked at, so none is lexed for it.
void scan_members(std::string_view text, const std::function<void(std::string_view, std::string_view, std::uint32_t)>& member,
                  const std::function<void(std::string_view)>& table_ref)
{
    const std::size_t n = text.size();
    std::uint32_t line = 1;
    auto skip_space = [&](std::size_t k) {
        while (k < n && (text[k] == ' ' || text[k] == '\t'))
            ++k;
        return k;
    };
    auto ident_at = [&](std::size_t k, std::size_t& end) {
        end = k;
        if (k >= n || !id_start(text[k]))
            return std::string_view{};
        while (end < n && id_char(text[end]))
            ++end;
        return text.substr(k, end - k);
    };
    auto value_at = [&](std::size_t k, bool& address) {
        k = skip_space(k);
        address = false;
        if (k < n && text[k] == '&') {
            address = true;
            k = skip_space(k + 1);
        }
        if (k < n && text[k] == '(') {  // a cast
            const std::size_t close = text.find(')', k);
            if (close == std::string_view::npos || close - k > 64)
                return std::string_view{};
            k = skip_space(close + 1);
        }
        std::size_t e = 0;
        const std::string_view v = ident_at(k, e);
        e = skip_space(e);
        if (v.empty() || (e < n && text[e] == '('))
            return std::string_view{};
        return v;
    };
    bool line_start = true;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            line_start = true;
            continue;
        }
        if (c == ' ' || c == '\t')
            continue;
        const bool was_start = line_start;
        line_start = false;
        std::size_t field_at = 0;
        if (c == '.' && i + 1 < n && id_start(text[i + 1]))
            field_at = i + 1;
        else if (c == '-' && i + 2 < n && text[i + 1] == '>' && id_start(text[i + 2]))
            field_at = i + 2;
        if (field_at) {
            std::size_t e = 0;
            const std::string_view field = ident_at(field_at, e);
            const std::size_t eq = skip_space(e);
            if (eq < n && text[eq] == '=' && (eq + 1 >= n || text[eq + 1] != '=')) {
                bool address = false;
                const std::string_view v = value_at(eq + 1, address);
                if (!v.empty()) {
                    member(field, v, line);
                    if (address && field.ends_with("ops"))
                        table_ref(v);
                }
            }
            i = e - 1;
            continue;
        }
        if (was_start && id_start(c)) {
            std::size_t e = 0;
            const std::string_view field = ident_at(i, e);
            const std::size_t colon = skip_space(e);
            if (colon + 1 < n && text[colon] == ':' && text[colon + 1] != ':' && field != "default" &&
                field != "case" && field != "public" && field != "private") {
                bool address = false;
                std::size_t ve = colon + 1;
                const std::string_view v = value_at(ve, address);
                if (!v.empty())
                    member(field, v, line);
            }
            i = e - 1;
        }
    }
}

}  // namespace

const Resolver::Tables& Resolver::tables(std::uint32_t dir, const ParsedFile* alone)
{
    const std::uint64_t scope = dir == kNoFile ? reinterpret_cast<std::uintptr_t>(alone) : dir;
    if (auto it = tables_.find(scope); it != tables_.end())
        return it->second;
    Tables t;
    std::vector<std::string> refs;
    auto read = [&](std::uint32_t id, const std::string& path, std::string_view text) {
        count(text.size() / 64);
        scan_members(
            text,
            [&](std::string_view field, std::string_view fn, std::uint32_t line) {
                if (fn != "NULL")
                    t.members[std::string(field)].push_back({id, std::string(fn), {path, line}});
            },
            [&](std::string_view table) { refs.emplace_back(table); });
    };
    if (!corpus_ || dir == kNoFile) {
        if (alone)
            read(kNoFile, alone->path(), alone->content());
    } else {
        Bytes buf;
        for (std::uint32_t id : corpus_->files_in_dir(dir))
            if (corpus_->read(id, buf))
                read(id, corpus_->file(id).display, buf.view());
        // Tables the module points its objects at but does not define:
        // `inode->i_mapping->a_ops = &ram_aops` (fs/libfs.c).
        std::sort(refs.begin(), refs.end());
        refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
        for (const auto& r : refs) {
            bool local = false;
            for (const IndexEntry& e : corpus_->candidates(r))
                local = local || (e.kind == DefKind::object && corpus_->file(e.file).dir == dir);
            if (local)
                continue;
            for (const auto& obj : corpus_->objects(r))
                read(obj->id(), obj->path(), obj->content());
        }
    }
    return tables_.emplace(scope, std::move(t)).first->second;
}

const std::vector<OpsBinding>& Resolver::ops(std::uint32_t dir, const ParsedFile* alone, std::string_view field)
{
    const std::uint64_t scope = dir == kNoFile ? reinterpret_cast<std::uintptr_t>(alone) : dir;
    auto key = std::make_pair(scope, std::string(field));
    if (auto it = ops_.find(key); it != ops_.end())
        return it->second;
    std::vector<OpsBinding> out;
    const Tables& t = tables(dir, alone);
    if (auto it = t.members.find(key.second); it != t.members.end()) {
        for (const auto& m : it->second) {
            bool seen = false;
            for (const auto& b : out)
                seen = seen || b.function == m.function;
            if (seen)
                continue;
            OpsBinding b;
            b.function = m.function;
            b.at = m.at;
            b.defs = m.file == kNoFile ? (alone ? functions(*alone, m.function) : std::vector<Definition>{})
                                       : functions_in(m.file, m.function);
            out.push_back(std::move(b));
        }
    }
    return ops_.emplace(std::move(key), std::move(out)).first->second;
}

std::vector<std::pair<std::string, Definition>> Resolver::object_functions(const ParsedFile& from,
                                                                           std::string_view name)
{
    std::vector<std::pair<std::string, Definition>> out;
    auto read = [&](const ParsedFile& pf) {
        const TokenSpan& c = pf.code();
        for (std::size_t k = 0; k + 2 < c.size; ++k) {
            if (!c.ident(k) || c.str(k) != name)
                continue;
            std::size_t j = k + 1;
            while (c.is(j, "["))
                j = c.close(j) + 1;
            if (!c.is(j, "=") || !c.is(j + 1, "{"))
                continue;
            for (const auto& [field, v] : initializer_members(c, j + 1)) {
                std::size_t at = 0;
                const std::string_view fn = value_name(c, v, at);
                if (fn.empty())
                    continue;
                for (const Definition& d : in_module(pf, fn))
                    out.emplace_back(std::string(field), d);
            }
            return true;
        }
        return false;
    };
    if (read(from) || !corpus_ || from.id() == kNoFile)
        return out;
    const std::uint32_t dir = corpus_->file(from.id()).dir;
    for (const IndexEntry& e : corpus_->candidates(name)) {
        if (e.kind != DefKind::object || corpus_->file(e.file).dir != dir)
            continue;
        for (const auto& obj : corpus_->objects(name))
            if (obj->id() == e.file && read(*obj))
                return out;
    }
    return out;
}

const std::vector<Completer>& Resolver::completers(std::uint32_t dir, const ParsedFile* alone)
{
    const std::uint64_t scope = dir == kNoFile ? reinterpret_cast<std::uintptr_t>(alone) : dir;
    if (auto it = completers_.find(scope); it != completers_.end())
        return it->second;
    std::vector<Completer> out;
    std::vector<std::shared_ptr<const ParsedFile>> files;
    for (std::string_view needle : {"ki_complete", "aio_complete", "kick_iocb"})
        for (auto& pf : module_files(dir, alone, needle))
            if (std::find(files.begin(), files.end(), pf) == files.end())
                files.push_back(std::move(pf));
    for (const auto& pf : files) {
        for (const FunctionDef& fd : pf->functions()) {
            // The by-name copy: facts key on it.
            const FunctionDef* stable = nullptr;
            if (const auto* same = pf->find(fd.name))
                for (const FunctionDef& s : *same)
                    if (s.body == fd.body)
                        stable = &s;
            if (!stable)
                continue;
            const FunctionFacts& facts = pf->facts(*stable);
            count(facts.events.size());
            for (const Event& ev : facts.events) {
                const bool done = (ev.kind == Ev::member_call && member_call_role(ev.name) == Role::completes) ||
                                  (ev.kind == Ev::call && (call_role(ev.name) == Role::completes ||
                                                           call_role(ev.name) == Role::kick));
                if (!done)
                    continue;
                std::string what = ev.name == "ki_complete" ? "ki_complete() (" + std::to_string(ev.nargs) +
                                                                  " arguments)"
                                                            : std::string(ev.name) + "()";
                out.push_back({{pf, pf.get(), stable, false}, {pf->path(), ev.line}, std::move(what)});
                break;
            }
        }
    }
    return completers_.emplace(scope, std::move(out)).first->second;
}

}  // namespace aio::scan
