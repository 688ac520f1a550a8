// SPDX-License-Identifier: GPL-2.0-only
//
// A C lexer for unpreprocessed kernel source. It never fails: any byte
// sequence lexes to some token stream (unterminated comments and strings end
// at end of file or line), which is what lets the scanner read a whole kernel
// tree, binary accidents included, without crashing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aio::scan {

enum class Tok : std::uint8_t { ident, number, string, chr, punct };

struct Token {
    std::uint32_t off = 0;  // into LexedSource::text
    std::uint32_t len = 0;
    std::uint32_t line = 0;  // 1-based, in the original file (line continuations counted)
    Tok kind = Tok::punct;
    // Part of a preprocessor directive line; directive_start marks its '#'.
    bool pp = false;
    bool directive_start = false;
};

struct LexedSource {
    // The text tokens point into: the file itself, or a copy with the
    // backslash-newlines removed when it had any.
    std::string_view text;
    std::vector<char> spliced;  // a vector: moving it keeps `text` valid
    std::vector<Token> tokens;
    std::uint32_t lines = 0;

    std::string_view str(const Token& t) const { return text.substr(t.off, t.len); }
};

// `source` must outlive the result when it has no line continuations.
void lex(std::string_view source, LexedSource& out);

}  // namespace aio::scan
