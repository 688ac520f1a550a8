// SPDX-License-Identifier: GPL-2.0-only
#include "scan/text_search.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace aio::scan {
namespace {

constexpr std::string_view kFops = "file_operations";
constexpr std::string_view kProcOps = "proc_ops";

// Bits set in a 16-bit mask, without the library call that
// __builtin_popcount becomes on a CPU baseline without POPCNT.
inline unsigned popcount16(unsigned x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (x + (x >> 8)) & 0x1Fu;
}

// The end of the identifier characters from p on (at most `end`): 16
// bytes at a time, since register headers give the index millions of
// `#define NAME VALUE` lines whose names are all it reads.
inline const char* ident_end(const char* p, const char* end)
{
#if defined(__SSE2__)
    const __m128i lower = _mm_set1_epi8(0x20), a_ = _mm_set1_epi8('a'), z_ = _mm_set1_epi8(25);
    const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), us = _mm_set1_epi8('_');
    while (end - p >= 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i folded = _mm_sub_epi8(_mm_or_si128(x, lower), a_);
        const __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(folded, z_), folded);
        const __m128i d = _mm_sub_epi8(x, zero);
        const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
        const __m128i ident = _mm_or_si128(_mm_or_si128(letter, digit), _mm_cmpeq_epi8(x, us));
        const unsigned other = ~static_cast<unsigned>(_mm_movemask_epi8(ident)) & 0xFFFFu;
        if (other)
            return p + __builtin_ctz(other);
        p += 16;
    }
#endif
    while (p < end && ident_char(*p))
        ++p;
    return p;
}

// The first of `(`, `;`, `=`, `{` or a newline from p on (or `end`).
inline const char* decl_stop(const char* p, const char* end)
{
#if defined(__SSE2__)
    const __m128i c1 = _mm_set1_epi8('('), c2 = _mm_set1_epi8(';'), c3 = _mm_set1_epi8('='),
                  c4 = _mm_set1_epi8('{'), c5 = _mm_set1_epi8('\n');
    while (end - p >= 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i hit = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, c1), _mm_cmpeq_epi8(x, c2)),
                         _mm_or_si128(_mm_cmpeq_epi8(x, c3), _mm_cmpeq_epi8(x, c4))),
            _mm_cmpeq_epi8(x, c5));
        if (const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(hit)))
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < end && *p != '(' && *p != ';' && *p != '=' && *p != '{' && *p != '\n')
        ++p;
    return p;
}

// Handles one column-0 line found by the skim.
inline void take_line(std::string_view text, std::size_t start, std::uint32_t line,
                      std::vector<DefinitionLine>& defs)
{
    std::string_view name;
    DefKind kind{};
    if (definition_on_line(text.substr(start), name, kind))
        defs.push_back({name_hash(name), static_cast<std::uint32_t>(start), line, kind});
}

}  // namespace

std::uint32_t name_hash(std::string_view name)
{
    std::uint32_t h = 2166136261u;
    for (char c : name)
        h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
}

