// SPDX-License-Identifier: GPL-2.0-only
#include "scan/text_search.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace aio::scan {
namespace {

constexpr std::string_view kFops = "file_operations";
constexpr std::string_view kProcOps = "proc_ops";

inline bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

// Handles one column-0 line found by the skim.
inline void take_line(std::string_view text, std::size_t start, std::uint32_t line,
                      std::vector<DefinitionLine>& defs)
{
    const char* p = text.data() + start;
    const std::size_t rest = text.size() - start;
    const void* nl = std::memchr(p, '\n', rest);
    const std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : rest;
    std::string_view name;
    DefKind kind{};
    if (definition_on_line({p, len}, name, kind))
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

bool definition_on_line(std::string_view line, std::string_view& name, DefKind& kind)
{
    const std::size_t n = line.size();
    if (n == 0)
        return false;
    if (line[0] == '#') {
        std::size_t k = 1;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            ++k;
        if (line.substr(k, 6) != "define")
            return false;
        k += 6;
        if (k >= n || (line[k] != ' ' && line[k] != '\t'))
            return false;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            ++k;
        const std::size_t a = k;
        while (k < n && ident_char(line[k]))
            ++k;
        // Only function-like macros: `#define f(x)` with no space before '('.
        if (k == a || k >= n || line[k] != '(')
            return false;
        name = line.substr(a, k - a);
        kind = DefKind::macro;
        return true;
    }
    if (!ident_start(line[0]))
        return false;
    std::size_t k = 0;
    while (k < n && line[k] != '(' && line[k] != ';' && line[k] != '=' && line[k] != '{')
        ++k;
    if (k >= n || line[k] == ';' || line[k] == '{')
        return false;
    if (line[k] == '=') {
        // `static const struct x_ops name = {`: an initialized aggregate.
        std::size_t v = k + 1;
        while (v < n && (line[v] == ' ' || line[v] == '\t'))
            ++v;
        if (v >= n || line[v] != '{')
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
    std::size_t e = n;
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
        const __m128i start =
            _mm_or_si128(letter, _mm_or_si128(_mm_cmpeq_epi8(next, us), _mm_cmpeq_epi8(next, hash)));
        const __m128i is_nl = _mm_cmpeq_epi8(a, nl);
        const unsigned nl_mask = static_cast<unsigned>(_mm_movemask_epi8(is_nl));
        unsigned lines = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(is_nl, start)));
        while (lines) {
            const unsigned bit = static_cast<unsigned>(__builtin_ctz(lines));
            const auto upto = static_cast<unsigned>(__builtin_popcount(nl_mask & ((2u << bit) - 1)));
            take_line(text, i + bit + 1, 1 + newlines + upto, defs);
            lines &= lines - 1;
        }
        newlines += static_cast<std::uint32_t>(__builtin_popcount(nl_mask));
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
        if (index && k + 1 < n && (ident_start(s[k + 1]) || s[k + 1] == '#'))
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
