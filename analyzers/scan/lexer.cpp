// SPDX-License-Identifier: GPL-2.0-only
#include "scan/lexer.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace aio::scan {
namespace {

enum : std::uint8_t { kOther = 0, kSpace = 1, kIdent = 2, kDigit = 4, kNewline = 8 };

constexpr std::array<std::uint8_t, 256> make_classes()
{
    std::array<std::uint8_t, 256> c{};
    for (int i = 'a'; i <= 'z'; ++i)
        c[static_cast<std::size_t>(i)] = kIdent;
    for (int i = 'A'; i <= 'Z'; ++i)
        c[static_cast<std::size_t>(i)] = kIdent;
    for (int i = '0'; i <= '9'; ++i)
        c[static_cast<std::size_t>(i)] = kIdent | kDigit;
    c['_'] = kIdent;
    c['$'] = kIdent;
    c[' '] = kSpace;
    c['\t'] = kSpace;
    c['\r'] = kSpace;
    c['\f'] = kSpace;
    c['\v'] = kSpace;
    c['\n'] = kNewline;
    return c;
}
constexpr auto kClass = make_classes();

inline bool is_ident(char ch)
{
    return kClass[static_cast<unsigned char>(ch)] & kIdent;
}
inline bool is_digit(char ch)
{
    return kClass[static_cast<unsigned char>(ch)] & kDigit;
}

// Removes backslash-newline pairs; remembers where each was, so that lines
// can still be counted in the original file.
std::string_view splice(std::string_view in, std::vector<char>& buf, std::vector<std::uint32_t>& at)
{
    const char* p = static_cast<const char*>(std::memchr(in.data(), '\\', in.size()));
    bool any = false;
    while (p) {
        const std::size_t i = static_cast<std::size_t>(p - in.data());
        if ((i + 1 < in.size() && in[i + 1] == '\n') ||
            (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n')) {
            any = true;
            break;
        }
        p = i + 1 < in.size() ? static_cast<const char*>(std::memchr(p + 1, '\\', in.size() - i - 1))
                              : nullptr;
    }
    if (!any)
        return in;
    buf.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\\') {
            if (i + 1 < in.size() && in[i + 1] == '\n') {
                at.push_back(static_cast<std::uint32_t>(buf.size()));
                ++i;
                continue;
            }
            if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
                at.push_back(static_cast<std::uint32_t>(buf.size()));
                i += 2;
                continue;
            }
        }
        buf.push_back(in[i]);
    }
    return {buf.data(), buf.size()};
}

}  // namespace

