// SPDX-License-Identifier: GPL-2.0-only
//
// Unified diffs, as `git diff`, `git format-patch` (one or a series) and
// `diff -u` write them: which lines of which post-image files they touch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aio::scan {

struct TouchedLine {
    std::uint32_t line = 0;        // in the post-image; a deletion touches the line after it
    std::uint32_t patch_line = 0;  // in the diff text (checkpatch's "#N")
};

struct TouchedFile {
    std::string path;  // post-image path, without git's b/ prefix
    bool deleted = false;
    std::vector<TouchedLine> lines;  // sorted by line
};

struct DiffTouches {
    std::map<std::string, TouchedFile> files;
};

// Throws aio::UsageError when the text is not empty and not a unified diff,
// or a hunk header is malformed.
DiffTouches parse_unified_diff(std::string_view text);

}  // namespace aio::scan
