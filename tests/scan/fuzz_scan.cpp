// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target for the scanner's front half: any bytes through the
// lexer, preprocessor-light, function index, fops finder, body walker and
// the fops analysis. Built with clang (-fsanitize=fuzzer,address,undefined)
// by tests/scan/CMakeLists.txt; the seed corpus is tests/fixtures/scan.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/analyzer.h"
#include "scan/body_walker.h"
#include "scan/module.h"
#include "scan/parsed_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    aio::scan::ParsedFile file("fuzz.c", text);
    for (const auto& fn : file.functions())
        (void)aio::scan::walk_function(file.code(), fn);
    aio::scan::Warnings warnings;
    aio::scan::Module module({}, warnings);
    for (const auto& decl : file.fops())
        (void)aio::scan::analyze_fops(module, file, decl);
    return 0;
}
