// SPDX-License-Identifier: GPL-2.0-only
#include "scan/corpus.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "model/errors.h"
#include "scan/text_search.h"

namespace aio::scan {
namespace {

constexpr std::size_t kBuckets = 1u << 16;
// A definition longer than this is not one (or not worth reading).
constexpr std::size_t kMaxExtent = std::size_t{8} << 20;

// A line above a definition's name that belongs to its header: `static
// ssize_t`, `static inline struct page *`, `noinline int`.
bool header_line(std::string_view line)
{
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
        line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.front() == ' ' || line.front() == '\t' ||
        line.front() == '/' || line.front() == '*')
        return false;
    const char last = line.back();
    return ident_char(last) || last == '*';
}

// Reads [from, from + len) of an open file (short at end of file).
int read_window(int fd, std::size_t from, std::size_t len, Bytes& out)
{
    out.clear();
    char* buf = out.prepare(len);
    std::size_t got = 0;
    while (got < len) {
        const ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(from + got));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    out.set_size(got);
    return 0;
}

}  // namespace

bool definition_extent(std::string_view text, std::size_t offset, DefKind kind, std::size_t& begin,
                       std::size_t& end)
{
    const std::size_t n = text.size();
    if (offset >= n)
        return false;
    begin = offset;
    if (kind == DefKind::macro) {
        std::size_t k = offset;
        for (;;) {
            const void* nl = std::memchr(text.data() + k, '\n', n - k);
            if (!nl) {
                end = n;
                return true;
            }
            const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
            std::size_t b = at;
            if (b > 0 && text[b - 1] == '\r')
                --b;
            if (b > 0 && text[b - 1] == '\\') {
                k = at + 1;
                continue;
            }
            end = at + 1;
            return true;
        }
    }
    // Header lines above the name: up to four.
    for (int up = 0; up < 4 && begin > 0; ++up) {
        const std::size_t prev_end = begin - 1;  // the '\n' ending the previous line
        std::size_t prev = prev_end;
        while (prev > 0 && text[prev - 1] != '\n')
            --prev;
        if (!header_line(text.substr(prev, prev_end - prev)))
            break;
        begin = prev;
    }

    struct Group {
        long braces = 0, parens = 0;  // at the end of the first branch
        bool later_branch = false;
    };
    std::vector<Group> groups;
    std::size_t skipping = 0;  // groups whose later branch we are in
    long braces = 0, parens = 0;
    bool in_init = false;  // object: past the '='
    bool line_start = true;
    const std::size_t limit = std::min(n, offset + kMaxExtent);
    for (std::size_t i = offset; i < limit; ++i) {
        const char c = text[i];
        if (c == '\n') {
            line_start = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f')
            continue;
        if (line_start && c == '#') {
            // A directive: read its word, then skip to its end (continuations included).
            std::size_t k = i + 1;
            while (k < limit && (text[k] == ' ' || text[k] == '\t'))
                ++k;
            std::size_t w = k;
            while (w < limit && ident_char(text[w]))
                ++w;
            const std::string_view word = text.substr(k, w - k);
            if (word == "if" || word == "ifdef" || word == "ifndef") {
                groups.push_back({});
            } else if ((word == "elif" || word == "else") && !groups.empty()) {
                Group& g = groups.back();
                if (!g.later_branch) {
                    g.braces = braces;
                    g.parens = parens;
                    g.later_branch = true;
                    ++skipping;
                }
            } else if (word == "endif" && !groups.empty()) {
                const Group g = groups.back();
                groups.pop_back();
                if (g.later_branch) {
                    braces = g.braces;
                    parens = g.parens;
                    --skipping;
                }
            }
            while (w < limit && text[w] != '\n') {
                if (text[w] == '\\' && w + 1 < limit && text[w + 1] == '\n')
                    ++w;
                ++w;
            }
            i = w - 1;
            continue;
        }
        line_start = false;
        if (c == '/' && i + 1 < limit && text[i + 1] == '/') {
            while (i < limit && text[i] != '\n')
                ++i;
            --i;
            continue;
        }
        if (c == '/' && i + 1 < limit && text[i + 1] == '*') {
            const void* star = nullptr;
            std::size_t k = i + 2;
            for (;;) {
                star = k < limit ? std::memchr(text.data() + k, '*', limit - k) : nullptr;
                if (!star)
                    return false;
                k = static_cast<std::size_t>(static_cast<const char*>(star) - text.data());
                if (k + 1 < limit && text[k + 1] == '/')
                    break;
                ++k;
            }
            // Newlines inside the comment do not start a directive line.
            i = k + 1;
            continue;
        }
        if (c == '"' || c == '\'') {
            std::size_t k = i + 1;
            while (k < limit && text[k] != c && text[k] != '\n') {
                if (text[k] == '\\')
                    ++k;
                ++k;
            }
            i = k;
            continue;
        }
        if (skipping)
            continue;
        switch (c) {
        case '(': ++parens; break;
        case ')': --parens; break;
        case '=':
            if (kind == DefKind::object && braces == 0 && parens == 0)
                in_init = true;
            break;
        case ';':
            if (braces == 0 && parens <= 0) {
                if (kind == DefKind::object && in_init) {
                    end = i + 1;
                    return true;
                }
                return false;  // a prototype or a declaration
            }
            break;
        case '{': ++braces; break;
        case '}':
            if (--braces == 0 && (kind == DefKind::function || in_init)) {
                std::size_t k = i + 1;
                while (k < n && text[k] != '\n')
                    ++k;
                end = std::min(n, k + 1);
                return true;
            }
            if (braces < 0)
                return false;
            break;
        default: break;
        }
    }
    return false;
}

Corpus::Corpus() = default;
Corpus::~Corpus()
{
    if (std::getenv("AIO_AUDIT_SCAN_DEBUG")) {
        std::size_t wb = 0, wt = 0;
        for (const auto& [k, v] : wholes_)
            if (v) {
                wb += v->content().size();
                wt += v->code().size;
            }
        std::fprintf(stderr, "wholes: %zu, %zu bytes, %zu tokens; index %zu\n", wholes_.size(), wb, wt,
                     index_.size());
    }
}

std::uint32_t Corpus::add_dir(std::string display)
{
    std::lock_guard lock(build_mu_);
    dirs_.push_back(std::move(display));
    return static_cast<std::uint32_t>(dirs_.size() - 1);
}

std::uint32_t Corpus::add_file(CorpusFile f)
{
    std::lock_guard lock(build_mu_);
    files_.push_back(std::move(f));
    return static_cast<std::uint32_t>(files_.size() - 1);
}

void Corpus::set_shards(unsigned n)
{
    shards_.resize(n);
}

void Corpus::add_definitions(unsigned shard, std::uint32_t file, const std::vector<DefinitionLine>& defs)
{
    auto& out = shards_[shard];
    for (const auto& d : defs)
        out.push_back({d.hash, file, d.offset, d.line, d.kind});
}

void Corpus::seal()
{
    // A counting sort on the top 16 bits of the hash, then each bucket by
    // hash and place (path, offset): linear in the number of lines, and
    // deterministic whatever order the threads added them in.
    std::vector<std::uint32_t> count(kBuckets + 1, 0);
    std::size_t total = 0;
    for (const auto& s : shards_) {
        total += s.size();
        for (const auto& e : s)
            ++count[(e.hash >> 16) + 1];
    }
    for (std::size_t b = 1; b <= kBuckets; ++b)
        count[b] += count[b - 1];
    bucket_ = count;
    index_.resize(total);
    for (auto& s : shards_) {
        for (const auto& e : s)
            index_[count[e.hash >> 16]++] = e;
        std::vector<IndexEntry>().swap(s);
    }
    shards_.clear();
    for (std::size_t b = 0; b < kBuckets; ++b)
        // By path, not by file id: ids follow the order the threads read
        // the files in, and the first definitions of a name are the ones a
        // lookup keeps (kMaxAlternatives).
        std::sort(index_.begin() + bucket_[b], index_.begin() + bucket_[b + 1], [this](const auto& x, const auto& y) {
            if (x.hash != y.hash)
                return x.hash < y.hash;
            if (x.file != y.file)
                return files_[x.file].display < files_[y.file].display;
            return x.offset < y.offset;
        });
    work_.add(total);

    // Files by directory, each directory's sorted by name.
    std::vector<std::uint32_t> per(dirs_.size() + 1, 0);
    for (const auto& f : files_)
        ++per[f.dir + 1];
    for (std::size_t d = 1; d < per.size(); ++d)
        per[d] += per[d - 1];
    dir_start_ = per;
    dir_files_.resize(files_.size());
    for (std::uint32_t id = 0; id < files_.size(); ++id)
        dir_files_[per[files_[id].dir]++] = id;
    for (std::size_t d = 0; d < dirs_.size(); ++d)
        std::sort(dir_files_.begin() + dir_start_[d], dir_files_.begin() + dir_start_[d + 1],
                  [this](std::uint32_t a, std::uint32_t b) { return files_[a].display < files_[b].display; });
}

std::span<const std::uint32_t> Corpus::files_in_dir(std::uint32_t dir) const
{
    if (dir + 1 >= dir_start_.size())
        return {};
    return {dir_files_.data() + dir_start_[dir], dir_start_[dir + 1] - dir_start_[dir]};
}

std::span<const IndexEntry> Corpus::candidates(std::string_view name) const
{
    if (index_.empty())
        return {};
    const std::uint32_t h = name_hash(name);
    const auto first = index_.begin() + bucket_[h >> 16];
    const auto last = index_.begin() + bucket_[(h >> 16) + 1];
    auto lo = std::lower_bound(first, last, h, [](const IndexEntry& e, std::uint32_t v) { return e.hash < v; });
    auto hi = lo;
    while (hi != last && hi->hash == h)
        ++hi;
    return {&*lo, static_cast<std::size_t>(hi - lo)};
}

Corpus::OpenFile Corpus::open(std::uint32_t id)
{
    // Definitions are cut out of a few files many times over (mm/filemap.c,
    // a module's main file): their descriptors stay open, the least recently
    // used closed first.
    constexpr std::size_t kOpen = 64;
    {
        std::lock_guard lock(fd_mu_);
        for (auto& slot : fds_)
            if (slot.file == id) {
                slot.used = ++fd_clock_;
                return slot.fd;
            }
    }
    const int fd = ::open(files_[id].fs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return nullptr;
    auto handle = std::shared_ptr<int>(new int(fd), [](int* p) {
        ::close(*p);
        delete p;
    });
    std::lock_guard lock(fd_mu_);
    if (fds_.size() < kOpen) {
        fds_.push_back({id, handle, ++fd_clock_});
    } else {
        auto oldest = std::min_element(fds_.begin(), fds_.end(), [](const auto& a, const auto& b) { return a.used < b.used; });
        *oldest = {id, handle, ++fd_clock_};
    }
    return handle;
}

// Parsed definitions are kept while they fit in a budget, then all dropped
// at once: keeping every one made a whole-tree scan hold ~100 MB more,
// parsing each again on every lookup cost a tenth of the scan's time.
// Whoever uses one holds its own reference (Definition::keep), so dropping
// the cache never frees a definition in use.
std::shared_ptr<const ParsedFile> Corpus::fragment(const IndexEntry& e)
{
    const std::uint64_t key = (static_cast<std::uint64_t>(e.file) << 32) | e.offset;
    {
        std::lock_guard lock(cache_mu_);
        if (auto it = fragments_.find(key); it != fragments_.end())
            return it->second;
    }
    const CorpusFile& f = files_[e.file];
    // A window around the line, grown until the definition fits in it.
    constexpr std::size_t kBack = 1024;
    const std::size_t from = e.offset > kBack ? e.offset - kBack : 0;
    std::shared_ptr<const ParsedFile> out;
    const OpenFile fd = open(e.file);
    for (std::size_t window = std::size_t{16} << 10; fd; window *= 4) {
        Bytes buf;
        if (read_window(*fd, from, window, buf) != 0)
            break;
        const std::string_view text = buf.view();
        std::size_t begin = 0, end = 0;
        const bool whole_window = text.size() < window;
        if (definition_extent(text, e.offset - from, e.kind, begin, end) &&
            (end < text.size() || whole_window)) {
            // Lines above the name line that the extent took in.
            std::uint32_t first_line = e.line;
            for (std::size_t k = begin; k < e.offset - from; ++k)
                first_line -= text[k] == '\n';
            Bytes cut;
            std::memcpy(cut.prepare(end - begin), text.data() + begin, end - begin);
            cut.set_size(end - begin);
            work_.add(end - begin);
            auto pf = std::make_shared<ParsedFile>(f.display, std::move(cut), first_line);
            pf->set_id(e.file);
            pf->mark_fragment();
            out = std::move(pf);
            break;
        }
        if (whole_window || window >= kMaxExtent)
            break;
    }
    // What a parsed definition costs, roughly: its text, ~one 16-byte token
    // per 4 bytes, bracket links, and the walked facts of its function.
    const std::size_t cost = 256 + (out ? out->content().size() * 12 : 0);
    std::lock_guard lock(cache_mu_);
    if (fragment_cost_ + cost > kFragmentBudget) {
        fragments_.clear();
        fragment_cost_ = 0;
    }
    fragment_cost_ += cost;
    return fragments_.emplace(key, std::move(out)).first->second;
}

std::vector<Definition> Corpus::definitions_in(std::uint32_t id, std::string_view name)
{
    std::vector<Definition> out;
    for (const IndexEntry& e : candidates(name)) {
        if (e.file != id || e.kind != DefKind::function)
            continue;
        auto pf = fragment(e);
        if (!pf)
            continue;
        if (const auto* defs = pf->find(name))
            for (const FunctionDef& d : *defs) {
                bool is_static = false;
                for (std::uint32_t k = 0; k < d.name_tok; ++k)
                    is_static = is_static || pf->code().is(k, "static");
                out.push_back({pf, pf.get(), &d, is_static});
            }
    }
    return out;
}

std::vector<Definition> Corpus::definitions(std::string_view name)
{
    std::vector<Definition> out;
    std::uint32_t last_file = kNoFile;
    for (const IndexEntry& e : candidates(name)) {
        if (e.kind != DefKind::function || e.file == last_file)
            continue;
        last_file = e.file;
        for (auto& d : definitions_in(e.file, name))
            out.push_back(std::move(d));
    }
    return out;
}

bool Corpus::is_macro(std::string_view name)
{
    // The hash alone: a false match among a million names is as rare as
    // it is harmless (a call counted as seen).
    for (const IndexEntry& e : candidates(name))
        if (e.kind == DefKind::macro)
            return true;
    return false;
}

std::vector<std::shared_ptr<const ParsedFile>> Corpus::objects(std::string_view name)
{
    std::vector<std::shared_ptr<const ParsedFile>> out;
    for (const IndexEntry& e : candidates(name))
        if (e.kind == DefKind::object)
            if (auto pf = fragment(e))
                out.push_back(std::move(pf));
    return out;
}

bool Corpus::read(std::uint32_t id, Bytes& out)
{
    const CorpusFile& f = files_[id];
    if (read_file(f.fs_path, out) != 0 || looks_binary(out.view()))
        return false;
    work_.add(out.size() / 64);
    return true;
}

std::shared_ptr<const ParsedFile> Corpus::adopt_whole(std::uint32_t id, Bytes bytes)
{
    {
        std::lock_guard lock(cache_mu_);
        if (auto it = wholes_.find(id); it != wholes_.end())
            return it->second;
    }
    const CorpusFile& f = files_[id];
    if (auto line = first_non_utf8_line(bytes.view()))
        warnings_.add(f.display + ":" + std::to_string(*line) + ": bytes that are not UTF-8; read as opaque bytes");
    work_.add(bytes.size() / 16);
    auto pf = std::make_shared<ParsedFile>(f.display, std::move(bytes));
    pf->set_id(id);
    std::lock_guard lock(cache_mu_);
    return wholes_.emplace(id, std::move(pf)).first->second;
}

void Corpus::keep_whole(std::uint32_t id, std::shared_ptr<const ParsedFile> pf)
{
    std::lock_guard lock(cache_mu_);
    wholes_.emplace(id, std::move(pf));
}

std::shared_ptr<const ParsedFile> Corpus::whole(std::uint32_t id)
{
    {
        std::lock_guard lock(cache_mu_);
        if (auto it = wholes_.find(id); it != wholes_.end())
            return it->second;
    }
    Bytes b;
    if (!read(id, b))
        return nullptr;  // the walk already warned about it
    return adopt_whole(id, std::move(b));
}

}  // namespace aio::scan