bool definition_on_line(std::string_view text, std::string_view& name, DefKind& kind)
{
    // `text` runs on past the line: each line is read once, up to where it
    // decides, and only then to its end when that matters.
    const std::size_t size = text.size();
    auto stop = [&](std::size_t k) { return k >= size || text[k] == '\n'; };
    auto line_end = [&](std::size_t k) {
        while (!stop(k))
            ++k;
        return k;
    };
    if (stop(0))
        return false;
    const std::string_view line = text;
    // Most lines here are `#define NAME value` in register headers: decided
    // with a few comparisons.
    if (line[0] == '#' && size > 9 && std::memcmp(line.data() + 1, "define ", 7) == 0) {
        const char* p = line.data() + 8;
        const char* const end = line.data() + size;
        while (p < end && (*p == ' ' || *p == '\t'))
            ++p;
        const char* a = p;
        p = ident_end(p, end);
        if (p == a || p >= end)
            return false;
        if (*p == '(') {
            name = {a, static_cast<std::size_t>(p - a)};
            kind = DefKind::macro;
            return true;
        }
        const char* v = p;
        while (v < end && (*v == ' ' || *v == '\t'))
            ++v;
        if (v == p || v >= end || !ident_start(*v))
            return false;
        const char* w = ident_end(v, end);
        while (w < end && (*w == ' ' || *w == '\t' || *w == '\r'))
            ++w;
        if (w < end && *w != '\n')
            return false;
        name = {a, static_cast<std::size_t>(p - a)};
        kind = DefKind::macro;
        return true;
    }
    if (line[0] == '#' || (line[0] == ' ' && !stop(1) && line[1] == '#')) {
        std::size_t k = line[0] == '#' ? 1 : 2;
        while (!stop(k) && (line[k] == ' ' || line[k] == '\t'))
            ++k;
        if (k + 6 > size || line.substr(k, 6) != "define")
            return false;
        k += 6;
        if (stop(k) || (line[k] != ' ' && line[k] != '\t'))
            return false;
        while (!stop(k) && (line[k] == ' ' || line[k] == '\t'))
            ++k;
        const std::size_t a = k;
        while (!stop(k) && ident_char(line[k]))
            ++k;
        if (k == a || stop(k))
            return false;
        name = line.substr(a, k - a);
        kind = DefKind::macro;
        // Function-like macros (`#define f(x)`, no space before '('), and
        // aliases of one name (`#define gossip_err pr_err`).
        if (line[k] == '(')
            return true;
        std::size_t v = k;
        while (!stop(v) && (line[v] == ' ' || line[v] == '\t'))
            ++v;
        if (v == k || stop(v) || !ident_start(line[v]))
            return false;
        std::size_t w = v;
        while (!stop(w) && ident_char(line[w]))
            ++w;
        while (!stop(w) && (line[w] == ' ' || line[w] == '\t' || line[w] == '\r'))
            ++w;
        return stop(w);
    }
    if (!ident_start(line[0]))
        return false;
    std::size_t k = static_cast<std::size_t>(decl_stop(line.data(), line.data() + size) - line.data());
    if (stop(k) || line[k] == ';' || line[k] == '{')
        return false;
    if (line[k] == '=') {
        // `static const struct x_ops name = {`: an initialized aggregate.
        std::size_t v = k + 1;
        while (!stop(v) && (line[v] == ' ' || line[v] == '\t'))
            ++v;
        if (stop(v) || line[v] != '{')
            return false;
        std::size_t b = k;
        for (;;) {
            while (b > 0 && (line[b - 1] == ' ' || line[b - 1] == '\t'))
                --b;
            if (b > 0 && line[b - 1] == ']') {  // `name[]` / `name[N]`
                while (b > 0 && line[b - 1] != '[')
                    --b;
                if (b > 0)
                    --b;
                continue;
            }
            std::size_t a = b;
            while (a > 0 && ident_char(line[a - 1]))
                --a;
            if (a == b)
                return false;
            const std::string_view word = line.substr(a, b - a);
            // Attributes after the declarator (`__maybe_unused`, `__initdata`).
            if (word.starts_with("__") && a > 0) {
                b = a;
                continue;
            }
            name = word;
            kind = DefKind::object;
            return true;
        }
    }
    std::size_t b = k;
    while (b > 0 && (line[b - 1] == ' ' || line[b - 1] == '\t'))
        --b;
    std::size_t a = b;
    while (a > 0 && ident_char(line[a - 1]))
        --a;
    if (a == b)
        return false;
    // `EXPORT_SYMBOL(x);`, `int f(void);`: an invocation or a prototype
    // ends on its own line; a definition goes on to its body.
    std::size_t e = line_end(k);
    while (e > k && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'))
        --e;
    if (e > k && line[e - 1] == ';')
        return false;
    name = line.substr(a, b - a);
    kind = DefKind::function;
    return true;
}

bool contains_bytes(std::string_view text, std::string_view needle)
{
    const std::size_t n = text.size(), m = needle.size();
    if (m == 0)
        return true;
    if (m > n)
        return false;
    std::size_t i = 0;
#if defined(__SSE2__)
    if (m >= 2) {
        const __m128i first = _mm_set1_epi8(needle[0]);
        const __m128i last = _mm_set1_epi8(needle[m - 1]);
        const char* s = text.data();
        for (; i + m - 1 + 16 <= n; i += 16) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + m - 1));
            unsigned mask = static_cast<unsigned>(
                _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
            while (mask) {
                const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
                if (std::memcmp(s + i + bit + 1, needle.data() + 1, m - 2) == 0)
                    return true;
                mask &= mask - 1;
            }
        }
    }
