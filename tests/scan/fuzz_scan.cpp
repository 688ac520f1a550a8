// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target for what reads untrusted text: any bytes through the
// scanner's front half (lexer, preprocessor-light, function index, fops
// finder, body walker, the fops analysis, the walk's skim and definition
// cut-outs) and through check's diff reader. Built with clang
// (-fsanitize=fuzzer,address,undefined) by tests/scan/CMakeLists.txt; the
// seed corpus is tests/fixtures/scan, and tests/scan/fuzz_tree.sh runs it
// over a whole kernel tree.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/errors.h"
#include "scan/analyzer.h"
#include "scan/body_walker.h"
#include "scan/corpus.h"
#include "scan/diff.h"
#include "scan/parsed_file.h"
#include "scan/text_search.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    aio::scan::ParsedFile file("fuzz.c", text);
    for (const auto& fn : file.functions())
        (void)aio::scan::walk_function(file.code(), fn);
    for (const auto& decl : file.fops())
        (void)aio::scan::analyze_alone(file, decl);
    // The walk's skim and the cut-out of a definition from its line.
    std::vector<aio::scan::DefinitionLine> defs;
    (void)aio::scan::skim_file(text, true, defs);
    for (const auto& d : defs) {
        std::size_t b = 0, e = 0;
        (void)aio::scan::definition_extent(text, d.offset, d.kind, b, e);
    }
    try {
        (void)aio::scan::parse_unified_diff(text);
    } catch (const aio::UsageError&) {
        // Not a diff, or a malformed one: the error is the right answer.
    }
    return 0;
}
