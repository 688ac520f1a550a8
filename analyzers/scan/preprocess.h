// SPDX-License-Identifier: GPL-2.0-only
//
// Preprocessor-light: no includes and no macro expansion, only what a reader
// of unpreprocessed source needs. Conditional groups keep every branch (a
// driver's fops may name different handlers under #ifdef CONFIG_...), except
// `#if 0` (dead) and `#if 1` (its #else is dead), and except groups with a
// branch that opens or closes more braces or parentheses than it closes or
// opens (two alternative function headers, say): those keep their first
// branch only, so that the structure stays balanced.
#pragma once

#include <string_view>
#include <vector>

#include "scan/lexer.h"

namespace aio::scan {

struct Macro {
    std::string_view name;
    bool function_like = false;
    std::vector<std::string_view> params;  // "..." for a variadic tail
    std::vector<Token> body;
    std::uint32_t line = 0;
};

struct Preprocessed {
    std::vector<Token> code;  // directives removed, dead branches dropped
    std::vector<Macro> macros;
    std::uint32_t unbalanced_groups = 0;  // groups cut down to their first branch
};

// Takes the tokens out of `src` (they become `out.code`).
void preprocess(LexedSource& src, Preprocessed& out);

}  // namespace aio::scan