void lex(std::string_view source, LexedSource& out)
{
    std::vector<std::uint32_t> splices;
    out.spliced.clear();
    out.tokens.clear();
    // Files over 4 GiB cannot be addressed by 32-bit offsets; the walker
    // never hands such a file over, and this keeps the lexer safe regardless.
    if (source.size() > 0xFFFF'FFF0u)
        source = source.substr(0, 0xFFFF'FFF0u);
    const std::string_view s = splice(source, out.spliced, splices);
    out.text = s;
    out.tokens.reserve(s.size() / 5 + 16);

    const char* const base = s.data();
    const std::size_t n = s.size();
    std::size_t i = 0;
    std::uint32_t newlines = 0;
    std::size_t next_splice = 0;
    bool line_start = true;  // nothing but whitespace/comments since the last newline
    bool in_directive = false;

    const bool any_splices = !splices.empty();
    auto line_at = [&](std::size_t pos) {
        if (any_splices)
            while (next_splice < splices.size() && splices[next_splice] <= pos)
                ++next_splice;
        return 1 + newlines + static_cast<std::uint32_t>(next_splice);
    };
    auto emit = [&](std::size_t start, std::size_t end, Tok kind) {
        Token& t = out.tokens.emplace_back();
        t.off = static_cast<std::uint32_t>(start);
        t.len = static_cast<std::uint32_t>(end - start);
        t.line = line_at(start);
        t.kind = kind;
        t.pp = in_directive;
    };

    while (i < n) {
        const char c = base[i];
        const std::uint8_t cls = kClass[static_cast<unsigned char>(c)];
        if (cls & kSpace) {
            ++i;
            while (i < n && (kClass[static_cast<unsigned char>(base[i])] & kSpace))
                ++i;
            continue;
        }
        if (cls & kNewline) {
            ++newlines;
            ++i;
            line_start = true;
            in_directive = false;
            continue;
        }
        if (c == '/' && i + 1 < n && base[i + 1] == '/') {
            const void* nl = std::memchr(base + i, '\n', n - i);
            i = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : n;
            continue;
        }
        if (c == '/' && i + 1 < n && base[i + 1] == '*') {
            std::size_t j = i + 2;
            for (;;) {
                const void* star = j < n ? std::memchr(base + j, '*', n - j) : nullptr;
                const std::size_t end =
                    star ? static_cast<std::size_t>(static_cast<const char*>(star) - base) : n;
                newlines += static_cast<std::uint32_t>(std::count(base + j, base + end, '\n'));
                if (!star) {
                    j = n;
                    break;
                }
                if (end + 1 < n && base[end + 1] == '/') {
                    j = end + 2;
                    break;
                }
                j = end + 1;
            }
            i = j;
            continue;
        }
        if (cls & kIdent) {
            const std::size_t start = i;
            if (cls & kDigit) {
                // A pp-number: digits, letters, dots, and signs after e/E/p/P.
                ++i;
                while (i < n) {
                    const char d = base[i];
                    if (is_ident(d) || d == '.') {
                        ++i;
                    } else if ((d == '+' || d == '-') && (base[i - 1] == 'e' || base[i - 1] == 'E' ||
                                                          base[i - 1] == 'p' || base[i - 1] == 'P')) {
                        ++i;
                    } else {
                        break;
                    }
                }
                emit(start, i, Tok::number);
            } else {
                ++i;
                while (i < n && is_ident(base[i]))
                    ++i;
                emit(start, i, Tok::ident);
            }
            line_start = false;
            continue;
        }
        if (c == '"' || c == '\'') {
            // Ends at the closing quote, or (unterminated) at the end of the line.
            const std::size_t start = i;
            ++i;
            while (i < n && base[i] != c && base[i] != '\n') {
                if (base[i] == '\\' && i + 1 < n && base[i + 1] != '\n')
                    ++i;
                ++i;
            }
            if (i < n && base[i] == c)
                ++i;
            emit(start, i, c == '"' ? Tok::string : Tok::chr);
            line_start = false;
            continue;
        }
        if (c == '.' && i + 1 < n && is_digit(base[i + 1])) {
            const std::size_t start = i;
            ++i;
            while (i < n && (is_ident(base[i]) || base[i] == '.'))
                ++i;
            emit(start, i, Tok::number);
            line_start = false;
            continue;
        }
        if (c == '#' && line_start) {
            in_directive = true;
            emit(i, i + 1, Tok::punct);
            out.tokens.back().directive_start = true;
            ++i;
            line_start = false;
            continue;
        }
        // Longest match over C's multi-character punctuators, by hand: this
        // runs once per operator in every lexed file.
        std::size_t len = 1;
        const char c1 = i + 1 < n ? base[i + 1] : '\0';
        const char c2 = i + 2 < n ? base[i + 2] : '\0';
        switch (c) {
        case '-': len = (c1 == '>' || c1 == '-' || c1 == '=') ? 2 : 1; break;
        case '+': len = (c1 == '+' || c1 == '=') ? 2 : 1; break;
        case '<':
        case '>':
            if (c1 == c)
                len = c2 == '=' ? 3 : 2;
            else if (c1 == '=')
                len = 2;
            break;
        case '=':
        case '!':
        case '*':
        case '/':
        case '%':
        case '^': len = c1 == '=' ? 2 : 1; break;
        case '&':
        case '|': len = (c1 == c || c1 == '=') ? 2 : 1; break;
        case '#': len = c1 == '#' ? 2 : 1; break;
        case '.': len = (c1 == '.' && c2 == '.') ? 3 : 1; break;
        default: break;
        }
        emit(i, i + len, Tok::punct);
        i += len;
        line_start = false;
    }
    out.lines = 1 + newlines + static_cast<std::uint32_t>(splices.size());
}

}  // namespace aio::scan