#endif
    return ::memmem(text.data() + i, n - i, needle.data(), m) != nullptr;
}

#if defined(__x86_64__)
// The skim's loop on 32 bytes at a time, for CPUs with AVX2 (checked at
// run time: the binary runs on any x86-64). Same tests as the SSE2 loop.
__attribute__((target("avx2,popcnt"))) void skim_avx2(std::string_view text, bool index,
                                                      std::vector<DefinitionLine>& defs, FileSkim& out,
                                                      std::size_t& i, std::uint32_t& newlines)
{
    const std::size_t n = text.size();
    const char* s = text.data();
    const std::size_t tail = kFops.size();
    const __m256i nul = _mm256_setzero_si256();
    const __m256i nl = _mm256_set1_epi8('\n');
    const __m256i f0 = _mm256_set1_epi8('f'), f1 = _mm256_set1_epi8('s');
    const __m256i p0 = _mm256_set1_epi8('p');
    const __m256i lower = _mm256_set1_epi8(0x20), a_ = _mm256_set1_epi8('a'), z_ = _mm256_set1_epi8(25);
    const __m256i us = _mm256_set1_epi8('_'), hash = _mm256_set1_epi8('#'), sp = _mm256_set1_epi8(' ');
    for (; i + tail + 32 <= n; i += 32) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
        if (_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, nul))) {
            out.binary = true;
            return;
        }
        if (!out.declares_ops) {
            const __m256i e14 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + kFops.size() - 1));
            const __m256i e7 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + kProcOps.size() - 1));
            auto m1 = static_cast<std::uint32_t>(
                _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, f0), _mm256_cmpeq_epi8(e14, f1))));
            auto m2 = static_cast<std::uint32_t>(
                _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, p0), _mm256_cmpeq_epi8(e7, f1))));
            while (m1 && !out.declares_ops) {
                const auto bit = static_cast<unsigned>(__builtin_ctz(m1));
                out.declares_ops = std::memcmp(s + i + bit, kFops.data(), kFops.size()) == 0;
                m1 &= m1 - 1;
            }
            while (m2 && !out.declares_ops) {
                const auto bit = static_cast<unsigned>(__builtin_ctz(m2));
                out.declares_ops = std::memcmp(s + i + bit, kProcOps.data(), kProcOps.size()) == 0;
                m2 &= m2 - 1;
            }
        }
        if (!index)
            continue;
        const __m256i is_nl = _mm256_cmpeq_epi8(a, nl);
        const auto nl_mask = static_cast<std::uint32_t>(_mm256_movemask_epi8(is_nl));
        if (!nl_mask)
            continue;
        const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 1));
        const __m256i next2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 2));
        const __m256i folded = _mm256_sub_epi8(_mm256_or_si256(next, lower), a_);
        const __m256i letter = _mm256_cmpeq_epi8(_mm256_min_epu8(folded, z_), folded);
        const __m256i spaced = _mm256_and_si256(_mm256_cmpeq_epi8(next, sp), _mm256_cmpeq_epi8(next2, hash));
        const __m256i start = _mm256_or_si256(
            _mm256_or_si256(letter, spaced), _mm256_or_si256(_mm256_cmpeq_epi8(next, us), _mm256_cmpeq_epi8(next, hash)));
        auto lines = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_and_si256(is_nl, start)));
        while (lines) {
            const auto bit = static_cast<unsigned>(__builtin_ctz(lines));
            const auto below = bit == 31 ? nl_mask : nl_mask & ((2u << bit) - 1);
            take_line(text, i + bit + 1, 1 + newlines + static_cast<std::uint32_t>(__builtin_popcount(below)), defs);
            lines &= lines - 1;
        }
        newlines += static_cast<std::uint32_t>(__builtin_popcount(nl_mask));
    }
}

bool have_avx2()
{
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    return yes;
}
#endif

