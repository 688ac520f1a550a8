// SPDX-License-Identifier: GPL-2.0-only
//
// The one pass every file of a tree gets: is it worth lexing (does it name
// `file_operations` or `proc_ops`), is it binary, and which names does it
// define. Definitions are found the way a reader skims kernel C: the name
// of a function, a function-like macro or an initialized object sits on a
// line that starts in column 0. This runs over every byte of the tree, so
// it is written for memory bandwidth (SSE2 on x86-64, a portable loop
// elsewhere); everything after it works on the few files and names that
// matter.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace aio::scan {

// C identifiers: a letter or '_', then letters, digits and '_'.
inline bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

// True when `needle` (2 to 64 bytes) occurs in `text`.
bool contains_bytes(std::string_view text, std::string_view needle);

enum class DefKind : std::uint8_t {
    function,  // `name(` on a column-0 line (a definition, or a prototype: parsing tells)
    macro,     // `#define name(`
    object,    // `... name = {`: an initialized object (an ops table)
};

struct DefinitionLine {
    std::uint32_t hash = 0;    // name_hash() of the name
    std::uint32_t offset = 0;  // where the line starts
    std::uint32_t line = 0;    // 1-based
    DefKind kind = DefKind::function;
};

std::uint32_t name_hash(std::string_view name);

struct FileSkim {
    bool binary = false;  // has a NUL byte
    bool declares_ops = false;  // mentions file_operations or proc_ops
};

// Skims `text`: fills `defs` (cleared first) with its column-0 definition
// lines, unless `index` is false.
FileSkim skim_file(std::string_view text, bool index, std::vector<DefinitionLine>& defs);

// The definition candidate on the column-0 line `text` starts with (it may
// run on past that line's end), if any: its name and kind.
bool definition_on_line(std::string_view text, std::string_view& name, DefKind& kind);

}  // namespace aio::scan