FileSkim skim_file(std::string_view text, bool index, std::vector<DefinitionLine>& defs)
{
    defs.clear();
    FileSkim out;
    const std::size_t n = text.size();
    const char* s = text.data();
    if (n == 0)
        return out;
    if (index && (ident_start(s[0]) || s[0] == '#'))
        take_line(text, 0, 1, defs);
    std::size_t i = 0;
    std::uint32_t newlines = 0;  // before position i
#if defined(__x86_64__)
    if (have_avx2()) {
        skim_avx2(text, index, defs, out, i, newlines);
        if (out.binary)
            return out;
    }
#endif
#if defined(__SSE2__)
    // One pass, 16 bytes at a time: NUL bytes, the two needles (first and
    // last byte compared, the middle confirmed on a hit), and newlines
    // followed by a letter, '_' or '#'.
    const std::size_t tail = kFops.size();  // the longest look-ahead of one block
    const __m128i nul = _mm_setzero_si128();
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i f0 = _mm_set1_epi8('f'), f1 = _mm_set1_epi8('s');
    const __m128i p0 = _mm_set1_epi8('p');
    const __m128i lower = _mm_set1_epi8(0x20), a_ = _mm_set1_epi8('a'), z_ = _mm_set1_epi8(25);
    const __m128i us = _mm_set1_epi8('_'), hash = _mm_set1_epi8('#');
    for (; i + tail + 16 <= n; i += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
        const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 1));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(a, nul))) {
            out.binary = true;
            return out;
        }
        if (!out.declares_ops) {
            const __m128i e14 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + kFops.size() - 1));
            const __m128i e7 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + kProcOps.size() - 1));
            unsigned m1 = static_cast<unsigned>(
                _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, f0), _mm_cmpeq_epi8(e14, f1))));
            unsigned m2 = static_cast<unsigned>(
                _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, p0), _mm_cmpeq_epi8(e7, f1))));
            while (m1 && !out.declares_ops) {
                const unsigned bit = static_cast<unsigned>(__builtin_ctz(m1));
                out.declares_ops = std::memcmp(s + i + bit, kFops.data(), kFops.size()) == 0;
                m1 &= m1 - 1;
            }
            while (m2 && !out.declares_ops) {
                const unsigned bit = static_cast<unsigned>(__builtin_ctz(m2));
                out.declares_ops = std::memcmp(s + i + bit, kProcOps.data(), kProcOps.size()) == 0;
                m2 &= m2 - 1;
            }
        }
        if (!index)
            continue;
        const __m128i folded = _mm_sub_epi8(_mm_or_si128(next, lower), a_);
        const __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(folded, z_), folded);
        // ` #define` (a directive indented by a space) is rare but real.
        const __m128i next2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 2));
        const __m128i spaced = _mm_and_si128(_mm_cmpeq_epi8(next, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(next2, hash));
        const __m128i start = _mm_or_si128(
            _mm_or_si128(letter, spaced), _mm_or_si128(_mm_cmpeq_epi8(next, us), _mm_cmpeq_epi8(next, hash)));
        const __m128i is_nl = _mm_cmpeq_epi8(a, nl);
        const unsigned nl_mask = static_cast<unsigned>(_mm_movemask_epi8(is_nl));
        unsigned lines = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(is_nl, start)));
        while (lines) {
            const unsigned bit = static_cast<unsigned>(__builtin_ctz(lines));
            const auto upto = popcount16(nl_mask & ((2u << bit) - 1));
            take_line(text, i + bit + 1, 1 + newlines + upto, defs);
            lines &= lines - 1;
        }
        newlines += popcount16(nl_mask);
    }
#endif
    // The rest (or everything, without SSE2), a byte at a time.
    for (std::size_t k = i; k < n; ++k) {
        if (s[k] == '\0') {
            out.binary = true;
            return out;
        }
        if (s[k] != '\n')
            continue;
        ++newlines;
        if (index && k + 1 < n &&
            (ident_start(s[k + 1]) || s[k + 1] == '#' || (s[k + 1] == ' ' && k + 2 < n && s[k + 2] == '#')))
            take_line(text, k + 1, 1 + newlines, defs);
    }
    if (!out.declares_ops) {
        // Needles that straddle the vector part and the tail.
        const std::size_t from = i > kFops.size() ? i - kFops.size() : 0;
        const std::string_view rest = text.substr(from);
        out.declares_ops = contains_bytes(rest, kFops) || contains_bytes(rest, kProcOps);
    }
    return out;
}

}  // namespace aio::scan
